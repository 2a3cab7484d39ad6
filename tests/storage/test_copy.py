"""``db copy``: every row moves between SQLite and PostgreSQL, ids kept, or nothing does."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.errors import StorageError
from bot.follows import parse_follow
from bot.models import Chat, Page
from bot.storage import SqliteStorage, Storage, open_url
from bot.storage.articles import source_digest
from bot.storage.copy import SKIPPED, TABLES, CountMismatch, copy_database
from bot.storage.migrations import MIGRATIONS as SQLITE_MIGRATIONS
from bot.storage.records import OutboxMessage, Outcomes, PlannedDigest
from bot.text import parse_article
from tests import pg
from tests.digest.conftest import claim

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
SUPERGROUP = -1001234567890
CHANNEL = -1009876543210
NOW = datetime.now(UTC).replace(microsecond=0)

pytestmark = pytest.mark.skipif(
    not any(CORPUS.glob("*.txt")), reason=f"the dev corpus is not at {CORPUS}"
)


async def fill(path: Path) -> None:
    """A database as a running bot leaves it: articles, chats, refs, a feed, a digest run."""
    storage = await SqliteStorage.open(path)
    try:
        raws = [p.read_bytes() for p in sorted(CORPUS.glob("*.txt"))]
        articles = [parse_article(raw, f"{n}.txt") for n, raw in enumerate(raws)]
        await storage.articles.upsert_many(
            articles, source_hashes=[source_digest(r) for r in raws]
        )
        tags = await storage.articles.tags(limit=3)
        await storage.chats.upsert(42, language="en")
        await storage.chats.set_timezone(42, "Europe/Moscow")
        await storage.chats.set_schedule(42, [time(7, 30), time(19)], 0b0011111)
        await storage.chats.set_quiet_hours(42, (time(23), time(7)))
        await storage.chats.set_quiet_silent(42, True)
        await storage.chats.upsert(SUPERGROUP, type="supergroup", title="Новости «Юг»")
        for chat_id in (42, SUPERGROUP):
            await storage.chats.subscribe(chat_id, tags[:2] if chat_id > 0 else tags)
        await storage.chats.refs([f"search:выборы:{'x' * 80}", "tag:референдум-2026"])
        await storage.feeds.add("https://example.kz/rss", now=1_770_000_000, rubric="Политика")
        await _deliver_a_digest(storage)
        await storage.received.mark(42, [1, 2])
        await storage.chats.upsert(CHANNEL, type="channel", title="Канал")
        await storage.channels.add(42, CHANNEL)
        await storage.follows.add(42, parse_follow("референдум -Армения"), limit=100)
        await storage.follows.mute(42, "tag", "спорт", "Спорт", NOW + timedelta(days=7))
        await storage.alerts.queue([(42, 1)], at=NOW.timestamp(), cursor=1)
    finally:
        await storage.close()


async def _deliver_a_digest(storage: Storage) -> None:
    """A run of two chats, two messages each; the last is sent and purged (an id gap)."""
    for chat in await storage.digests.unscheduled():
        await storage.digests.schedule([(chat, NOW - timedelta(minutes=1))])
    run_id = await storage.digests.start_run(NOW)
    newest = await storage.articles.max_id()

    async def build(chats: list[Chat]) -> list[PlannedDigest]:
        return [
            PlannedDigest(
                chat.id,
                [
                    OutboxMessage(f"<b>{chat.id}</b>"),
                    OutboxMessage("ещё", '{"inline_keyboard":[]}'),
                ],
                newest,
                NOW + timedelta(days=1),
            )
            for chat in chats
        ]

    await claim(storage, NOW, 10, run_id, build)
    await storage.digests.finish_planning(run_id)
    last = (await storage.outbox.load_pending(0, 10))[-1]
    await storage.outbox.record(Outcomes(marks=[("sent", last.id, run_id, 777)]))
    assert await storage.outbox.purge(-60) == 1


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the search index's, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("articles_fts")
        ]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"'), key=repr) for n in names}
    finally:
        conn.close()


async def pg_rows(url: str, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        found = {}
        for table, names in columns.items():
            rows = await conn.fetch(f"SELECT {', '.join(names)} FROM {table}")
            found[table] = sorted((tuple(r) for r in rows), key=repr)
        return found
    finally:
        await conn.close()


def copied_columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        return {
            t.name: [r[1] for r in conn.execute(f"PRAGMA table_info({t.name})")] for t in TABLES
        }
    finally:
        conn.close()


async def copy(source: str, destination: str) -> list[tuple[str, int, int]]:
    src, dst = await open_url(source), await open_url(destination)
    try:
        counts = await copy_database(src, dst)
    finally:
        await dst.close()
        await src.close()
    return [(c.table, c.source, c.destination) for c in counts]


async def pages(path: Path) -> list[Page]:
    """What /latest and /search show, first and second pages, on this file."""
    storage = await SqliteStorage.open(path)
    try:
        articles = storage.articles
        reads: list[Callable[[str | None], Awaitable[Page]]] = [
            lambda cursor: articles.latest(limit=4, cursor=cursor),
            lambda cursor: articles.latest(["Политика"], limit=2, cursor=cursor),
            lambda cursor: articles.search("Казахстан", limit=3, cursor=cursor),
            lambda cursor: articles.search("выборы", limit=2, cursor=cursor),
        ]
        shown = []
        for read in reads:
            first = await read(None)
            shown += [first, await read(first.next_cursor)]
        return shown
    finally:
        await storage.close()


@pytest.fixture
async def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.sqlite3"
    await fill(path)
    return path


async def test_a_round_trip_through_postgresql_keeps_every_row(
    source: Path, tmp_path: Path, pg_url: str
) -> None:
    back = tmp_path / "back.sqlite3"
    second_schema, second_url = await pg.create_schema()
    try:
        counts = await copy(f"sqlite:///{source}", pg_url)
        assert all(n_source == n_copied for _, n_source, n_copied in counts)
        assert {t: n for t, n, _ in counts}["articles"] >= 20  # the corpus, less duplicates
        await copy(pg_url, second_url)
        assert await copy(second_url, f"sqlite:///{back}") == counts
        in_pg = await pg_rows(second_url, copied_columns(source))
        conn = await asyncpg.connect(second_url)
        try:
            unsearchable = await conn.fetchval(
                "SELECT count(*) FROM articles WHERE search IS NULL OR search = ''"
            )
            next_outbox = await conn.fetchval(
                "SELECT nextval(pg_get_serial_sequence('outbox', 'id'))"
            )
            next_tag = await conn.fetchval("SELECT nextval(pg_get_serial_sequence('tags', 'id'))")
        finally:
            await conn.close()
    finally:
        await pg.drop_schema(second_schema)

    original, returned = sqlite_rows(source), sqlite_rows(back)
    assert all(original[t.name] for t in TABLES), "every copied table has rows to compare"
    assert returned == original
    searchless = {t: rows for t, rows in original.items() if t in in_pg}
    searchless["meta"] = [row for row in original["meta"] if row[0] != "search_scheme"]
    in_pg["meta"] = [row for row in in_pg["meta"] if row[0] != "search_scheme"]
    assert in_pg == searchless
    assert unsearchable == 0
    [(_, outbox_high_water)] = [r for r in original["sqlite_sequence"] if r[0] == "outbox"]
    assert next_outbox == outbox_high_water + 1  # past the purged row, not only the rows left
    assert next_tag == max(row[0] for row in original["tags"]) + 1
    assert await pages(back) == await pages(source)


async def test_a_copy_between_sqlite_files_searches_like_the_original(
    source: Path, tmp_path: Path
) -> None:
    copied = tmp_path / "copy.sqlite3"
    await copy(f"sqlite:///{source}", f"sqlite:///{copied}")
    assert sqlite_rows(copied) == sqlite_rows(source)
    first = (await pages(source))[4]
    assert first.articles  # the search finds something, so the comparison means something
    assert await pages(copied) == await pages(source)


async def test_the_copy_reads_one_snapshot_while_the_bot_writes(
    source: Path, tmp_path: Path
) -> None:
    """A chat added mid-copy by another connection is not copied, and the counts agree."""
    src = await open_url(f"sqlite:///{source}")
    dst = await open_url(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    live = sqlite3.connect(source, isolation_level=None)

    def write_meanwhile(table: str, done: int, total: int) -> None:
        if table == "tags" and done == 0:
            live.execute("INSERT INTO chats (id, created_at, updated_at) VALUES (7, 0, 0)")

    try:
        counts = await copy_database(src, dst, progress=write_meanwhile)
    finally:
        live.close()
        await dst.close()
        await src.close()
    assert {c.table: c.destination for c in counts}["chats"] == 3
    assert len(sqlite_rows(source)["chats"]) == 4


async def raw(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Run one statement on either backend without the repositories."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            return list(conn.execute(sql))
        finally:
            conn.close()
    pg_conn = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await pg_conn.fetch(sql)]
    finally:
        await pg_conn.close()


async def migrated(url: str) -> str:
    """The URL, after opening it once created and migrated its database."""
    await (await open_url(url)).close()
    return url


async def test_a_destination_with_data_is_refused_and_left_untouched(
    source: Path, storage_url: str
) -> None:
    await raw(
        await migrated(storage_url),
        "INSERT INTO chats (id, title, created_at, updated_at) VALUES (99, 'уже здесь', 1, 2)",
    )
    with pytest.raises(StorageError, match="table chats holds 1 row; nothing was copied"):
        await copy(f"sqlite:///{source}", storage_url)
    for table in TABLES:  # the rows a copy would write (not which stemming built the index)
        [(count,)] = await raw(
            storage_url, f"SELECT count(*) FROM {table.name} WHERE {table.where}"
        )
        assert count == (1 if table.name == "chats" else 0), table.name


async def test_a_count_mismatch_names_the_table_and_rolls_back(
    source: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.sqlite3"
    await raw(
        await migrated(f"sqlite:///{target}"),
        "CREATE TRIGGER eat BEFORE INSERT ON feeds BEGIN SELECT RAISE(IGNORE); END",
    )
    with pytest.raises(CountMismatch, match=r"feeds: 1 row in the source, 0 copied") as caught:
        await copy(f"sqlite:///{source}", f"sqlite:///{target}")
    assert [c.table for c in caught.value.counts if c.source != c.destination] == ["feeds"]
    left = sqlite_rows(target)
    left["meta"] = [row for row in left["meta"] if row[0] != "search_scheme"]
    assert not any(rows for rows in left.values())


async def test_a_failure_midway_leaves_postgresql_empty(source: Path, pg_url: str) -> None:
    await raw(
        await migrated(pg_url), "ALTER TABLE feeds ADD CONSTRAINT refuse CHECK (false) NOT VALID"
    )
    with pytest.raises(StorageError, match="copying table feeds failed, nothing was written"):
        await copy(f"sqlite:///{source}", pg_url)
    for table in TABLES:
        sql = f"SELECT count(*) FROM {table.name} WHERE {table.where}"
        assert await raw(pg_url, sql) == [(0,)], table.name


async def test_every_table_is_copied_or_deliberately_skipped(storage_url: str) -> None:
    if storage_url.startswith("sqlite:///"):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    names = {row[0] for row in await raw(await migrated(storage_url), sql)}
    names = {n for n in names if not n.startswith("articles_fts_")}  # FTS5's own tables
    assert names - SKIPPED == {t.name for t in TABLES}


# -- the command line ------------------------------------------------------------------------


def svodka(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env["LOG_LEVEL"] = "ERROR"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


async def test_the_command_prints_progress_and_the_counts(
    source: Path, tmp_path: Path, pg_url: str
) -> None:
    done = svodka("db", "copy", "--from", f"sqlite:///{source}", "--to", pg_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["table", "source", "copied"]
    assert [line.split()[0] for line in lines[1:]] == [t.name for t in TABLES] + ["total"]
    assert "svodka db copy: articles: " in done.stderr
    assert done.stderr.splitlines()[-1].startswith("svodka db copy: ")
    again = svodka("db", "copy", "--from", f"sqlite:///{source}", "--to", pg_url, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().endswith("nothing was copied")
    assert len(again.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("urls", "status", "message"),
    [
        (("sqlite:///missing.sqlite3", "sqlite:///b.sqlite3"), 1, "no such database file"),
        (("sqlite:///a.sqlite3", "sqlite:///./a.sqlite3"), 2, "are one database"),
        (("mysql://db", "sqlite:///b.sqlite3"), 2, "expected sqlite:///PATH"),
        (("sqlite:///a.sqlite3", "postgresql://u:secret@127.0.0.1:1/x"), 1, "cannot connect"),
    ],
    ids=["missing source file", "same file", "unknown scheme", "unreachable server"],
)
def test_a_bad_source_or_destination_is_one_line(
    tmp_path: Path, urls: tuple[str, str], status: int, message: str
) -> None:
    sqlite3.connect(tmp_path / "a.sqlite3").close()
    done = svodka("db", "copy", "--from", urls[0], "--to", urls[1], cwd=tmp_path)
    assert done.returncode == status
    assert message in done.stderr.splitlines()[-1]
    assert "secret" not in done.stderr
    assert not (tmp_path / "missing.sqlite3").exists()
    if status == 1:
        assert len(done.stderr.strip().splitlines()) == 1


def test_db_version_names_the_backend_and_schema(source: Path, tmp_path: Path) -> None:
    done = svodka("db", "version", f"sqlite:///{source}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"sqlite schema version {len(SQLITE_MIGRATIONS)} ")
