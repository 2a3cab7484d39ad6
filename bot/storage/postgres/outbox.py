"""PostgreSQL outbox: the same behaviour as :mod:`bot.storage.outbox`.

Rows live as in SQLite. The delivery lease differs: it is a session advisory lock
(:class:`~bot.storage.postgres.locks.AdvisoryLock`) held by this repository, plus the
``delivery_lease`` row saying who holds it and until when. The server frees the lock when
the holder's connection ends, so when a delivering process dies, on any host, another
instance takes over at its next try rather than after the lease's time to live.
"""

from __future__ import annotations

import contextlib
import time as _time
from collections import Counter
from collections.abc import Callable

import asyncpg

from bot.storage.interface import InstanceLock
from bot.storage.postgres.db import PgDatabase
from bot.storage.postgres.locks import AdvisoryLock
from bot.storage.postgres.runs import OPEN, finish_runs, lock_runs, rowcount
from bot.storage.records import DigestRun, Lease, OutboxRow, Outcomes

# The instance lock behind the delivery lease.
LEASE_LOCK = "digest-delivery-lease"


class PgOutboxRepo:
    """Rows of the outbox and the delivery lease."""

    def __init__(self, db: PgDatabase, lease_lock: InstanceLock | None = None) -> None:
        self.db = db
        self._listeners: list[Callable[[], None]] = []
        self._lease_lock = lease_lock or AdvisoryLock(db, LEASE_LOCK)
        self._holder: str | None = None  # the owner holding the lease through this repo

    def listen(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever this process adds rows, so delivery needn't poll."""
        self._listeners.append(callback)

    def notify(self) -> None:
        for callback in self._listeners:
            callback()

    async def load_pending(self, after_id: int, limit: int) -> list[OutboxRow]:
        """Pending rows with ids above ``after_id``, oldest first."""
        rows = await self.db.fetch(
            "SELECT o.id, o.run_id, o.chat_id, COALESCE(c.type, 'private'), o.text, "
            "o.reply_markup, o.attempts, o.failures, o.not_before FROM outbox o "
            f"LEFT JOIN chats c ON c.id = o.chat_id WHERE o.{OPEN} AND o.status = 'pending' "
            "AND o.id > $1 ORDER BY o.id LIMIT $2",
            after_id,
            limit,
        )
        return [OutboxRow(*row) for row in rows]

    async def open_count(self) -> int:
        """Rows not yet sent, failed or dropped."""
        return int(await self.db.fetchval(f"SELECT COUNT(*) FROM outbox WHERE {OPEN}"))

    async def record(self, outcomes: Outcomes) -> list[DigestRun]:
        """Write a batch of outcomes; returns the runs this finished."""
        async with self.db.write() as conn:
            if outcomes.marks:
                await conn.executemany(
                    "UPDATE outbox SET status = $1, "
                    "attempts = attempts + CASE WHEN $1 = 'sending' THEN 1 ELSE 0 END, "
                    "message_id = COALESCE($2, message_id), "
                    "sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END WHERE id = $4",
                    outcomes.mark_params(int(_time.time())),
                )
            if outcomes.release:
                await conn.executemany(
                    "UPDATE outbox SET status = 'pending', attempts = attempts - 1 WHERE id = $1",
                    [(row_id,) for row_id in outcomes.release],
                )
            if outcomes.retry:
                await conn.executemany(
                    "UPDATE outbox SET status = 'pending', not_before = $1, last_error = $2, "
                    "failures = failures + $3 WHERE id = $4",
                    outcomes.retry_params(),
                )
            if outcomes.failed:
                await conn.executemany(
                    "UPDATE outbox SET status = 'failed', last_error = $1, "
                    "failures = failures + 1 WHERE id = $2",
                    outcomes.failed_params(),
                )
            counts = outcomes.run_counts()
            if counts:
                await lock_runs(conn, [run for *_, run in counts])
                await conn.executemany(
                    "UPDATE digest_runs SET sent = sent + $1, retried = retried + $2, "
                    "failed = failed + $3 WHERE id = $4",
                    counts,
                )
            if outcomes.finish:
                return await finish_runs(conn, outcomes.finish)
        return []

    async def drop_chat(
        self, chat_id: int, run_id: int | None, reason: str
    ) -> tuple[int, list[DigestRun]]:
        """The chat blocked the bot: deactivate it and drop its open rows, with the reason."""
        async with self.db.write() as conn:
            deactivated = rowcount(
                await conn.execute(
                    "UPDATE chats SET active = 0, updated_at = $1 WHERE id = $2 AND active = 1",
                    int(_time.time()),
                    chat_id,
                )
            )
            rows = await conn.fetch(
                "UPDATE outbox SET status = 'dropped', last_error = $1 "
                f"WHERE chat_id = $2 AND {OPEN} RETURNING run_id",
                reason,
                chat_id,
            )
            dropped = Counter(row[0] for row in rows if row[0] is not None)
            counted = set(dropped) | ({run_id} if deactivated and run_id is not None else set())
            await lock_runs(conn, counted)
            await conn.executemany(
                "UPDATE digest_runs SET dropped = dropped + $1 WHERE id = $2",
                [(count, run) for run, count in sorted(dropped.items())],
            )
            if deactivated and run_id is not None:
                await conn.execute(
                    "UPDATE digest_runs SET deactivated = deactivated + 1 WHERE id = $1", run_id
                )
            finished = await finish_runs(conn, dropped)
        return sum(dropped.values()), finished

    async def move_chat(self, old_id: int, new_id: int) -> int:
        """A group became a supergroup: its open rows follow it to the new id."""
        status = await self.db.execute(
            f"UPDATE outbox SET chat_id = $1 WHERE chat_id = $2 AND {OPEN}", new_id, old_id
        )
        return rowcount(status)

    async def purge(self, older_than_seconds: int) -> int:
        """Forget sent, failed and dropped rows older than the given age."""
        status = await self.db.execute(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed', 'dropped') AND created_at < $1",
            int(_time.time()) - older_than_seconds,
        )
        return rowcount(status)

    # -- the lease ---------------------------------------------------------------------

    async def acquire_lease(
        self,
        owner: str,
        host: str,
        pid: int,
        ttl: float,
        holder_dead: Callable[[str, int], bool],
    ) -> Lease:
        """Take or renew the right to deliver; a takeover sends the crash window again.

        Holding the advisory lock is holding the lease: ``ttl`` only dates the row for
        :meth:`lease_holder`, and ``holder_dead`` is not needed, since the server frees
        the lock of a holder that died wherever it ran.
        """
        del holder_dead
        expires_at = _time.time() + ttl
        if self._holder is not None and not await self._lease_lock.held():
            self._holder = None  # our session ended: the lock may have moved on meanwhile
        if self._holder == owner:
            await self.db.execute(
                "UPDATE delivery_lease SET expires_at = $1 WHERE id = 1 AND owner = $2",
                expires_at,
                owner,
            )
            return Lease(held=True, holder=owner)
        if self._holder is not None:  # another worker of this process delivers
            return Lease(held=False, holder=self._holder)
        if not await self._lease_lock.acquire():
            holder = await self.db.fetchval("SELECT owner FROM delivery_lease WHERE id = 1")
            return Lease(held=False, holder=holder)
        try:
            async with self.db.write() as conn:
                previous = await conn.fetchval(
                    "SELECT owner FROM delivery_lease WHERE id = 1 FOR UPDATE"
                )
                await conn.execute(
                    "INSERT INTO delivery_lease (id, owner, host, pid, expires_at) "
                    "VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET "
                    "owner = excluded.owner, host = excluded.host, pid = excluded.pid, "
                    "expires_at = excluded.expires_at",
                    owner,
                    host,
                    pid,
                    expires_at,
                )
                # Our own row: the lock was lost and taken back with nobody between.
                recovered = 0 if previous == owner else await self._recover(conn)
        except BaseException:
            await self._lease_lock.release()
            raise
        self._holder = owner
        return Lease(held=True, holder=owner, recovered=recovered)

    @staticmethod
    async def _recover(conn: asyncpg.Connection) -> int:
        rows = await conn.fetch(
            f"UPDATE outbox SET status = 'pending' WHERE {OPEN} AND status = 'sending' "
            "RETURNING run_id"
        )
        runs = Counter(row[0] for row in rows)
        counted = sorted(run for run in runs if run is not None)
        await lock_runs(conn, counted)
        await conn.executemany(
            "UPDATE digest_runs SET retried = retried + $1 WHERE id = $2",
            [(runs[run], run) for run in counted],
        )
        return sum(runs.values())

    async def release_lease(self, owner: str) -> None:
        try:
            await self.db.execute("DELETE FROM delivery_lease WHERE owner = $1", owner)
        finally:
            if self._holder == owner:
                self._holder = None
                with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    await self._lease_lock.release()

    async def lease_holder(self) -> tuple[str, float] | None:
        """The current holder and when its lease expires (Unix seconds), if any."""
        row = await self.db.fetchrow("SELECT owner, expires_at FROM delivery_lease WHERE id = 1")
        return (str(row[0]), float(row[1])) if row is not None else None
