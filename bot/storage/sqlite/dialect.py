"""SQLite's dialect: JSON arrays, no row locks, and search with a contentless FTS5 table.

The index holds the distinct word stems of headline and body (computed in Python by
:func:`bot.text.stem.index_words`), so the ``ascii`` tokenizer only splits on spaces. Its
rowid packs (published, id) (:func:`bot.storage.rows.fts_rowid`), so rowid order is
newest-first order: a search reads its first matches in that order and stops at the page
size, however common the word. Contentless: an article's words are derived again from its
stored row when they must be removed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.storage.rows import ARTICLE_COLUMNS, MAX_ARTICLE_ID, fts_rowid
from bot.storage.sql import Database, Row, Search, SearchEntry
from bot.text.stem import search_words

_A_COLUMNS = ", ".join(f"a.{name.strip()}" for name in ARTICLE_COLUMNS.split(","))
_INDEX = "INSERT INTO articles_fts (rowid, words) VALUES ($1, $2)"
_SEARCH = (
    f"SELECT {_A_COLUMNS} FROM (SELECT rowid AS r FROM articles_fts "
    "WHERE articles_fts MATCH $1 AND rowid < $2 ORDER BY rowid DESC LIMIT $3) AS m "
    f"JOIN articles AS a ON a.id = (m.r & {MAX_ARTICLE_ID}) ORDER BY m.r DESC"
)
# Inside a window: the rowid's lower bound (its ``since``) ends the walk; the ids are tested
# on the rowids the walk meets.
_SEARCH_WINDOW = (
    f"SELECT {_A_COLUMNS} FROM (SELECT rowid AS r FROM articles_fts "
    "WHERE articles_fts MATCH $1 AND rowid < $2 AND rowid >= $4 "
    f"AND (rowid & {MAX_ARTICLE_ID}) > $5 AND (rowid & {MAX_ARTICLE_ID}) <= $6 "
    "ORDER BY rowid DESC LIMIT $3) AS m "
    f"JOIN articles AS a ON a.id = (m.r & {MAX_ARTICLE_ID}) ORDER BY m.r DESC"
)


class SqliteDialect:
    """:class:`bot.storage.sql.Dialect` for SQLite."""

    name = "sqlite"
    for_update = ""  # one writer at a time: a transaction holds every row it reads
    skip_locked = ""
    binary = "BINARY"
    search_columns: tuple[str, ...] = ()

    def any(self, param: int, *, blob: bool = False) -> str:
        value = "unhex(value)" if blob else "value"
        return f"IN (SELECT {value} FROM json_each(${param}))"

    def join_pairs(self, param: int, table: str, key: tuple[str, str]) -> str:
        # CROSS JOIN keeps the pairs outside: SQLite does not know how few they are.
        return (
            "(SELECT json_extract(value, '$[0]') AS a, json_extract(value, '$[1]') AS b "
            f"FROM json_each(${param})) AS p CROSS JOIN {table} "
            f"ON {table}.{key[0]} = p.a AND {table}.{key[1]} = p.b"
        )

    def array(self, values: Sequence[Any]) -> Any:
        if values and isinstance(values[0], bytes):
            return json.dumps([value.hex() for value in values])
        return json.dumps(list(values), ensure_ascii=False)

    def keyset(self, *, older: bool) -> str:
        # A row-value comparison would not use the index beyond ``published`` (``id`` is the
        # rowid), so the rest of the position's second and the earlier (later) seconds are
        # two index ranges.
        op, order = ("<", "DESC") if older else (">", "ASC")
        return (
            "SELECT id, published FROM (SELECT * FROM (SELECT id, published FROM articles "
            f"WHERE published = $1 AND id {op} $2 ORDER BY id {order} LIMIT $3) UNION ALL "
            "SELECT * FROM (SELECT id, published FROM articles "
            f"WHERE published {op} $1 ORDER BY published {order}, id {order} LIMIT $3)) "
            f"ORDER BY published {order}, id {order} LIMIT $3"
        )

    def search_values(self, words: str) -> tuple[Any, ...]:
        return ()

    async def index(self, db: Database, entries: Sequence[SearchEntry]) -> None:
        # In rowid order: FTS5 keeps its pending index in memory only while rowids rise.
        rows = sorted((fts_rowid(e.published, e.id), e.words) for e in entries)
        await db.executemany(_INDEX, rows)

    async def unindex(self, db: Database, stored: Sequence[Row]) -> None:
        """``stored``: rows of ``id, published, title, body, lead`` as they are now."""
        await db.executemany(
            "INSERT INTO articles_fts (articles_fts, rowid, words) VALUES ('delete', $1, $2)",
            [(fts_rowid(r[1], r[0]), search_words(r[2], r[3], r[4])) for r in stored],
        )

    async def clear(self, db: Database) -> None:
        await db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")

    async def reindex(self, db: Database, entries: Sequence[SearchEntry]) -> None:
        await self.index(db, entries)

    async def search(self, db: Database, search: Search) -> Sequence[Row]:
        words, below, limit, window = search
        # Quoted, the words are plain terms: they are letters and digits only.
        match = " AND ".join(
            "(" + " OR ".join(f'"{word}"' for word in alternatives) + ")" for alternatives in words
        )
        if window is None:
            return await db.fetch(_SEARCH, match, fts_rowid(*below), limit)
        after, upto, since = window
        bounds = (fts_rowid(since, 0), after, upto)
        return await db.fetch(_SEARCH_WINDOW, match, fts_rowid(*below), limit, *bounds)

    async def columns(self, db: Database, table: str) -> list[str]:
        return [row[1] for row in await db.fetch(f"PRAGMA table_info({table})")]

    async def high_water(self, db: Database) -> dict[str, int]:
        """AUTOINCREMENT's high water: above the rows left after deletions."""
        rows = await db.fetch("SELECT name, seq FROM sqlite_sequence")
        return {str(row[0]): int(row[1]) for row in rows}

    async def raise_sequences(self, db: Database, high_water: dict[str, int]) -> None:
        """Tables without AUTOINCREMENT go on from max(id) by themselves."""
        tables = await db.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
        )
        for (name,) in tables:
            if (value := high_water.get(name, 0)) > 0 and not await db.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, $1) WHERE name = $2", value, name
            ):
                await db.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)", name, value
                )
