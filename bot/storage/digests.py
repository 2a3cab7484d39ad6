"""Digest bookkeeping: which chats are due, claiming them, moving them on, and digest runs.

The digest planner owns the transaction of a claim (:mod:`bot.digest.planner`): it claims
due chats (:meth:`DigestRepo.claim_due`), builds their digests, enqueues the messages
(:meth:`bot.storage.outbox.OutboxRepo.enqueue`) and moves the chats' cursor and schedule on
(:meth:`DigestRepo.advance`), all in one transaction. A crash before the commit leaves the
chats due, so they are claimed again; after it, the outbox holds their messages. No chat is
ever claimed twice: SQLite has one writer at a time, and on PostgreSQL a claim locks the
chats' rows (``FOR UPDATE SKIP LOCKED``), so a second planner passes over them to the chats
nobody holds.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from datetime import datetime

from bot.models import Chat
from bot.storage.chats import subscriptions
from bot.storage.records import ClaimResult, DigestRun, PlannedDigest, Unscheduled
from bot.storage.rows import (
    CHAT_COLUMNS,
    RUN_COLUMNS,
    chat_from_row,
    from_seconds,
    maybe_seconds,
    run_from_row,
)
from bot.storage.runs import finish_runs, process_gone, this_process
from bot.storage.sql import Database, Row

# A run still being planned after this long was left by a process that died.
ABANDONED_AFTER_SECONDS = 600
_DUE = "active = 1 AND paused = 0 AND next_digest_at <= $1"
_SCHEDULE = (
    "UPDATE chats SET next_digest_at = $1 WHERE id = $2 AND next_digest_at IS NULL "
    "AND COALESCE(timezone, '') = COALESCE($3, '') "
    "AND COALESCE(digest_time, '') = COALESCE($4, '') AND digest_days = $5"
)
_ADVANCE = (
    "UPDATE chats SET digest_cursor = CASE WHEN $1 > digest_cursor THEN $1 "
    "ELSE digest_cursor END, next_digest_at = COALESCE($2, next_digest_at) WHERE id = $3"
)
_COUNT = (
    "UPDATE digest_runs SET chats_due = chats_due + $1, digests = digests + $2, "
    "messages = messages + $3 WHERE id = $4"
)
_START = "INSERT INTO digest_runs (due_at, started_at, planner) VALUES ($1, $2, $3) RETURNING id"


def _now() -> int:
    return int(_time.time())


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _gone(planner: str | None) -> bool:
    host, _, pid = (planner or "").rpartition(":")
    return pid.isdigit() and process_gone(host, int(pid))


class DigestRepo:
    """Due chats, claims and runs; digest planners are its writers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the schedule ------------------------------------------------------------------

    async def unscheduled(self, limit: int = 5000) -> list[Unscheduled]:
        """Active, unpaused chats whose due instant was cleared by a settings change."""
        rows = await self.db.fetch(
            "SELECT id, timezone, digest_time, updated_at, digest_days FROM chats "
            "WHERE next_digest_at IS NULL AND active = 1 AND paused = 0 LIMIT $1",
            limit,
        )
        return [Unscheduled(row[0], row[1], row[2], from_seconds(row[3]), row[4]) for row in rows]

    async def schedule(self, chats: Sequence[tuple[Unscheduled, datetime]]) -> None:
        """Store due instants, unless the chat's schedule or zone changed since it was read."""
        async with self.db.transaction() as tx:
            rows = [
                (_unix(due), c.id, c.timezone, c.digest_time, c.digest_days) for c, due in chats
            ]
            await tx.executemany(_SCHEDULE, rows)

    async def next_due_at(self) -> datetime | None:
        """The earliest due instant of any chat, to sleep until it."""
        value = await self.db.fetchval(
            "SELECT MIN(next_digest_at) FROM chats WHERE active = 1 AND paused = 0 "
            "AND next_digest_at IS NOT NULL"
        )
        return maybe_seconds(value)

    async def count_due(self, now: datetime) -> int:
        return int(await self.db.fetchval(f"SELECT COUNT(*) FROM chats WHERE {_DUE}", _unix(now)))

    # -- claiming: in the planner's transaction ----------------------------------------

    async def claim_due(self, now: datetime, limit: int) -> list[Chat]:
        """Up to ``limit`` due chats with their subscriptions, claimed until the transaction
        ends; chats another planner holds are passed over."""
        # Once the other planner commits, its chats are no longer due (PostgreSQL checks the
        # condition again on the new row version).
        rows = await self.db.fetch(
            f"SELECT {CHAT_COLUMNS} FROM chats WHERE {_DUE} "
            f"ORDER BY next_digest_at, id LIMIT $2{self.db.dialect.skip_locked}",
            _unix(now),
            limit,
        )
        return await self._with_subscriptions(rows)

    async def claim_chat(self, chat_id: int) -> Chat | None:
        """One chat (``/digest``), claimed until the transaction ends; ``None`` if unknown.

        Waits while a planner claims this chat, then reads the cursor it moved: the user gets
        what is new since that digest.
        """
        sql = f"SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1{self.db.dialect.for_update}"
        chats = await self._with_subscriptions(await self.db.fetch(sql, chat_id))
        return chats[0] if chats else None

    async def chat(self, chat_id: int) -> Chat | None:
        """The chat with its subscriptions, read without claiming (for a preview)."""
        rows = await self.db.fetch(f"SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1", chat_id)
        chats = await self._with_subscriptions(rows)
        return chats[0] if chats else None

    async def advance(
        self, planned: Sequence[PlannedDigest], run_id: int | None, result: ClaimResult
    ) -> None:
        """Move claimed chats' cursor and schedule on, and count them in their run."""
        moves = [
            (d.cursor, d.next_digest_at and _unix(d.next_digest_at), d.chat_id) for d in planned
        ]
        await self.db.executemany(_ADVANCE, moves)
        if run_id is not None:
            counts = (result.chats, result.digests, result.messages, run_id)
            await self.db.execute(_COUNT, *counts)

    async def _with_subscriptions(self, rows: Sequence[Row]) -> list[Chat]:
        if not rows:
            return []
        found = await subscriptions(self.db, [row["id"] for row in rows])
        chats = []
        for row in rows:
            subscribed = found.get(row["id"], [])
            chat = chat_from_row(row, [tag for tag, _, _ in subscribed])
            chat.subscribed_at = {tag.key: from_seconds(at) for tag, at, _ in subscribed}
            chat.threads = {tag.key: thread for tag, _, thread in subscribed if thread is not None}
            chats.append(chat)
        return chats

    # -- runs --------------------------------------------------------------------------

    async def start_run(self, due_at: datetime) -> int:
        """A new run; runs that a dead process left half-planned are closed first.

        A planner is dead when its process is gone from this host, or after
        :data:`ABANDONED_AFTER_SECONDS` without finishing.
        """
        now = _now()
        host, pid = this_process()
        async with self.db.transaction() as tx:
            d = tx.dialect
            open_runs = await tx.fetch(
                "SELECT id, planner, started_at FROM digest_runs WHERE planned_at IS NULL"
            )
            abandoned = [
                run_id
                for run_id, planner, started in open_runs
                if started < now - ABANDONED_AFTER_SECONDS or _gone(planner)
            ]
            if abandoned:
                # Two planners starting together may both see a run abandoned: one closes it.
                closed = await tx.fetch(
                    f"UPDATE digest_runs SET planned_at = $1 WHERE id {d.any(2)} "
                    "AND planned_at IS NULL RETURNING id",
                    now,
                    d.array(abandoned),
                )
                await finish_runs(tx, [row[0] for row in closed])
            run_id = await tx.fetchval(_START, _unix(due_at), now, f"{host}:{pid}")
        return int(run_id)

    async def finish_planning(self, run_id: int) -> DigestRun | None:
        """Mark the run fully planned; returns it if that also finished it (nothing to send)."""
        async with self.db.transaction() as tx:
            sql = "UPDATE digest_runs SET planned_at = $1 WHERE id = $2"
            await tx.execute(sql, _now(), run_id)
            finished = await finish_runs(tx, [run_id])
        return finished[0] if finished else None

    async def run(self, run_id: int) -> DigestRun | None:
        sql = f"SELECT {RUN_COLUMNS} FROM digest_runs WHERE id = $1"
        row = await self.db.fetchrow(sql, run_id)
        return run_from_row(row) if row is not None else None
