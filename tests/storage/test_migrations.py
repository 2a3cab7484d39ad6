"""Migrations on both backends: from an empty database and from each earlier version.

A database left at any earlier schema version, with rows in it, opens at the newest
version with its rows intact; a database from a newer program is refused; instances
starting together on one PostgreSQL database migrate it once.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import time
from pathlib import Path

import asyncpg
import pytest

from bot.errors import StorageError
from bot.models import EVERY_DAY
from bot.storage import open_url
from bot.storage.migrations import scripts
from bot.storage.postgres.dialect import PostgresDialect
from bot.storage.sqlite.dialect import SqliteDialect
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
SQLITE_MIGRATIONS = scripts(SqliteDialect())
PG_MIGRATIONS = scripts(PostgresDialect())


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


# How PostgreSQL names the types the shared DDL writes, in SQLite's words.
_PG_TYPES = {
    "bigint": "INTEGER",
    "integer": "INTEGER",
    "bytea": "BLOB",
    "text": "TEXT",
    "double precision": "REAL",
}


def _sqlite_columns(conn: sqlite3.Connection) -> dict[str, list[tuple[str, str, bool, str]]]:
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'articles_fts%'"
    ).fetchall()
    return {
        name: [
            (col, kind, bool(notnull or pk), str(default))
            for _, col, kind, notnull, default, pk in conn.execute(f"PRAGMA table_info({name})")
        ]
        for (name,) in tables
    }


async def _pg_columns(conn: asyncpg.Connection) -> dict[str, list[tuple[str, str, bool, str]]]:
    rows = await conn.fetch(
        "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND data_type <> 'tsvector' ORDER BY table_name, ordinal_position"
    )
    found: dict[str, list[tuple[str, str, bool, str]]] = {}
    for table, column, kind, nullable, default in rows:
        default = str(default).split("::")[0]  # '[]'::text, as SQLite has it: '[]'
        found.setdefault(table, []).append((column, _PG_TYPES[kind], nullable == "NO", default))
    return found


def test_each_engine_reads_the_shared_ddl_in_its_own_words() -> None:
    for script in SQLITE_MIGRATIONS:
        assert not re.search(r"BIGINT|BYTEA|DOUBLE|IDENTITY|COLLATE|TSVECTOR", script)
    for script in PG_MIGRATIONS:
        assert not re.search(r"WITHOUT ROWID|AUTOINCREMENT|fts5", script)
    conn = sqlite3.connect(":memory:")
    for script in SQLITE_MIGRATIONS:
        conn.executescript(script)
    ddl = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    # The outbox's ids never go back (delivery reads ids above the last it saw), and the
    # tables keyed by several columns are stored in their key's order.
    assert "AUTOINCREMENT" in ddl["outbox"]
    assert ddl["article_tags"].rstrip().endswith("WITHOUT ROWID")
    assert "INTEGER PRIMARY KEY" in ddl["articles"]


async def test_both_engines_have_the_same_tables_column_for_column_at_every_version(
    pg_url: str, tmp_path: Path
) -> None:
    conn = sqlite3.connect(tmp_path / "versions.db")
    pg = await asyncpg.connect(pg_url)
    try:
        for version, (script, pg_script) in enumerate(
            zip(SQLITE_MIGRATIONS, PG_MIGRATIONS, strict=True), start=1
        ):
            conn.executescript(script)
            await pg.execute(pg_script)
            theirs = await _pg_columns(pg)
            assert _sqlite_columns(conn) == theirs, f"schema version {version}"
        assert len(theirs) == 16  # every table, the delivery lease included
    finally:
        await pg.close()
        conn.close()
