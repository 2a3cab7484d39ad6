"""Digest bookkeeping: which chats are due, claiming them into the outbox, and digest runs.

Claiming is one write transaction per batch of chats: the due chats are read, their digests
built (by a callback, which reads articles on the same connection), and the outbox rows,
the advanced ``digest_cursor`` and the next ``next_digest_at`` are written together. A crash
before the commit leaves the chats due, so they are claimed again; after it, the outbox
holds their messages. No chat is ever claimed twice, by this process or another.
"""

from __future__ import annotations

import time as _time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import aiosqlite

from bot.models import Chat, Tag
from bot.storage.chats import chat_from_row
from bot.storage.db import Database
from bot.storage.records import ClaimResult, DigestRun, PlannedDigest, Unscheduled
from bot.storage.runs import RUN_COLUMNS, finish_runs, process_gone, run_from_row, this_process

# A run still being planned after this long was left by a process that died.
ABANDONED_AFTER_SECONDS = 600


def _now() -> int:
    return int(_time.time())


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _gone(planner: str | None) -> bool:
    host, _, pid = (planner or "").rpartition(":")
    return pid.isdigit() and process_gone(host, int(pid))


def _datetime(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


Builder = Callable[[list[Chat]], Awaitable[list[PlannedDigest]]]

_CHAT_COLUMNS = (
    "id, type, title, language, timezone, digest_time, paused, active, next_digest_at, "
    "digest_cursor"
)


class DigestRepo:
    """Due chats, claims and runs; the digest planner is its only writer."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the schedule ------------------------------------------------------------------

    async def unscheduled(self, limit: int = 5000) -> list[Unscheduled]:
        """Active, unpaused chats whose due instant was cleared by a settings change."""
        async with self.db.conn.execute(
            "SELECT id, timezone, digest_time, updated_at FROM chats "
            "WHERE next_digest_at IS NULL AND active = 1 AND paused = 0 LIMIT ?",
            (limit,),
        ) as cur:
            rows = await cur.fetchall()
        return [
            Unscheduled(row[0], row[1], row[2], datetime.fromtimestamp(row[3], UTC))
            for row in rows
        ]

    async def schedule(self, chats: Sequence[tuple[Unscheduled, datetime]]) -> None:
        """Store due instants, unless the chat's time or zone changed since it was read."""
        async with self.db.write() as conn:
            await conn.executemany(
                "UPDATE chats SET next_digest_at = ? WHERE id = ? AND next_digest_at IS NULL "
                "AND timezone IS ? AND digest_time IS ?",
                [(_unix(due), c.id, c.timezone, c.digest_time) for c, due in chats],
            )

    async def next_due_at(self) -> datetime | None:
        """The earliest due instant of any chat, to sleep until it."""
        async with self.db.conn.execute(
            "SELECT MIN(next_digest_at) FROM chats WHERE active = 1 AND paused = 0 "
            "AND next_digest_at IS NOT NULL"
        ) as cur:
            row = await cur.fetchone()
        return _datetime(row[0]) if row is not None else None

    async def count_due(self, now: datetime) -> int:
        async with self.db.conn.execute(
            "SELECT COUNT(*) FROM chats WHERE active = 1 AND paused = 0 AND next_digest_at <= ?",
            (_unix(now),),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

    # -- claiming ----------------------------------------------------------------------

    async def claim_due(
        self, now: datetime, limit: int, run_id: int, build: Builder
    ) -> ClaimResult:
        """Claim up to ``limit`` due chats: build their digests and enqueue them, atomically."""
        async with self.db.write() as conn:
            async with conn.execute(
                f"SELECT {_CHAT_COLUMNS} FROM chats WHERE active = 1 AND paused = 0 "
                "AND next_digest_at <= ? ORDER BY next_digest_at, id LIMIT ?",
                (_unix(now), limit),
            ) as cur:
                rows = list(await cur.fetchall())
            if not rows:
                return ClaimResult()
            subscriptions = await self._subscriptions(conn, [row["id"] for row in rows])
            chats = [chat_from_row(row, subscriptions.get(row["id"], [])) for row in rows]
            planned = await build(chats)
            result = await self._store(conn, planned, run_id)
            result.chats = len(chats)
            await conn.execute(
                "UPDATE digest_runs SET chats_due = chats_due + ?, digests = digests + ?, "
                "messages = messages + ? WHERE id = ?",
                (result.chats, result.digests, result.messages, run_id),
            )
        return result

    async def claim_chat(self, chat_id: int, build: Builder) -> PlannedDigest | None:
        """Build and enqueue one chat's digest now (``/digest``); ``None`` if no such chat."""
        async with self.db.write() as conn:
            async with conn.execute(
                f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = ?", (chat_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            subscriptions = await self._subscriptions(conn, [chat_id])
            planned = await build([chat_from_row(row, subscriptions.get(chat_id, []))])
            await self._store(conn, planned, None)
        return planned[0] if planned else None

    async def chat(self, chat_id: int) -> Chat | None:
        """The chat with its subscriptions, read without claiming (for a preview)."""
        async with self.db.conn.execute(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = ?", (chat_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        subscriptions = await self._subscriptions(self.db.conn, [chat_id])
        return chat_from_row(row, subscriptions.get(chat_id, []))

    @staticmethod
    async def _subscriptions(
        conn: aiosqlite.Connection, chat_ids: list[int]
    ) -> dict[int, list[Tag]]:
        found: dict[int, list[Tag]] = {}
        for start in range(0, len(chat_ids), 500):
            chunk = chat_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            async with conn.execute(
                "SELECT chat_id, tag_key, display FROM subscriptions "
                f"WHERE chat_id IN ({marks}) ORDER BY chat_id, created_at, display",
                chunk,
            ) as cur:
                for chat_id, key, display in await cur.fetchall():
                    found.setdefault(chat_id, []).append(Tag(key=key, display=display))
        return found

    @staticmethod
    async def _store(
        conn: aiosqlite.Connection, planned: list[PlannedDigest], run_id: int | None
    ) -> ClaimResult:
        now = _now()
        result = ClaimResult()
        rows = []
        for digest in planned:
            result.chat_ids.append(digest.chat_id)
            if digest.messages:
                result.digests += 1
            for seq, message in enumerate(digest.messages):
                rows.append((run_id, digest.chat_id, seq, message.text, message.reply_markup, now))
        result.messages = len(rows)
        await conn.executemany(
            "INSERT INTO outbox (run_id, chat_id, seq, text, reply_markup, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        await conn.executemany(
            "UPDATE chats SET digest_cursor = MAX(digest_cursor, ?), "
            "next_digest_at = COALESCE(?, next_digest_at) WHERE id = ?",
            [
                (
                    d.cursor,
                    _unix(d.next_digest_at) if d.next_digest_at is not None else None,
                    d.chat_id,
                )
                for d in planned
            ],
        )
        return result

    # -- runs --------------------------------------------------------------------------

    async def start_run(self, due_at: datetime) -> int:
        """A new run; runs that a dead process left half-planned are closed first.

        A planner is dead when its process is gone from this host, or after
        :data:`ABANDONED_AFTER_SECONDS` without finishing.
        """
        now = _now()
        host, pid = this_process()
        async with self.db.write() as conn:
            async with conn.execute(
                "SELECT id, planner, started_at FROM digest_runs WHERE planned_at IS NULL"
            ) as cur:
                open_runs = list(await cur.fetchall())
            abandoned = [
                run_id
                for run_id, planner, started in open_runs
                if started < now - ABANDONED_AFTER_SECONDS or _gone(planner)
            ]
            await conn.executemany(
                "UPDATE digest_runs SET planned_at = ? WHERE id = ?",
                [(now, run_id) for run_id in abandoned],
            )
            await finish_runs(conn, abandoned)
            async with conn.execute(
                "INSERT INTO digest_runs (due_at, started_at, planner) VALUES (?, ?, ?) "
                "RETURNING id",
                (_unix(due_at), now, f"{host}:{pid}"),
            ) as cur:
                row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def finish_planning(self, run_id: int) -> DigestRun | None:
        """Mark the run fully planned; returns it if that also finished it (nothing to send)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE digest_runs SET planned_at = ? WHERE id = ?", (_now(), run_id)
            )
            finished = await finish_runs(conn, [run_id])
        return finished[0] if finished else None

    async def run(self, run_id: int) -> DigestRun | None:
        async with self.db.conn.execute(
            f"SELECT {RUN_COLUMNS} FROM digest_runs WHERE id = ?", (run_id,)
        ) as cur:
            row = await cur.fetchone()
        return run_from_row(row) if row is not None else None

    async def recent_runs(self, limit: int = 10) -> list[DigestRun]:
        """The newest runs first, for /stats."""
        async with self.db.conn.execute(
            f"SELECT {RUN_COLUMNS} FROM digest_runs ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            return [run_from_row(row) for row in await cur.fetchall()]
