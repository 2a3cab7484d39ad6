"""Copy every row of one database into another: SQLite into PostgreSQL and back.

Both schemas hold the same tables column for column, so rows move as they are, ids
included, and references, digest cursors and button payloads stay valid. The source is
read in one snapshot (a read transaction on SQLite, which WAL lets a running bot keep
writing past; ``REPEATABLE READ`` on PostgreSQL), and the destination is written in one
transaction that commits only once every table's row count equals the snapshot's: a copy
that fails leaves the destination as it was. Search indexes are not copied but rebuilt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiosqlite
import asyncpg

from bot.errors import StorageError
from bot.storage import DATABASE_ERRORS, SqliteStorage, Storage
from bot.storage.postgres import PostgresStorage

CHUNK_ROWS = 1000


@dataclass(frozen=True, slots=True)
class Table:
    """A copied table: its primary key (the chunk order) and which of its rows to copy."""

    name: str
    key: tuple[str, ...] = ("id",)
    where: str = "1 = 1"  # an SQL condition both dialects read alike


# In dependency order: a row is inserted after the rows it refers to.
TABLES: tuple[Table, ...] = (
    Table("tags"),
    Table("articles"),
    Table("article_tags", ("tag_id", "published", "article_id")),
    Table("chats"),
    Table("subscriptions", ("chat_id", "tag_key")),
    Table("button_refs"),
    Table("meta", ("key",), "key <> 'search_scheme'"),  # which stemming built *this* index
    Table("digest_runs"),
    Table("outbox"),
    Table("feeds"),
)

# Tables deliberately left behind: search indexes (rebuilt), the delivery lease (it names
# a process of the source) and bookkeeping each backend keeps for itself.
SKIPPED = frozenset({"articles_fts", "delivery_lease", "svodka_schema", "sqlite_sequence"})

# Called as (table, rows copied so far, rows to copy): at the start of a table and per chunk.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    destination: int


class CountMismatch(StorageError):
    """The destination did not end up with the source's rows; the copy was rolled back."""

    def __init__(self, counts: list[TableCount]) -> None:
        wrong = [c for c in counts if c.source != c.destination]
        super().__init__(
            "; ".join(
                f"{c.table}: {n_rows(c.source)} in the source, {c.destination} copied"
                for c in wrong
            )
            + "; the copy was rolled back"
        )
        self.counts = counts


def n_rows(count: int) -> str:
    """``1 row``, ``2 rows``."""
    return f"{count} row" if count == 1 else f"{count} rows"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(table: Table, columns: Sequence[str], after: str | None) -> str:
    key = ", ".join(_q(k) for k in table.key)
    condition = table.where if after is None else f"{table.where} AND ({key}) > ({after})"
    return (
        f"SELECT {', '.join(_q(c) for c in columns)} FROM {_q(table.name)} "
        f"WHERE {condition} ORDER BY {key} LIMIT {CHUNK_ROWS}"
    )


class _SqliteSide:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self.conn.execute(sql, args) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def columns(self, table: str) -> list[str]:
        return [row[1] for row in await self._rows(f"PRAGMA table_info({_q(table)})")]

    async def count(self, table: Table) -> int:
        [(count,)] = await self._rows(f"SELECT count(*) FROM {_q(table.name)} WHERE {table.where}")
        return int(count)

    async def chunk(
        self, table: Table, columns: Sequence[str], after: tuple[Any, ...] | None
    ) -> list[tuple[Any, ...]]:
        marks = None if after is None else ", ".join("?" * len(after))
        return await self._rows(_select(table, columns, marks), after or ())

    async def insert(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        names = ", ".join(_q(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        await self.conn.executemany(f"INSERT INTO {_q(table)} ({names}) VALUES ({marks})", rows)

    async def high_water(self) -> dict[str, int]:
        """The highest ids AUTOINCREMENT issued: above the rows' after deletions."""
        return {
            name: int(seq)
            for name, seq in await self._rows("SELECT name, seq FROM sqlite_sequence")
        }

    async def raise_sequences(self, high_water: dict[str, int]) -> None:
        """New ids start past the source's high water (other tables go on from max(id))."""
        tables = await self._rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
        )
        for (name,) in tables:
            if (value := high_water.get(name, 0)) > 0:
                cursor = await self.conn.execute(
                    "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (value, name)
                )
                if cursor.rowcount == 0:
                    await self.conn.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, value)
                    )


