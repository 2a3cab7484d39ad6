"""What makes ingest fast must not change what is stored or found: page size, word paths."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.storage import SqliteStorage
from tests.storage.factory import article, at


def page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


async def test_a_new_database_file_gets_16_kib_pages(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    storage = await SqliteStorage.open(path)
    await storage.close()
    assert page_size(path) == 16384


async def test_an_existing_file_keeps_its_page_size_and_works(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # a file made before 16 KiB pages: 4 KiB ones
        conn.executescript("PRAGMA page_size=4096; CREATE TABLE t (x); DROP TABLE t;")
    storage = await SqliteStorage.open(path)
    try:
        result = await storage.articles.upsert_many([article("Выборы в Алматы")])
        found = await storage.articles.search("выборов")
    finally:
        await storage.close()
    assert result.added == 1
    assert [a.title for a in found.articles] == ["Выборы в Алматы"]
    assert page_size(path) == 4096


async def test_search_finds_words_whatever_way_the_text_was_split(tmp_path: Path) -> None:
    # cp1251 text is folded and split as bytes; µ (folds out of cp1251) and emoji do not fit.
    titles = ["ВЫБОРЫ в Алматы", "Выборов 5 µм", "Выборам 🙂 конец", "Ёлка и выборы"]
    storage = await SqliteStorage.open(tmp_path / "words.sqlite3")
    try:
        await storage.articles.upsert_many(
            [article(title, published=at(day + 1)) for day, title in enumerate(titles)]
        )
        found = await storage.articles.search("выборы", limit=10)
        trees = await storage.articles.search("ЕЛКА", limit=10)
    finally:
        await storage.close()
    assert [a.title for a in found.articles] == list(reversed(titles))
    assert [a.title for a in trees.articles] == ["Ёлка и выборы"]
