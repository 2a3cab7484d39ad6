"""PostgreSQL digests: the same behaviour as :mod:`bot.storage.digests`.

Several processes may plan at once. Claiming locks the due chats' rows
(``FOR UPDATE SKIP LOCKED``) for the transaction that builds their digests and moves their
schedule on, so a second planner passes over them to the chats nobody holds, and never
sends a chat its digest twice. The digests are built meanwhile from articles read through
the pool, on other connections.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from bot.models import Chat, Tag
from bot.storage.chats import chat_from_row
from bot.storage.digests import ABANDONED_AFTER_SECONDS, Builder
from bot.storage.postgres.db import PgDatabase
from bot.storage.postgres.runs import as_row, finish_runs, run_from_record
from bot.storage.records import ClaimResult, DigestRun, PlannedDigest, Unscheduled
from bot.storage.runs import RUN_COLUMNS, process_gone, this_process

# Taken by every transaction that adds outbox rows (see :meth:`PgDigestRepo._store`).
OUTBOX_INSERT_LOCK = "outbox-insert"

_CHAT_COLUMNS = (
    "id, type, title, language, timezone, digest_time, paused, active, next_digest_at, "
    "digest_cursor"
)
_DUE = "active = 1 AND paused = 0 AND next_digest_at <= $1"


def _now() -> int:
    return int(_time.time())


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _gone(planner: str | None) -> bool:
    host, _, pid = (planner or "").rpartition(":")
    return pid.isdigit() and process_gone(host, int(pid))


class PgDigestRepo:
    """Due chats, claims and runs; planners in several processes share the chats."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    # -- the schedule ------------------------------------------------------------------

    async def unscheduled(self, limit: int = 5000) -> list[Unscheduled]:
        """Active, unpaused chats whose due instant was cleared by a settings change."""
        rows = await self.db.fetch(
            "SELECT id, timezone, digest_time, updated_at FROM chats "
            "WHERE next_digest_at IS NULL AND active = 1 AND paused = 0 LIMIT $1",
            limit,
        )
        return [
            Unscheduled(row[0], row[1], row[2], datetime.fromtimestamp(row[3], UTC))
            for row in rows
        ]

    async def schedule(self, chats: Sequence[tuple[Unscheduled, datetime]]) -> None:
        """Store due instants, unless the chat's time or zone changed since it was read."""
        async with self.db.write() as conn:
            await conn.executemany(
                "UPDATE chats SET next_digest_at = $1 WHERE id = $2 AND next_digest_at IS NULL "
                "AND timezone IS NOT DISTINCT FROM $3 AND digest_time IS NOT DISTINCT FROM $4",
                [(_unix(due), c.id, c.timezone, c.digest_time) for c, due in chats],
            )

    async def next_due_at(self) -> datetime | None:
        """The earliest due instant of any chat, to sleep until it."""
        value = await self.db.fetchval(
            "SELECT MIN(next_digest_at) FROM chats WHERE active = 1 AND paused = 0 "
            "AND next_digest_at IS NOT NULL"
        )
        return datetime.fromtimestamp(value, UTC) if value is not None else None

    async def count_due(self, now: datetime) -> int:
        return int(await self.db.fetchval(f"SELECT COUNT(*) FROM chats WHERE {_DUE}", _unix(now)))

    # -- claiming ----------------------------------------------------------------------

    async def claim_due(
        self, now: datetime, limit: int, run_id: int, build: Builder
    ) -> ClaimResult:
        """Claim up to ``limit`` due chats: build their digests and enqueue them, atomically."""
        async with self.db.write() as conn:
            # Rows another planner holds are skipped, not waited for; once it commits they
            # are no longer due (PostgreSQL checks the condition again on the new version).
            rows = await conn.fetch(
                f"SELECT {_CHAT_COLUMNS} FROM chats WHERE {_DUE} "
                "ORDER BY next_digest_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
                _unix(now),
                limit,
            )
            if not rows:
                return ClaimResult()
            subscriptions = await self._subscriptions(conn, [row["id"] for row in rows])
            chats = [chat_from_row(as_row(row), subscriptions.get(row["id"], [])) for row in rows]
            planned = await build(chats)
            result = await self._store(conn, planned, run_id)
            result.chats = len(chats)
            await conn.execute(
                "UPDATE digest_runs SET chats_due = chats_due + $1, digests = digests + $2, "
                "messages = messages + $3 WHERE id = $4",
                result.chats,
                result.digests,
                result.messages,
                run_id,
            )
        return result

    async def claim_chat(self, chat_id: int, build: Builder) -> PlannedDigest | None:
        """Build and enqueue one chat's digest now (``/digest``); ``None`` if no such chat."""
        async with self.db.write() as conn:
            # Waits (no SKIP LOCKED) while a planner claims this chat, then reads the cursor
            # it moved: the user gets what is new since that digest, as with SQLite.
            row = await conn.fetchrow(
                f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = $1 FOR UPDATE", chat_id
            )
            if row is None:
                return None
            subscriptions = await self._subscriptions(conn, [chat_id])
            planned = await build([chat_from_row(as_row(row), subscriptions.get(chat_id, []))])
            await self._store(conn, planned, None)
        return planned[0] if planned else None

    async def chat(self, chat_id: int) -> Chat | None:
        """The chat with its subscriptions, read without claiming (for a preview)."""
        async with self.db.pool.acquire() as conn:
            row = await conn.fetchrow(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = $1", chat_id)
            if row is None:
                return None
            subscriptions = await self._subscriptions(conn, [chat_id])
        return chat_from_row(as_row(row), subscriptions.get(chat_id, []))

    @staticmethod
    async def _subscriptions(
        conn: asyncpg.Connection, chat_ids: list[int]
    ) -> dict[int, list[Tag]]:
        found: dict[int, list[Tag]] = {}
        # COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        rows = await conn.fetch(
            "SELECT chat_id, tag_key, display FROM subscriptions "
            'WHERE chat_id = ANY($1::bigint[]) ORDER BY chat_id, created_at, display COLLATE "C"',
            chat_ids,
        )
        for chat_id, key, display in rows:
            found.setdefault(chat_id, []).append(Tag(key=key, display=display))
        return found

    async def _store(
        self, conn: asyncpg.Connection, planned: list[PlannedDigest], run_id: int | None
    ) -> ClaimResult:
        result = ClaimResult()
        chat_ids: list[int] = []
        seqs: list[int] = []
        texts: list[str] = []
        markups: list[str | None] = []
        for digest in planned:
            result.chat_ids.append(digest.chat_id)
            if digest.messages:
                result.digests += 1
            for seq, message in enumerate(digest.messages):
                chat_ids.append(digest.chat_id)
                seqs.append(seq)
                texts.append(message.text)
                markups.append(message.reply_markup)
        result.messages = len(texts)
        if texts:
            # Delivery reads rows with ids above the last it saw. Ids are drawn from the
            # sequence at insert time but become visible at commit, so two transactions
            # inserting at once could commit out of id order, and a reader between the two
            # commits would pass over the lower ids for good. This lock (held until commit,
            # released after the rows are visible) lets one inserting transaction at a
            # time draw ids: they commit in id order, each transaction's ids consecutive.
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1)", self.db.lock_key(OUTBOX_INSERT_LOCK)
            )
            await conn.execute(
                "INSERT INTO outbox (run_id, chat_id, seq, text, reply_markup, created_at) "
                "SELECT $1, chat_id, seq, text, reply_markup, $2 FROM unnest("
                "$3::bigint[], $4::integer[], $5::text[], $6::text[]) WITH ORDINALITY "
                "AS m (chat_id, seq, text, reply_markup, n) ORDER BY n",
                run_id,
                _now(),
                chat_ids,
                seqs,
                texts,
                markups,
            )
        if planned:
            await conn.execute(
                "UPDATE chats c SET digest_cursor = GREATEST(c.digest_cursor, p.cursor), "
                "next_digest_at = COALESCE(p.next_at, c.next_digest_at) FROM unnest("
                "$1::bigint[], $2::bigint[], $3::bigint[]) AS p (id, cursor, next_at) "
                "WHERE c.id = p.id",
                [d.chat_id for d in planned],
                [d.cursor for d in planned],
                [
                    _unix(d.next_digest_at) if d.next_digest_at is not None else None
                    for d in planned
                ],
            )
        return result

    # -- runs --------------------------------------------------------------------------

    async def start_run(self, due_at: datetime) -> int:
        """A new run; runs that a dead process left half-planned are closed first.

        A planner is dead when its process is gone from this host, or after
        :data:`~bot.storage.digests.ABANDONED_AFTER_SECONDS` without finishing.
        """
        now = _now()
        host, pid = this_process()
        async with self.db.write() as conn:
            open_runs = await conn.fetch(
                "SELECT id, planner, started_at FROM digest_runs WHERE planned_at IS NULL"
            )
            abandoned = [
                run_id
                for run_id, planner, started in open_runs
                if started < now - ABANDONED_AFTER_SECONDS or _gone(planner)
            ]
            if abandoned:
                # Two planners starting together may both see a run abandoned: one closes it.
                closed = await conn.fetch(
                    "UPDATE digest_runs SET planned_at = $1 WHERE id = ANY($2::bigint[]) "
                    "AND planned_at IS NULL RETURNING id",
                    now,
                    abandoned,
                )
                await finish_runs(conn, [row["id"] for row in closed])
            run_id = await conn.fetchval(
                "INSERT INTO digest_runs (due_at, started_at, planner) VALUES ($1, $2, $3) "
                "RETURNING id",
                _unix(due_at),
                now,
                f"{host}:{pid}",
            )
        return int(run_id)

    async def finish_planning(self, run_id: int) -> DigestRun | None:
        """Mark the run fully planned; returns it if that also finished it (nothing to send)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE digest_runs SET planned_at = $1 WHERE id = $2", _now(), run_id
            )
            finished = await finish_runs(conn, [run_id])
        return finished[0] if finished else None

    async def run(self, run_id: int) -> DigestRun | None:
        row = await self.db.fetchrow(
            f"SELECT {RUN_COLUMNS} FROM digest_runs WHERE id = $1", run_id
        )
        return run_from_record(row) if row is not None else None

    async def recent_runs(self, limit: int = 10) -> list[DigestRun]:
        """The newest runs first, for /stats."""
        rows = await self.db.fetch(
            f"SELECT {RUN_COLUMNS} FROM digest_runs ORDER BY id DESC LIMIT $1", limit
        )
        return [run_from_record(row) for row in rows]
