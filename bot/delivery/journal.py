"""Group commit of send outcomes: many senders, one transaction every few milliseconds.

A sender awaits its record before it goes on (``sending`` before the request, ``sent`` after
the answer), so each sender has at most one message whose fate the database does not know;
batching the writes keeps that promise cheap at a thousand messages a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.errors import StorageError
from bot.storage import OutboxRepo
from bot.storage.records import DigestRun, OutboxRow, Outcomes

logger = logging.getLogger(__name__)

# How long the first outcome waits for others to share its transaction (seconds).
GATHER_DELAY = 0.003


class Journal:
    """Collects outcomes from concurrent senders and writes them in one transaction."""

    def __init__(
        self,
        outbox: OutboxRepo,
        on_finished: Callable[[list[DigestRun]], None],
        *,
        delay: float = GATHER_DELAY,
    ) -> None:
        self.outbox = outbox
        self.on_finished = on_finished
        self.delay = delay
        self._outcomes = Outcomes()
        self._waiters: list[asyncio.Future[None]] = []
        self._pending = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    async def sending(self, row: OutboxRow) -> None:
        """Record that the request for ``row`` is about to be made."""
        self._outcomes.marks.append(("sending", row.id, row.run_id, None))
        await self._commit()

    async def release(self, row: OutboxRow) -> None:
        """Not sent after all (stopping): back to pending as if never taken."""
        self._outcomes.release.append(row.id)
        await self._commit()

    async def sent(self, row: OutboxRow, message_id: int | None) -> None:
        self._outcomes.marks.append(("sent", row.id, row.run_id, message_id))
        await self._commit()

    async def retry(self, row: OutboxRow, not_before: int, error: str, *, counts: bool) -> None:
        """Back to pending; ``counts`` says whether it uses up one of the row's retries."""
        self._outcomes.retry.append((row.id, row.run_id, not_before, error[:500], counts))
        await self._commit()

    async def redirect(self, row: OutboxRow, text: str, options: str | None, error: str) -> None:
        """Back to pending, to be sent with another text and options."""
        self._outcomes.redirect.append((row.id, text, options, error[:500]))
        await self._commit()

    async def failed(self, row: OutboxRow, error: str) -> None:
        self._outcomes.failed.append((row.id, row.run_id, error[:500]))
        await self._commit()

    def check_finished(self, run_id: int) -> None:
        """The run's last row in memory is done: see whether the whole run is (no wait)."""
        self._outcomes.finish.add(run_id)
        self._idle.clear()
        self._pending.set()

    async def _commit(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._idle.clear()
        self._pending.set()
        await waiter

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def run(self) -> None:
        """Write batches until cancelled; a database error fails the waiting senders."""
        while True:
            await self._pending.wait()
            if self.delay:
                await asyncio.sleep(self.delay)
            await self.flush()

    async def flush(self) -> None:
        self._pending.clear()
        outcomes, waiters = self._outcomes, self._waiters
        self._outcomes, self._waiters = Outcomes(), []
        if waiters or outcomes.finish:
            recorded = False
            try:
                finished = await self.outbox.record(outcomes)
                recorded = True
            except StorageError as exc:
                for waiter in waiters:
                    waiter.set_exception(exc)
                raise
            finally:
                if not recorded:  # cancelled, or failed otherwise: nobody waits forever
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.cancel()
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
            if finished:
                self.on_finished(finished)
        if not self._waiters and not self._outcomes.finish:
            self._idle.set()
