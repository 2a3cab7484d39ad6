"""The SQLite file: migrations, reopening, a newer file, the search index's stemming."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.storage import SqliteStorage
from bot.storage.migrations import MIGRATIONS
from bot.storage.rows import decode_cursor, encode_cursor, fts_rowid
from tests.storage.factory import article, at


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


@pytest.fixture
def empty_file(db_path: Path) -> Path:
    db_path.touch()
    return db_path


async def test_an_empty_file_is_migrated_to_the_newest_version(
    empty_file: Path, db_path: Path
) -> None:
    assert user_version(empty_file) == 0
    storage = await SqliteStorage.open(db_path)
    await storage.close()
    assert user_version(db_path) == len(MIGRATIONS)
    assert {"articles", "tags", "article_tags", "articles_fts", "meta"} <= tables(db_path)


async def test_reopening_keeps_the_articles_and_migrates_nothing(db_path: Path) -> None:
    storage = await SqliteStorage.open(db_path)
    await storage.articles.upsert_many([article("Выборы прошли", tags=("Выборы",))])
    await storage.close()
    for _ in range(2):
        storage = await SqliteStorage.open(db_path)
        assert await storage.db.schema_version() == len(MIGRATIONS)
        assert await storage.articles.count() == 1
        assert [a.title for a in (await storage.articles.search("выборов")).articles] == [
            "Выборы прошли"
        ]
        assert await storage.articles.check_search_index() is False
        await storage.close()


async def test_a_file_from_a_newer_version_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StorageError, match="newer"):
        await SqliteStorage.open(db_path)


async def test_other_stemming_rules_rebuild_the_search_index(db_path: Path) -> None:
    storage = await SqliteStorage.open(db_path)
    repo = storage.articles
    await repo.upsert_many([article(f"Выборы {n}", published=at(1 + n % 5)) for n in range(30)])
    # As if an older release (other stemming) had built the index: its words are wrong now.
    db = storage.db
    await db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    await db.execute("INSERT INTO articles_fts (rowid, words) VALUES ($1, 'старое')", 1)
    await db.execute("UPDATE meta SET value = 'old' WHERE key = 'search_scheme'")
    assert await repo.check_search_index() is True
    assert len((await repo.search("выборах", limit=100)).articles) == 30
    assert (await repo.search("старое")).articles == []
    assert await repo.check_search_index() is False
    await db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    await storage.close()


async def test_a_new_repository_checks_the_index_before_its_first_write(db_path: Path) -> None:
    storage = await SqliteStorage.open(db_path)
    await storage.articles.upsert_many([article("Выборы")])
    await storage.db.execute("UPDATE meta SET value = 'old' WHERE key = 'search_scheme'")
    await storage.close()
    storage = await SqliteStorage.open(db_path)
    try:
        # The update removes the old words from the index: that needs an index of today's rules.
        await storage.articles.upsert_many(
            [article("Выборы", lead="Другой, более подробный лид.", body=())]
        )
        assert [a.lead for a in (await storage.articles.search("выборы")).articles] == [
            "Другой, более подробный лид."
        ]
        meta = "SELECT value FROM meta WHERE key = 'search_scheme'"
        assert await storage.db.fetchval(meta) not in (None, "old")
    finally:
        await storage.close()


@pytest.mark.parametrize(
    ("published", "article_id"),
    [(0, 1), (1_772_496_000, 123_456), (-86_400 * 365 * 100, 7), (2**31, 2**28 - 1)],
)
def test_cursors_round_trip(published: int, article_id: int) -> None:
    cursor = encode_cursor(published, article_id)
    assert decode_cursor(cursor) == (published, article_id)
    assert len(cursor) <= 14  # it rides in Telegram callback data (64 bytes)


def test_search_rowids_sort_like_the_lists() -> None:
    positions = [(5, 1), (5, 2), (6, 1), (-10, 9), (2**31, 3), (0, 2**28 - 1)]
    by_rowid = sorted(positions, key=lambda p: fts_rowid(*p))
    assert by_rowid == sorted(positions)
    assert all(0 < fts_rowid(*p) < 2**63 for p in positions)
