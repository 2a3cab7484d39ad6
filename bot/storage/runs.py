"""Digest runs: one row per planning pass and its delivery, for the logs and /stats."""

from __future__ import annotations

import os
import socket
import time as _time
from collections.abc import Sequence
from datetime import UTC, datetime

import aiosqlite

from bot.storage.records import DigestRun

RUN_COLUMNS = (
    "id, due_at, started_at, planned_at, finished_at, chats_due, digests, messages, sent, "
    "retried, failed, dropped, deactivated"
)


def this_process() -> tuple[str, int]:
    """``(host, pid)``: who plans or delivers, so that another process can tell it died."""
    return socket.gethostname(), os.getpid()


def process_gone(host: str, pid: int) -> bool:
    """True if ``pid`` is no longer running on this host (SQLite is always one host).

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


def _datetime(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def run_from_row(row: aiosqlite.Row) -> DigestRun:
    return DigestRun(
        id=row["id"],
        due_at=datetime.fromtimestamp(row["due_at"], UTC),
        started_at=datetime.fromtimestamp(row["started_at"], UTC),
        planned_at=_datetime(row["planned_at"]),
        finished_at=_datetime(row["finished_at"]),
        chats_due=row["chats_due"],
        digests=row["digests"],
        messages=row["messages"],
        sent=row["sent"],
        retried=row["retried"],
        failed=row["failed"],
        dropped=row["dropped"],
        deactivated=row["deactivated"],
    )


async def finish_runs(conn: aiosqlite.Connection, run_ids: Sequence[int]) -> list[DigestRun]:
    """Inside a write transaction: set ``finished_at`` on the runs with no open message left."""
    finished: list[DigestRun] = []
    now = int(_time.time())
    for run_id in run_ids:
        async with conn.execute(
            "UPDATE digest_runs SET finished_at = ? WHERE id = ? AND finished_at IS NULL "
            "AND planned_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox "
            "WHERE run_id = ? AND status IN ('pending', 'sending')) "
            f"RETURNING {RUN_COLUMNS}",
            (now, run_id, run_id),
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            finished.append(run_from_row(row))
    return finished
