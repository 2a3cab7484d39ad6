"""Copy every row of one database into another: SQLite into PostgreSQL and back.

Both schemas hold the same tables column for column, so rows move as they are, ids
included, and references, digest cursors and button payloads stay valid. The source is
read in one snapshot (a read transaction on SQLite, which WAL lets a running bot keep
writing past; ``REPEATABLE READ`` on PostgreSQL), and the destination is written in one
transaction that commits only once every table's row count equals the snapshot's: a copy
that fails leaves the destination as it was. Search indexes are not copied but rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import StorageError
from bot.storage.sql import Database
from bot.storage.store import Storage

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
    Table("channel_admins", ("user_id", "channel_id")),
    Table("button_refs"),
    Table("meta", ("key",), "key <> 'search_scheme'"),  # which stemming built *this* index
    Table("digest_runs"),
    Table("outbox"),
    Table("feeds"),
    Table("received", ("chat_id", "story")),
    Table("follows"),
    Table("mutes", ("chat_id", "kind", "key")),
    Table("alert_queue", ("chat_id", "article_id")),
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


class CopyRefused(StorageError):
    """The copy cannot be made as asked; nothing was written."""


class CountMismatch(CopyRefused):
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


async def _count(db: Database, table: Table) -> int:
    return int(await db.fetchval(f"SELECT count(*) FROM {_q(table.name)} WHERE {table.where}"))


async def _columns(db: Database, table: str) -> list[str]:
    """The table's columns, but for those of the search index (rebuilt, not copied)."""
    skipped = db.dialect.search_columns
    return [c for c in await db.dialect.columns(db, table) if c not in skipped]


async def copy_database(
    source: Storage, destination: Storage, *, progress: Progress | None = None
) -> list[TableCount]:
    """Copy every row of ``source`` into the empty ``destination``; the counts per table.

    Raises :class:`CopyRefused` (nothing written) if the destination holds data or a
    table's columns differ, :class:`CountMismatch` if the counts disagree, and
    :class:`StorageError` if a database fails.
    """
    stage = "opening the transactions"
    try:
        async with source.db.snapshot() as reader, destination.db.transaction() as writer:
            stage = "counting rows"
            for table in TABLES:
                if held := await _count(writer, table):
                    raise CopyRefused(
                        f"the destination is not empty: table {table.name} holds "
                        f"{n_rows(held)}; nothing was copied"
                    )
            totals = {t.name: await _count(reader, t) for t in TABLES}
            # The index is rebuilt below: the destination's must not pass for current.
            await writer.execute("DELETE FROM meta WHERE key = 'search_scheme'")
            for table in TABLES:
                stage = f"copying table {table.name}"
                await _copy_table(reader, writer, table, totals[table.name], progress)
            stage = "setting the id sequences"
            high_water = await reader.dialect.high_water(reader)
            await writer.dialect.raise_sequences(writer, high_water)
            stage = "checking the counts"
            counts = [TableCount(t.name, totals[t.name], await _count(writer, t)) for t in TABLES]
            if any(c.source != c.destination for c in counts):
                raise CountMismatch(counts)
    except CopyRefused:
        raise
    except StorageError as exc:
        raise StorageError(f"{stage} failed, nothing was written: {exc}") from exc
    try:
        await destination.articles.check_search_index()
    except StorageError as exc:
        raise StorageError(
            f"the rows were copied, but rebuilding the search index failed: {exc}; "
            "the next start rebuilds it"
        ) from exc
    return counts


async def _copy_table(
    reader: Database, writer: Database, table: Table, total: int, progress: Progress | None
) -> None:
    columns = await _columns(reader, table.name)
    theirs = await _columns(writer, table.name)
    if sorted(columns) != sorted(theirs):
        raise CopyRefused(
            f"table {table.name} has other columns in the destination ({', '.join(theirs)}) "
            f"than in the source ({', '.join(columns)}); nothing was copied"
        )
    key = [columns.index(k) for k in table.key]
    names = ", ".join(_q(c) for c in columns)
    order = ", ".join(_q(k) for k in table.key)
    marks = ", ".join(f"${n}" for n in range(1, len(key) + 1))
    first = f"SELECT {names} FROM {_q(table.name)} WHERE {table.where} ORDER BY {order}"
    after = (
        f"SELECT {names} FROM {_q(table.name)} WHERE {table.where} AND ({order}) > ({marks}) "
        f"ORDER BY {order}"
    )
    done = 0
    position: Sequence[Any] = ()
    if progress is not None:
        progress(table.name, done, total)
    while rows := await reader.fetch(
        f"{after if position else first} LIMIT {CHUNK_ROWS}", *position
    ):
        await writer.insert_many(table.name, columns, [tuple(row) for row in rows])
        done += len(rows)
        position = [rows[-1][i] for i in key]
        if progress is not None:
            progress(table.name, done, total)
