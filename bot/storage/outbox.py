"""The durable outbox: rows to send, their outcomes, and which process may send them.

A row's life::

    pending ──► sending ──► sent
       ▲           │  ├───► failed   (an error repeated past the retry limit, or a bad request)
       └───────────┘  └───► dropped  (the chat blocked the bot: the chat is deactivated)
        retry: 429, a network or server error, a crash;
        redirect: its forum topic is closed or gone, so it goes to the general topic

``sending`` is written (and committed) just before the request and ``sent`` just after the
answer, so after a crash the rows still ``sending`` are exactly those that Telegram may have
accepted without our knowing: they are sent again and counted as retried.

One process delivers at a time, because the rate limits are per bot and can only be paced
in one place: the one holding the delivery lease, an instance lock (a ``flock`` beside a
SQLite file, a session advisory lock on PostgreSQL) that dies with its holder, wherever it
ran. The ``delivery_lease`` row says who holds it and until when.

Ids rise in the order rows become visible, which delivery relies on (it reads ids above the
last it saw): transactions that add rows take turns (:data:`INSERT_LOCK`), so each one's ids
are consecutive and it commits before the next draws any.
"""

from __future__ import annotations

import contextlib
import time as _time
from collections import Counter
from collections.abc import Callable, Sequence

from bot.errors import StorageError
from bot.storage.records import ClaimResult, DigestRun, Lease, OutboxRow, Outcomes, PlannedDigest
from bot.storage.runs import OPEN, finish_runs, lock_runs
from bot.storage.sql import Database, InstanceLock

LEASE_LOCK = "digest-delivery-lease"  # the instance lock behind the delivery lease
INSERT_LOCK = "outbox-insert"
_COLUMNS = ("run_id", "chat_id", "seq", "text", "reply_markup", "options", "created_at")
_TAKE = (
    "INSERT INTO delivery_lease (id, owner, host, pid, expires_at) VALUES (1, $1, $2, $3, $4) "
    "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, host = excluded.host, "
    "pid = excluded.pid, expires_at = excluded.expires_at"
)
_RENEW = "UPDATE delivery_lease SET expires_at = $1 WHERE id = 1 AND owner = $2"
_MARK = (
    "UPDATE outbox SET status = $1, "
    "attempts = attempts + CASE WHEN $1 = 'sending' THEN 1 ELSE 0 END, "
    "message_id = COALESCE($2, message_id), "
    "sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END WHERE id = $4"
)
_RETRY = (
    "UPDATE outbox SET status = 'pending', not_before = $1, last_error = $2, "
    "failures = failures + $3 WHERE id = $4"
)
_REDIRECT = (
    "UPDATE outbox SET status = 'pending', text = $1, options = $2, last_error = $3 WHERE id = $4"
)
_FAIL = (
    "UPDATE outbox SET status = 'failed', last_error = $1, failures = failures + 1 WHERE id = $2"
)
_COUNT = (
    "UPDATE digest_runs SET sent = sent + $1, retried = retried + $2, failed = failed + $3 "
    "WHERE id = $4"
)
_PENDING = (
    "SELECT o.id, o.run_id, o.chat_id, COALESCE(c.type, 'private'), o.text, o.reply_markup, "
    "o.attempts, o.failures, o.not_before, o.options, c.language "
    "FROM outbox o LEFT JOIN chats c ON c.id = o.chat_id "
    f"WHERE o.{OPEN} AND o.status = 'pending' AND o.id > $1 ORDER BY o.id LIMIT $2"
)


class DeliveryLease:
    """The right to deliver, shared by a storage's repositories."""

    def __init__(self, db: Database, lock: InstanceLock) -> None:
        self.db = db
        self.lock = lock
        self.holder: str | None = None  # the owner holding the lease through this storage

    async def acquire(self, owner: str, host: str, pid: int, ttl: float) -> Lease:
        expires_at = _time.time() + ttl
        if self.holder is not None and not await self.lock.held():
            self.holder = None  # our session ended: the lock may have moved on meanwhile
        if self.holder == owner:
            await self.db.execute(_RENEW, expires_at, owner)
            return Lease(held=True, holder=owner)
        if self.holder is not None:  # another worker of this process delivers
            return Lease(held=False, holder=self.holder)
        if not await self.lock.acquire():
            holder = await self.db.fetchval("SELECT owner FROM delivery_lease WHERE id = 1")
            return Lease(held=False, holder=holder)
        try:
            async with self.db.transaction() as tx:
                previous = await tx.fetchval(
                    f"SELECT owner FROM delivery_lease WHERE id = 1{tx.dialect.for_update}"
                )
                await tx.execute(_TAKE, owner, host, pid, expires_at)
                # Our own row: the lock was lost and taken back with nobody between.
                recovered = 0 if previous == owner else await _recover(tx)
        except BaseException:
            await self.lock.release()
            raise
        self.holder = owner
        return Lease(held=True, holder=owner, recovered=recovered)

    async def release(self, owner: str) -> None:
        try:
            await self.db.execute("DELETE FROM delivery_lease WHERE owner = $1", owner)
        finally:
            if self.holder == owner:
                self.holder = None
                with contextlib.suppress(StorageError):
                    await self.lock.release()


