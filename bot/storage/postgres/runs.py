"""Digest runs on PostgreSQL: what the digest and outbox repositories both write.

The record types and row converters are the SQLite ones (:mod:`bot.storage.runs`): the
tables are the same column for column, and an ``asyncpg.Record`` reads by column name as
a ``sqlite3.Row`` does.
"""

from __future__ import annotations

import time as _time
from collections.abc import Collection
from typing import cast

import aiosqlite
import asyncpg

from bot.storage.records import DigestRun
from bot.storage.runs import RUN_COLUMNS, run_from_row

OPEN = "status IN ('pending', 'sending')"


def as_row(record: asyncpg.Record) -> aiosqlite.Row:
    """Hand a record to the SQLite converters, which only read columns by name."""
    return cast("aiosqlite.Row", record)


def run_from_record(record: asyncpg.Record) -> DigestRun:
    return run_from_row(as_row(record))


def rowcount(status: str) -> int:
    """The row count of a command tag such as ``UPDATE 3``."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else 0


async def lock_runs(conn: asyncpg.Connection, run_ids: Collection[int]) -> None:
    """Lock runs' rows, in id order, before their counters change or they are finished.

    Every transaction that closes outbox rows of a run updates its counters, so whichever
    of two such transactions comes second waits here and then sees the first one's rows:
    a run is never left unfinished by two checks that each saw the other's work undone.
    Locking in id order keeps two of them from waiting on each other.
    """
    if run_ids:
        await conn.execute(
            "SELECT 1 FROM digest_runs WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
            sorted(run_ids),
        )


async def finish_runs(conn: asyncpg.Connection, run_ids: Collection[int]) -> list[DigestRun]:
    """Inside a write transaction: set ``finished_at`` on the runs with no open message left."""
    if not run_ids:
        return []
    await lock_runs(conn, run_ids)
    # A statement of its own, after the lock: it reads what the lock waited for.
    rows = await conn.fetch(
        "UPDATE digest_runs r SET finished_at = $1 WHERE id = ANY($2::bigint[]) "
        "AND finished_at IS NULL AND planned_at IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM outbox WHERE run_id = r.id AND {OPEN}) RETURNING {RUN_COLUMNS}",
        int(_time.time()),
        sorted(run_ids),
    )
    return sorted((run_from_record(row) for row in rows), key=lambda run: run.id)