class _PgSide:
    def __init__(self, conn: asyncpg.Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema

    async def columns(self, table: str) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 "
            "AND table_name = $2 AND is_generated = 'NEVER' ORDER BY ordinal_position",
            self.schema,
            table,
        )
        return [str(row[0]) for row in rows]

    async def count(self, table: Table) -> int:
        return int(
            await self.conn.fetchval(f"SELECT count(*) FROM {_q(table.name)} WHERE {table.where}")
        )

    async def chunk(
        self, table: Table, columns: Sequence[str], after: tuple[Any, ...] | None
    ) -> list[tuple[Any, ...]]:
        marks = None if after is None else ", ".join(f"${n}" for n in range(1, len(after) + 1))
        return [
            tuple(row)
            for row in await self.conn.fetch(_select(table, columns, marks), *(after or ()))
        ]

    async def insert(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        await self.conn.copy_records_to_table(
            table, records=rows, columns=list(columns), schema_name=self.schema
        )

    async def _identities(self) -> list[tuple[str, str]]:
        rows = await self.conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = $1 AND is_identity = 'YES'",
            self.schema,
        )
        return [(str(row[0]), str(row[1])) for row in rows]

    def _qualified(self, table: str) -> str:
        return f"{_q(self.schema)}.{_q(table)}"

    async def high_water(self) -> dict[str, int]:
        """The last value each identity sequence issued."""
        found: dict[str, int] = {}
        for table, column in await self._identities():
            value = await self.conn.fetchval(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass)",
                self._qualified(table),
                column,
            )
            if value is not None:
                found[table] = int(value)
        return found

    async def raise_sequences(self, high_water: dict[str, int]) -> None:
        """New ids start past the copied rows and past the source's high water."""
        for table, column in await self._identities():
            await self.conn.execute(
                "SELECT setval(pg_get_serial_sequence($1, $2), v) FROM (SELECT GREATEST("
                f"COALESCE(MAX({_q(column)}), 0), $3::bigint) AS v FROM {_q(table)}) AS top "
                "WHERE v > 0",
                self._qualified(table),
                column,
                high_water.get(table, 0),
            )


_Side = _SqliteSide | _PgSide  # one end of the copy, inside its transaction


@asynccontextmanager
async def _snapshot(storage: Storage) -> AsyncIterator[_Side]:
    """A read-only view of the source that a running bot's writes do not change."""
    if isinstance(storage, SqliteStorage):
        conn = storage.db.conn
        await conn.execute("BEGIN")  # deferred: the snapshot starts at the first read
        try:
            yield _SqliteSide(conn)
        finally:
            await conn.rollback()
    elif isinstance(storage, PostgresStorage):
        async with (
            storage.db.pool.acquire() as pg,
            pg.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield _PgSide(pg, storage.db.schema)
    else:
        raise StorageError(f"cannot copy from a {storage.backend} database")


@asynccontextmanager
async def _transaction(storage: Storage) -> AsyncIterator[_Side]:
    """One write transaction on the destination: all of the copy or none of it."""
    if isinstance(storage, SqliteStorage):
        async with storage.db.write() as conn:
            yield _SqliteSide(conn)
    elif isinstance(storage, PostgresStorage):
        async with storage.db.write() as pg:
            yield _PgSide(pg, storage.db.schema)
    else:
        raise StorageError(f"cannot copy into a {storage.backend} database")


async def copy_database(
    source: Storage, destination: Storage, *, progress: Progress | None = None
) -> list[TableCount]:
    """Copy every row of ``source`` into the empty ``destination``; the counts per table.

    Raises :class:`StorageError` (nothing written) if the destination holds data, a table's
    columns differ, or a database fails; :class:`CountMismatch` if the counts disagree.
    """
    stage = "opening the transactions"
    try:
        async with _snapshot(source) as reader, _transaction(destination) as writer:
            stage = "counting rows"
            for table in TABLES:
                if held := await writer.count(table):
                    raise StorageError(
                        f"the destination is not empty: table {table.name} holds "
                        f"{n_rows(held)}; nothing was copied"
                    )
            totals = {t.name: await reader.count(t) for t in TABLES}
            for table in TABLES:
                stage = f"copying table {table.name}"
                await _copy_table(reader, writer, table, totals[table.name], progress)
            stage = "setting the id sequences"
            await writer.raise_sequences(await reader.high_water())
            stage = "checking the counts"
            counts = [TableCount(t.name, totals[t.name], await writer.count(t)) for t in TABLES]
            if any(c.source != c.destination for c in counts):
                raise CountMismatch(counts)
    except StorageError:
        raise
    except DATABASE_ERRORS as exc:
        raise StorageError(f"{stage} failed, nothing was written: {exc}") from exc
    if isinstance(destination, SqliteStorage):
        try:
            await destination.articles.check_search_index()
        except DATABASE_ERRORS as exc:
            raise StorageError(
                f"the rows were copied, but rebuilding the search index failed: {exc}; "
                "the next ingest rebuilds it"
            ) from exc
    return counts


async def _copy_table(
    reader: _Side, writer: _Side, table: Table, total: int, progress: Progress | None
) -> None:
    columns = await reader.columns(table.name)
    theirs = await writer.columns(table.name)
    if sorted(columns) != sorted(theirs):
        raise StorageError(
            f"table {table.name} has other columns in the destination ({', '.join(theirs)}) "
            f"than in the source ({', '.join(columns)}); nothing was copied"
        )
    key = [columns.index(k) for k in table.key]
    done = 0
    after: tuple[Any, ...] | None = None
    if progress is not None:
        progress(table.name, done, total)
    while rows := await reader.chunk(table, columns, after):
        await writer.insert(table.name, columns, rows)
        done += len(rows)
        after = tuple(rows[-1][i] for i in key)
        if progress is not None:
            progress(table.name, done, total)
