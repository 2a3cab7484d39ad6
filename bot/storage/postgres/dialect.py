"""PostgreSQL's dialect: arrays, row locks, and search with a ``tsvector`` column.

The column holds the same words SQLite indexes, computed in Python by
:func:`bot.text.stem.index_words`, as lexemes of their own: PostgreSQL's language
configurations play no part (its ``russian`` one cuts surnames as Snowball does), and a
query is a ``tsquery`` of the same words, ``('a' | 'b') & 'c'``. The vector is written with
its row, ``COPY`` included, through a binary codec (:func:`encode_tsvector`).

Search goes in two steps, for the planner cannot tell a rare word from an absent one (both
lie below its statistics) and would walk the whole published index for either. First the
newest :data:`SEARCH_WALK` articles are tested in order: enough for any common word. Only if
they hold too few matches, the matches are taken from the GIN index and sorted. A search
inside a window of new articles (a followed phrase's, for a digest) is one query: the id
range bounds it, whichever index the planner takes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.storage.rows import ARTICLE_COLUMNS
from bot.storage.sql import Database, Row, Search, SearchEntry

SEARCH_WALK = 1000
_MAX_LEXEMES_BYTES = 1_000_000  # a tsvector holds at most 1 MiB of lexemes
_A_COLUMNS = ", ".join(f"a.{name.strip()}" for name in ARTICLE_COLUMNS.split(","))
_SEARCH_RECENT = (
    f"SELECT {ARTICLE_COLUMNS} FROM (SELECT * FROM articles WHERE (published, id) < ($2, $3) "
    f"ORDER BY published DESC, id DESC LIMIT {SEARCH_WALK}) AS recent "
    "WHERE search @@ $1::tsquery ORDER BY published DESC, id DESC LIMIT $4"
)
# The position is tested after the matches are gathered: inside, a generic plan (asyncpg
# prepares every statement) would AND the GIN bitmap with a bitmap of the whole published
# index, 70 ms on 200,000 articles for a word found in a few hundred.
_SEARCH_INDEX = (
    "WITH m AS MATERIALIZED (SELECT id, published FROM articles WHERE search @@ $1::tsquery) "
    f"SELECT {_A_COLUMNS} FROM (SELECT id, published FROM m WHERE (published, id) < ($2, $3) "
    "ORDER BY published DESC, id DESC LIMIT $4) AS t JOIN articles AS a ON a.id = t.id "
    "ORDER BY t.published DESC, t.id DESC"
)
_SEARCH_WINDOW = (
    f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > $5 AND id <= $6 AND published >= $7 "
    "AND (published, id) < ($2, $3) AND search @@ $1::tsquery "
    "ORDER BY published DESC, id DESC LIMIT $4"
)
# SQLite's table options in the shared DDL (bot.storage.migrations): PostgreSQL's tables
# have no rowid, and its identity columns rise by themselves.
_TABLE_OPTIONS = re.compile(r"\s+(WITHOUT ROWID|AUTOINCREMENT)\b")

# The identity columns of our schema, and the sequence behind one.
_IDS = (
    "FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'"
)
_SEQUENCE = (
    "pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident({table}), "
    "{column})"
)


def encode_tsvector(words: str) -> bytes:
    """PostgreSQL's binary ``tsvector``: sorted distinct lexemes without positions."""
    parts = []
    size = 0
    for lexeme in sorted({word.encode() for word in words.split()}):
        size += len(lexeme)
        if size > _MAX_LEXEMES_BYTES:  # only glued garbage gets here: index what fits
            break
        parts.append(lexeme + b"\0\0\0")  # the lexeme, its terminator, no positions
    return len(parts).to_bytes(4, "big") + b"".join(parts)


