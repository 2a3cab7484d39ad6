"""Digest runs: one row per planning pass and its delivery, for the logs and /stats.

The digest and outbox repositories both write a run's counters and close it. Every
transaction that closes outbox rows of a run also updates its counters, locking the run's
row first (where rows can be locked), so whichever of two such transactions comes second
waits and then sees the first one's rows: a run is never left unfinished by two checks
that each saw the other's work undone.
"""

from __future__ import annotations

import os
import socket
import time as _time
from collections.abc import Collection

from bot.storage.records import DigestRun
from bot.storage.rows import RUN_COLUMNS, run_from_row
from bot.storage.sql import Database

OPEN = "status IN ('pending', 'sending')"  # as the partial indexes name it, for SQLite


def this_process() -> tuple[str, int]:
    """``(host, pid)``: who plans or delivers, so that another process can tell it died."""
    return socket.gethostname(), os.getpid()


def process_gone(host: str, pid: int) -> bool:
    """True if ``pid`` is no longer running on this host.

    A process on another host, or this very process, is never taken for gone.
    """
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def lock_runs(db: Database, run_ids: Collection[int]) -> None:
    """Lock runs' rows, in id order (so two lockers never wait on each other)."""
    d = db.dialect
    if run_ids and d.for_update:
        await db.fetch(
            f"SELECT 1 FROM digest_runs WHERE id {d.any(1)} ORDER BY id{d.for_update}",
            d.array(sorted(run_ids)),
        )


async def finish_runs(db: Database, run_ids: Collection[int]) -> list[DigestRun]:
    """Inside a transaction: set ``finished_at`` on the runs with no open message left."""
    if not run_ids:
        return []
    await lock_runs(db, run_ids)
    d = db.dialect
    # A statement of its own, after the lock: it reads what the lock waited for.
    rows = await db.fetch(
        f"UPDATE digest_runs AS r SET finished_at = $1 WHERE id {d.any(2)} "
        "AND finished_at IS NULL AND planned_at IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM outbox WHERE run_id = r.id AND {OPEN}) RETURNING {RUN_COLUMNS}",
        int(_time.time()),
        d.array(sorted(run_ids)),
    )
    return sorted((run_from_row(row) for row in rows), key=lambda run: run.id)
