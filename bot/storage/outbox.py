"""The durable outbox: rows to send, their outcomes, and which process may send them.

A row's life::

    pending ──► sending ──► sent
       ▲           │  ├───► failed   (an error repeated past the retry limit, or a bad request)
       └───────────┘  └───► dropped  (the chat blocked the bot: the chat is deactivated)
        retry: 429, a network or server error, a crash

``sending`` is written (and committed) just before the request and ``sent`` just after the
answer, so after a crash the rows still ``sending`` are exactly those that Telegram may have
accepted without our knowing: they are sent again and counted as retried.

One process delivers at a time, holding the lease row (``delivery_lease``), because the
rate limits are per bot and can only be paced in one place. A lease whose holder died (its
pid is gone on this host) or stopped renewing it is taken over.
"""

from __future__ import annotations

import time as _time
from collections import Counter
from collections.abc import Callable

import aiosqlite

from bot.storage.db import Database
from bot.storage.records import DigestRun, Lease, OutboxRow, Outcomes
from bot.storage.runs import finish_runs

OPEN_STATUSES = ("pending", "sending")


class OutboxRepo:
    """Rows of the outbox and the delivery lease."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._listeners: list[Callable[[], None]] = []

    def listen(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever this process adds rows, so delivery needn't poll."""
        self._listeners.append(callback)

    def notify(self) -> None:
        for callback in self._listeners:
            callback()

    async def load_pending(self, after_id: int, limit: int) -> list[OutboxRow]:
        """Pending rows with ids above ``after_id``, oldest first."""
        async with self.db.conn.execute(
            "SELECT o.id, o.run_id, o.chat_id, COALESCE(c.type, 'private'), o.text, "
            "o.reply_markup, o.attempts, o.failures, o.not_before FROM outbox o "
            "LEFT JOIN chats c ON c.id = o.chat_id "
            "WHERE o.status IN ('pending', 'sending') AND o.status = 'pending' AND o.id > ? "
            "ORDER BY o.id LIMIT ?",
            (after_id, limit),
        ) as cur:
            return [OutboxRow(*row) for row in await cur.fetchall()]

    async def open_count(self) -> int:
        """Rows not yet sent, failed or dropped."""
        async with self.db.conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

    async def record(self, outcomes: Outcomes) -> list[DigestRun]:
        """Write a batch of outcomes; returns the runs this finished."""
        async with self.db.write() as conn:
            if outcomes.marks:
                await conn.executemany(
                    "UPDATE outbox SET status = ?1, attempts = attempts + (?1 = 'sending'), "
                    "message_id = coalesce(?2, message_id), "
                    "sent_at = CASE ?1 WHEN 'sent' THEN ?3 ELSE sent_at END WHERE id = ?4",
                    outcomes.mark_params(int(_time.time())),
                )
            if outcomes.release:
                await conn.executemany(
                    "UPDATE outbox SET status = 'pending', attempts = attempts - 1 WHERE id = ?",
                    [(row_id,) for row_id in outcomes.release],
                )
            if outcomes.retry:
                await conn.executemany(
                    "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ?, "
                    "failures = failures + ? WHERE id = ?",
                    outcomes.retry_params(),
                )
            if outcomes.failed:
                await conn.executemany(
                    "UPDATE outbox SET status = 'failed', last_error = ?, "
                    "failures = failures + 1 WHERE id = ?",
                    outcomes.failed_params(),
                )
            await conn.executemany(
                "UPDATE digest_runs SET sent = sent + ?, retried = retried + ?, "
                "failed = failed + ? WHERE id = ?",
                outcomes.run_counts(),
            )
            if outcomes.finish:
                return await finish_runs(conn, sorted(outcomes.finish))
        return []

    async def drop_chat(
        self, chat_id: int, run_id: int | None, reason: str
    ) -> tuple[int, list[DigestRun]]:
        """The chat blocked the bot: deactivate it and drop its open rows, with the reason."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE chats SET active = 0, updated_at = ? WHERE id = ? AND active = 1",
                (int(_time.time()), chat_id),
            )
            deactivated = cur.rowcount > 0
            async with conn.execute(
                "UPDATE outbox SET status = 'dropped', last_error = ? "
                "WHERE chat_id = ? AND status IN ('pending', 'sending') RETURNING run_id",
                (reason, chat_id),
            ) as rows:
                dropped = Counter(row[0] for row in await rows.fetchall() if row[0] is not None)
            await conn.executemany(
                "UPDATE digest_runs SET dropped = dropped + ? WHERE id = ?",
                [(count, run) for run, count in dropped.items()],
            )
            if deactivated and run_id is not None:
                await conn.execute(
                    "UPDATE digest_runs SET deactivated = deactivated + 1 WHERE id = ?",
                    (run_id,),
                )
            finished = await finish_runs(conn, sorted(dropped))
        return sum(dropped.values()), finished

    async def move_chat(self, old_id: int, new_id: int) -> int:
        """A group became a supergroup: its open rows follow it to the new id."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET chat_id = ? WHERE chat_id = ? "
                "AND status IN ('pending', 'sending')",
                (new_id, old_id),
            )
            return cur.rowcount

    async def purge(self, older_than_seconds: int) -> int:
        """Forget sent, failed and dropped rows older than the given age."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "DELETE FROM outbox WHERE status IN ('sent', 'failed', 'dropped') "
                "AND created_at < ?",
                (int(_time.time()) - older_than_seconds,),
            )
            return cur.rowcount

    # -- the lease ---------------------------------------------------------------------

    async def acquire_lease(
        self,
        owner: str,
        host: str,
        pid: int,
        ttl: float,
        holder_dead: Callable[[str, int], bool],
    ) -> Lease:
        """Take or renew the right to deliver; a takeover sends the crash window again."""
        now = _time.time()
        async with self.db.write() as conn:
            async with conn.execute(
                "SELECT owner, host, pid, expires_at FROM delivery_lease WHERE id = 1"
            ) as cur:
                row = await cur.fetchone()
            alive = row is not None and row[3] >= now and not holder_dead(row[1], row[2])
            if row is not None and row[0] != owner and alive:
                return Lease(held=False, holder=row[0])
            await conn.execute(
                "INSERT INTO delivery_lease (id, owner, host, pid, expires_at) "
                "VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, "
                "host = excluded.host, pid = excluded.pid, expires_at = excluded.expires_at",
                (owner, host, pid, now + ttl),
            )
            if row is not None and row[0] == owner:
                return Lease(held=True, holder=owner)
            recovered = await self._recover(conn)
        return Lease(held=True, holder=owner, recovered=recovered)

    @staticmethod
    async def _recover(conn: aiosqlite.Connection) -> int:
        async with conn.execute(
            "UPDATE outbox SET status = 'pending' "
            "WHERE status IN ('pending', 'sending') AND status = 'sending' RETURNING run_id"
        ) as cur:
            runs = Counter(row[0] for row in await cur.fetchall())
        await conn.executemany(
            "UPDATE digest_runs SET retried = retried + ? WHERE id = ?",
            [(count, run) for run, count in runs.items() if run is not None],
        )
        return sum(runs.values())

    async def release_lease(self, owner: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM delivery_lease WHERE owner = ?", (owner,))

    async def lease_holder(self) -> tuple[str, float] | None:
        """The current holder and when its lease expires (Unix seconds), if any."""
        async with self.db.conn.execute(
            "SELECT owner, expires_at FROM delivery_lease WHERE id = 1"
        ) as cur:
            row = await cur.fetchone()
        return (str(row[0]), float(row[1])) if row is not None else None
