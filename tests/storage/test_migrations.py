"""Migrations on both backends: from an empty database and from each earlier version.

A database left at any earlier schema version, with rows in it, opens at the newest
version with its rows intact; a database from a newer program is refused; instances
starting together on one PostgreSQL database migrate it once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import time
from pathlib import Path

import asyncpg
import pytest

from bot.errors import StorageError
from bot.models import EVERY_DAY
from bot.storage import open_url
from bot.storage.postgres.migrations import MIGRATIONS as PG_MIGRATIONS
from bot.storage.sqlite.migrations import MIGRATIONS as SQLITE_MIGRATIONS
from tests.storage.factory import article

CHAT_ROW = "INSERT INTO chats (id, type, created_at, updated_at) VALUES (77, 'private', 1, 1)"
FEED_ROW = "INSERT INTO feeds (url, created_at) VALUES ('https://vecher.example.ru/rss', 1)"
# An article as an older release stored it: its search index entry is the release's own.
ARTICLE_ROW = (
    "INSERT INTO articles (id, dedup_key, content_hash, title, published, lead, brief, body, "
    "ingested_at) VALUES (5, {key}, {key}, 'Маслихат принял бюджет', 0, 'Лид.', 'Лид.', "
    "'Депутаты городского маслихата приняли бюджет.', 1)"
)
STORIES = 4  # the schema version that added articles.story


def _sqlite_at(path: Path, version: int) -> None:
    with sqlite3.connect(path) as conn:
        for script in SQLITE_MIGRATIONS[:version]:
            conn.executescript(script)
        if version:
            conn.execute(CHAT_ROW)
            conn.execute(FEED_ROW)
            conn.execute(ARTICLE_ROW.format(key="X'05'"))
            if version >= STORIES:  # a release that knew stories wrote the article's own
                conn.execute("UPDATE articles SET story = id")
        conn.execute(f"PRAGMA user_version = {version}")


async def _pg_at(url: str, version: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        if version:
            await conn.execute(
                "CREATE TABLE svodka_schema (version INTEGER PRIMARY KEY, "
                "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
        for number, script in enumerate(PG_MIGRATIONS[:version], start=1):
            await conn.execute(script)
            await conn.execute("INSERT INTO svodka_schema (version) VALUES ($1)", number)
        if version:
            await conn.execute(CHAT_ROW)
            await conn.execute(FEED_ROW)
            await conn.execute(ARTICLE_ROW.format(key="decode('05', 'hex')"))
            if version >= STORIES:
                await conn.execute("UPDATE articles SET story = id")
    finally:
        await conn.close()


async def _prepare(backend: str, url: str, version: int) -> None:
    if backend == "sqlite":
        _sqlite_at(Path(url.removeprefix("sqlite:///")), version)
    else:
        await _pg_at(url, version)


def _migrations(backend: str) -> list[str]:
    return SQLITE_MIGRATIONS if backend == "sqlite" else PG_MIGRATIONS


@pytest.mark.parametrize("version", range(max(len(SQLITE_MIGRATIONS), len(PG_MIGRATIONS))))
async def test_each_earlier_version_opens_at_the_newest_with_its_rows(
    backend: str, storage_url: str, version: int
) -> None:
    newest = len(_migrations(backend))
    if version >= newest:
        pytest.skip(f"{backend} has no schema version {version}")
    await _prepare(backend, storage_url, version)
    storage = await open_url(storage_url)
    try:
        assert await storage.schema_version() == newest
        if version:
            chat = await storage.chats.get(77)
            assert chat is not None
            assert chat.active
            feed = await storage.feeds.find("https://vecher.example.ru/rss")
            assert feed is not None
            assert not feed.paused
            # The index was rebuilt with today's words: the old article is found.
            found = await storage.articles.search("депутатов маслихата")
            assert [a.id for a in found.articles] == [5]
            # An article stored before stories were detected is a story of its own.
            assert [a.story for a in found.articles] == [5]
        # The migrated database works: an article goes in and comes back out.
        await storage.articles.upsert_many([article("Выборы в маслихат")])
        page = await storage.articles.latest(limit=1)
        assert [a.title for a in page.articles] == ["Выборы в маслихат"]
    finally:
        await storage.close()


async def test_reopening_migrates_nothing_and_keeps_the_rows(storage_url: str) -> None:
    storage = await open_url(storage_url)
    await storage.chats.upsert(5, type="group", title="Редакция")
    await storage.close()
    storage = await open_url(storage_url)
    try:
        chat = await storage.chats.get(5)
        assert chat is not None
        assert chat.title == "Редакция"
    finally:
        await storage.close()


async def test_a_postgresql_schema_from_a_newer_program_is_refused(pg_url: str) -> None:
    await _pg_at(pg_url, len(PG_MIGRATIONS))
    conn = await asyncpg.connect(pg_url)
    await conn.execute("INSERT INTO svodka_schema (version) VALUES ($1)", len(PG_MIGRATIONS) + 1)
    await conn.close()
    with pytest.raises(StorageError, match="newer than this program"):
        await open_url(pg_url)


async def test_instances_starting_together_migrate_once(pg_url: str) -> None:
    opened = await asyncio.gather(*(open_url(pg_url) for _ in range(4)))
    try:
        conn = await asyncpg.connect(pg_url)
        versions = await conn.fetch("SELECT version FROM svodka_schema ORDER BY version")
        await conn.close()
        assert [row["version"] for row in versions] == list(range(1, len(PG_MIGRATIONS) + 1))
    finally:
        for storage in opened:
            await storage.close()


async def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(StorageError) as caught:
        await open_url("postgresql://svodka:secret@127.0.0.1:9/nowhere")
    message = str(caught.value)
    assert message.startswith("postgresql://svodka:***@127.0.0.1:9/nowhere: cannot connect")
    assert "secret" not in message
    assert "\n" not in message


SCHEDULES = 9  # the schema version that added digest schedules and quiet hours


async def test_a_chat_from_before_schedules_opens_with_its_one_time_as_its_schedule(
    backend: str, storage_url: str
) -> None:
    await _prepare(backend, storage_url, SCHEDULES - 2)
    one_time = "UPDATE chats SET digest_time = '07:30' WHERE id = 77"
    if backend == "sqlite":
        with sqlite3.connect(storage_url.removeprefix("sqlite:///")) as conn:
            conn.execute(one_time)
    else:
        conn = await asyncpg.connect(storage_url)
        await conn.execute(one_time)
        await conn.close()
    storage = await open_url(storage_url)
    try:
        chat = await storage.chats.get(77)
        assert chat is not None
        assert (chat.digest_time, chat.digest_times, chat.digest_days) == (
            time(7, 30),
            (time(7, 30),),
            EVERY_DAY,
        )
        assert (chat.quiet_start, chat.quiet_end, chat.quiet_silent) == (None, None, False)
    finally:
        await storage.close()
