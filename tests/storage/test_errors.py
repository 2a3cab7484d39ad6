"""Driver errors become StorageError at the seam; what cannot be ours is refused untouched.

A locked SQLite file and a PostgreSQL session the server ends are StorageUnavailable, and a
background worker (the inbox) says so in one line and stores the file at its next try. A file
that is not a SQLite database of ours is refused with one line naming it and left as it was;
a reading command does not create a missing database; a malformed PostgreSQL URL is one line
with its password masked.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.errors import IntegrityError, StorageError, StorageUnavailable
from bot.sources.inbox import InboxWatcher
from bot.storage import Storage, open_url
from tests.storage.factory import article

ARTICLE = """ date 2026-05-01 #Выборы-2026
Политика

Выборы прошли спокойно

Выборы в городской маслихат прошли без нарушений.
"""


async def test_a_sqlite_file_locked_past_the_busy_timeout_is_unavailable(db_path: Path) -> None:
    storage = await open_url(f"sqlite:///{db_path}")
    try:
        await storage.db.execute("PRAGMA busy_timeout=100")
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageUnavailable, match=f"^{db_path}: database is locked"):
            await storage.chats.upsert(1)
        other.close()
        assert (await storage.chats.upsert(1)).id == 1  # and works once it is free
    finally:
        await storage.close()


async def test_a_constraint_is_an_integrity_error(any_storage: Storage) -> None:
    with pytest.raises(IntegrityError):
        await any_storage.db.execute("INSERT INTO meta (key, value) VALUES ('k', NULL)")


async def test_a_terminated_postgresql_session_is_unavailable_then_replaced(pg_url: str) -> None:
    storage = await open_url(pg_url)
    try:
        with pytest.raises(StorageUnavailable):
            await _ended_midway(storage)
        assert await storage.articles.count() == 0  # the pool connects again
    finally:
        await storage.close()


async def _ended_midway(storage: Storage) -> None:
    async with storage.db.transaction() as tx:
        pid = await tx.fetchval("SELECT pg_backend_pid()")
        # The server ends the session: a restart, an idle timeout, an administrator.
        assert await storage.db.fetchval("SELECT pg_terminate_backend($1)", pid)
        await tx.fetchval("SELECT 1")


async def test_the_inbox_says_one_line_and_stores_the_file_once_unlocked(
    db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    storage = await open_url(f"sqlite:///{db_path}")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "vybory.txt").write_text(ARTICLE, encoding="utf-8")
    watch = InboxWatcher(storage, inbox, clock=lambda: 1000.0)
    try:
        await storage.db.execute("PRAGMA busy_timeout=100")
        await watch.scan()  # seen once: it may still be being written
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with caplog.at_level(logging.WARNING, logger="bot.sources.inbox"):
            assert (await watch.scan()).done == []
        other.close()
        [record] = caplog.records
        assert "vybory.txt not stored, will retry" in record.getMessage()
        assert "database is locked" in record.getMessage()
        assert record.exc_info is None
        assert "\n" not in record.getMessage()
        assert (inbox / "vybory.txt").exists()
        assert (await watch.scan()).done == ["vybory.txt"]
        assert await storage.articles.count() == 1
    finally:
        await storage.close()


def _snapshot(path: Path) -> dict[str, bytes]:
    """The files of a folder (or beside a file) and what they hold."""
    folder = path if path.is_dir() else path.parent
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _database_file(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(2000)])
    conn.close()
    return path.read_bytes()


def _other_application(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('Асель', '+7 701 000 00 00')")
    conn.close()


@pytest.mark.parametrize(
    ("contents", "reason"),
    [
        (lambda p: p.write_bytes(hashlib.sha512(b"x").digest() * 64), "not a SQLite database"),
        (lambda p: p.write_bytes(bytes(8192)), "not a SQLite database"),
        (lambda p: p.write_bytes(_database_file(p)[:5000]), "truncated or damaged"),
        (_other_application, "not a Svodka database"),
    ],
    ids=["random bytes", "zeroes", "truncated", "another application's"],
)
async def test_a_file_that_is_not_ours_is_refused_and_left_unchanged(
    db_path: Path, contents: object, reason: str
) -> None:
    contents(db_path)  # type: ignore[operator]
    before = _snapshot(db_path)
    with pytest.raises(StorageError) as caught:
        await open_url(f"sqlite:///{db_path}")
    message = str(caught.value)
    assert message.startswith(f"{db_path}: ")
    assert reason in message
    assert "\n" not in message
    assert _snapshot(db_path) == before  # no change, and no WAL beside it


async def test_a_reading_command_does_not_create_a_missing_database(tmp_path: Path) -> None:
    path = tmp_path / "data" / "svodka.sqlite3"
    with pytest.raises(StorageError, match=f"^{path}: no such database file$"):
        await open_url(f"sqlite:///{path}", create=False)
    assert _snapshot(tmp_path) == {}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://svodka:hunter2@[::1:5432/db", "Invalid IPv6 URL"),
        ("postgresql://svodka:hunter2@127.0.0.1:99999/db", "port must be 0-65535"),
        ("postgresql://svodka@127.0.0.1:5432/db?password=hunter2&sslmode=bogus", "sslmode"),
    ],
)
async def test_a_malformed_postgresql_url_is_one_line_with_its_password_masked(
    url: str, reason: str
) -> None:
    with pytest.raises(StorageError) as caught:
        await open_url(url)
    message = str(caught.value)
    assert "cannot connect to PostgreSQL" in message
    assert reason in message
    assert "hunter2" not in message
    assert "\n" not in message


async def test_a_shorter_reprint_keeps_the_fuller_text_and_takes_the_rest(
    any_storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    full = article(
        "Маслихат утвердил бюджет",
        url="https://example.kz/a/1",
        lead="Маслихат утвердил бюджет города на 2027 год.",
        body=(
            "Маслихат утвердил бюджет города на 2027 год.",
            "Расходы вырастут на десятую часть.",
        ),
        tags=("Бюджет",),
    )
    await any_storage.articles.upsert_many([full])
    short = article(
        "Маслихат утвердил бюджет",
        url="https://example.kz/a/1",
        lead="Бюджет утвержден.",
        body=("Бюджет утвержден.",),
        tags=("Бюджет", "Алматы"),
    )
    with caplog.at_level(logging.INFO, logger="bot.storage.writer"):
        result = await any_storage.articles.upsert_many([short])
    assert result.updated == 1
    [stored] = (await any_storage.articles.latest()).articles
    assert (stored.lead, stored.body) == (full.lead, full.body)
    assert stored.tags == ("Бюджет", "Алматы")
    assert [t.key for t in await any_storage.articles.tags()] == ["алматы", "бюджет"]
    assert [a.id for a in (await any_storage.articles.search("десятую")).articles] == [stored.id]
    assert any("keeps the stored" in r.getMessage() for r in caplog.records)
    # The same reprint again changes nothing; a fuller one replaces the text.
    assert (await any_storage.articles.upsert_many([short])).unchanged == 1
    longer = article(
        "Маслихат утвердил бюджет",
        url="https://example.kz/a/1",
        lead=full.lead,
        body=(*full.body, "Депутаты обсуждали проект два дня."),
    )
    await any_storage.articles.upsert_many([longer])
    [stored] = (await any_storage.articles.latest()).articles
    assert stored.body == longer.body