async def _recover(db: Database) -> int:
    """Rows a previous holder left ``sending`` go back to ``pending``, counted as retried."""
    rows = await db.fetch(
        f"UPDATE outbox SET status = 'pending' WHERE {OPEN} AND status = 'sending' "
        "RETURNING run_id"
    )
    runs = Counter(row[0] for row in rows)
    counted = sorted(run for run in runs if run is not None)
    await lock_runs(db, counted)
    await db.executemany(
        "UPDATE digest_runs SET retried = retried + $1 WHERE id = $2",
        [(runs[run], run) for run in counted],
    )
    return sum(runs.values())


class OutboxRepo:
    """Rows of the outbox and the delivery lease."""

    def __init__(
        self, db: Database, lease: DeliveryLease, listeners: list[Callable[[], None]]
    ) -> None:
        self.db = db
        self.lease = lease
        self.listeners = listeners

    def listen(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever this process adds rows, so delivery needn't poll."""
        self.listeners.append(callback)

    def notify(self) -> None:
        for callback in self.listeners:
            callback()

    async def enqueue(self, planned: Sequence[PlannedDigest], run_id: int | None) -> ClaimResult:
        """Add digests' messages, in the claiming transaction; call :meth:`notify` after it."""
        result = ClaimResult()
        rows = []
        now = int(_time.time())
        for digest in planned:
            result.chat_ids.append(digest.chat_id)
            if digest.messages:
                result.digests += 1
            for seq, message in enumerate(digest.messages):
                markup, options = message.reply_markup, message.options
                rows.append((run_id, digest.chat_id, seq, message.text, markup, options, now))
        result.messages = len(rows)
        if rows:
            await self.db.serialize(INSERT_LOCK)
            await self.db.insert_many("outbox", _COLUMNS, rows)
        return result

    async def load_pending(self, after_id: int, limit: int) -> list[OutboxRow]:
        """Pending rows with ids above ``after_id``, oldest first."""
        return [OutboxRow(*row) for row in await self.db.fetch(_PENDING, after_id, limit)]

    async def open_count(self) -> int:
        """Rows not yet sent, failed or dropped."""
        return int(await self.db.fetchval(f"SELECT COUNT(*) FROM outbox WHERE {OPEN}"))

    async def record(self, outcomes: Outcomes) -> list[DigestRun]:
        """Write a batch of outcomes; returns the runs this finished."""
        async with self.db.transaction() as tx:
            await tx.executemany(_MARK, outcomes.mark_params(int(_time.time())))
            await tx.executemany(
                "UPDATE outbox SET status = 'pending', attempts = attempts - 1 WHERE id = $1",
                [(row_id,) for row_id in outcomes.release],
            )
            await tx.executemany(_RETRY, outcomes.retry_params())
            await tx.executemany(_REDIRECT, outcomes.redirect_params())
            await tx.executemany(_FAIL, outcomes.failed_params())
            counts = outcomes.run_counts()
            await lock_runs(tx, [run for *_, run in counts])
            await tx.executemany(_COUNT, counts)
            return await finish_runs(tx, outcomes.finish)

    async def drop_chat(
        self, chat_id: int, run_id: int | None, reason: str
    ) -> tuple[int, list[DigestRun]]:
        """The chat blocked the bot: deactivate it and drop its open rows, with the reason."""
        async with self.db.transaction() as tx:
            deactivated = await tx.execute(
                "UPDATE chats SET active = 0, updated_at = $1 WHERE id = $2 AND active = 1",
                int(_time.time()),
                chat_id,
            )
            rows = await tx.fetch(
                "UPDATE outbox SET status = 'dropped', last_error = $1 "
                f"WHERE chat_id = $2 AND {OPEN} RETURNING run_id",
                reason,
                chat_id,
            )
            dropped = Counter(row[0] for row in rows if row[0] is not None)
            counted = set(dropped) | ({run_id} if deactivated and run_id is not None else set())
            await lock_runs(tx, counted)
            await tx.executemany(
                "UPDATE digest_runs SET dropped = dropped + $1 WHERE id = $2",
                [(count, run) for run, count in sorted(dropped.items())],
            )
            if deactivated and run_id is not None:
                await tx.execute(
                    "UPDATE digest_runs SET deactivated = deactivated + 1 WHERE id = $1", run_id
                )
            finished = await finish_runs(tx, dropped)
        return sum(dropped.values()), finished

    async def move_chat(self, old_id: int, new_id: int) -> int:
        """A group became a supergroup: its open rows follow it to the new id."""
        sql = f"UPDATE outbox SET chat_id = $1 WHERE chat_id = $2 AND {OPEN}"
        return await self.db.execute(sql, new_id, old_id)

    async def purge(self, older_than_seconds: int) -> int:
        """Forget sent, failed and dropped rows older than the given age."""
        return await self.db.execute(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed', 'dropped') AND created_at < $1",
            int(_time.time()) - older_than_seconds,
        )

    # -- the lease ---------------------------------------------------------------------

    async def acquire_lease(self, owner: str, host: str, pid: int, ttl: float) -> Lease:
        """Take or renew the right to deliver; a takeover sends the crash window again.

        Holding the instance lock is holding the lease, freed when its holder dies wherever
        it ran: ``ttl`` only dates the row for :meth:`lease_holder`.
        """
        return await self.lease.acquire(owner, host, pid, ttl)

    async def release_lease(self, owner: str) -> None:
        await self.lease.release(owner)

    async def lease_holder(self) -> tuple[str, float] | None:
        """The current holder and when its lease expires (Unix seconds), if any."""
        row = await self.db.fetchrow("SELECT owner, expires_at FROM delivery_lease WHERE id = 1")
        return (str(row[0]), float(row[1])) if row is not None else None