def decode_tsvector(data: bytes) -> str:
    """The lexemes of a binary ``tsvector``, joined by spaces (positions dropped)."""
    count = int.from_bytes(data[:4], "big")
    words, at = [], 4
    for _ in range(count):
        end = data.index(b"\0", at)
        words.append(data[at:end].decode())
        positions = int.from_bytes(data[end + 1 : end + 3], "big")
        at = end + 3 + 2 * positions
    return " ".join(words)


class PostgresDialect:
    """:class:`bot.storage.sql.Dialect` for PostgreSQL."""

    name = "postgresql"
    for_update = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    binary = "C"
    search_columns: tuple[str, ...] = ("search",)

    def ddl(self, script: str) -> str:
        return _TABLE_OPTIONS.sub("", script)

    def any(self, param: int, *, blob: bool = False) -> str:
        return f"= ANY(${param})"

    def array(self, values: Sequence[Any]) -> Any:
        return list(values)

    def join_pairs(self, param: int, table: str, key: tuple[str, str]) -> str:
        return (
            "(SELECT (value->>0)::bigint AS a, (value->>1)::bigint AS b "
            f"FROM jsonb_array_elements(${param}::jsonb)) AS p JOIN {table} "
            f"ON {table}.{key[0]} = p.a AND {table}.{key[1]} = p.b"
        )

    def keyset(self, *, older: bool) -> str:
        # One range of the (published, id) index, and a plan quick to make for every call.
        op, order = ("<", "DESC") if older else (">", "ASC")
        return (
            f"SELECT id, published FROM articles WHERE (published, id) {op} ($1, $2) "
            f"ORDER BY published {order}, id {order} LIMIT $3"
        )

    def search_values(self, words: str) -> tuple[Any, ...]:
        return (words,)

    async def index(self, db: Database, entries: Sequence[SearchEntry]) -> None:
        """The vectors went in with their rows."""

    async def unindex(self, db: Database, stored: Sequence[Row]) -> None:
        """Updating a row replaces its vector."""

    async def clear(self, db: Database) -> None:
        """Every row's vector is written again."""

    async def reindex(self, db: Database, entries: Sequence[SearchEntry]) -> None:
        await db.executemany(
            "UPDATE articles SET search = $2 WHERE id = $1", [(e.id, e.words) for e in entries]
        )

    async def search(self, db: Database, search: Search) -> Sequence[Row]:
        words, below, limit, window = search
        # Quoted, the words are lexemes as they are: they are letters and digits only.
        query = " & ".join(
            "(" + " | ".join(f"'{word}'" for word in alternatives) + ")" for alternatives in words
        )
        position = (query, *below, limit)
        if window is not None:
            return await db.fetch(_SEARCH_WINDOW, *position, *window)
        rows = await db.fetch(_SEARCH_RECENT, *position)
        if len(rows) < limit:
            rows = await db.fetch(_SEARCH_INDEX, *position)
        return rows

    async def columns(self, db: Database, table: str) -> list[str]:
        rows = await db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = $1 AND is_generated = 'NEVER' "
            "ORDER BY ordinal_position",
            table,
        )
        return [str(row[0]) for row in rows]

    async def high_water(self, db: Database) -> dict[str, int]:
        """The last value each identity sequence issued."""
        sequence = _SEQUENCE.format(table="table_name", column="column_name")
        rows = await db.fetch(
            f"SELECT table_name, pg_sequence_last_value({sequence}::regclass) {_IDS}"
        )
        return {str(row[0]): int(row[1]) for row in rows if row[1] is not None}

    async def raise_sequences(self, db: Database, high_water: dict[str, int]) -> None:
        sequence = _SEQUENCE.format(table="$1", column="$2")
        for table, column in await db.fetch(f"SELECT table_name, column_name {_IDS}"):
            await db.execute(
                f"SELECT setval({sequence}, v) FROM (SELECT GREATEST(COALESCE(MAX("
                f'"{column}"), 0), $3::bigint) AS v FROM "{table}") AS top WHERE v > 0',
                table,
                column,
                high_water.get(table, 0),
            )
