"""Background workers, and running the singleton ones on one instance at a time.

Workers (digest planning and delivery, feed polling, inbox watching) are objects with a
``name`` and an ``async run()`` that loops until cancelled; they keep their state in the
database, so a cancellation at any await loses nothing.

Some work must run once per bot however many instances serve it: Telegram's limits are per
bot, so digests are paced in one place, and a feed polled twice is wasted. :class:`LeaderOnly`
runs such workers only while its process holds an instance lock on the database (an advisory
lock on PostgreSQL, a file lock beside a SQLite file). The lock dies with its holder, so
another instance takes over within :data:`RETRY_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.errors import StorageError
from bot.storage import InstanceLock

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # how often a follower tries the lock, and a leader checks it still holds it


class Worker(Protocol):
    name: str

    async def run(self) -> None: ...


class WorkerSet:
    """Starts workers as tasks and stops them; a crashed worker is logged, not silent."""

    def __init__(self, workers: Sequence[Worker]) -> None:
        self.workers = list(workers)
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for worker in self.workers:
            task = asyncio.create_task(worker.run(), name=worker.name)
            task.add_done_callback(self._report)
            self.tasks.append(task)
            logger.info("worker %s started", worker.name)

    async def stop(self) -> None:
        """Cancel every worker and wait until each has finished stopping (idempotent).

        A cancellation of the caller itself still goes through: it is not taken for a
        worker's own.
        """
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @staticmethod
    def _report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("worker %s stopped", task.get_name(), exc_info=task.exception())


class LeaderOnly:
    """A worker that runs other workers only while this instance holds ``lock``.

    The workers are built afresh each time leadership is taken (``build``), so nothing of a
    previous term (open HTTP sessions, loaded rows) is reused.
    """

    name = "leader"

    def __init__(
        self,
        lock: InstanceLock,
        build: Callable[[], Sequence[Worker]],
        *,
        retry: float = RETRY_SECONDS,
    ) -> None:
        self.lock = lock
        self.build = build
        self.retry = retry
        self.leading = False

    async def run(self) -> None:
        waiting_said = False
        while True:
            if await self._try_lock():
                waiting_said = False
                await self._lead()
            elif not waiting_said:
                logger.info(
                    "another instance runs the digests and feeds (lock %r); standing by",
                    self.lock.name,
                )
                waiting_said = True
            await asyncio.sleep(self.retry)

    async def _try_lock(self) -> bool:
        try:
            return await self.lock.acquire()
        except StorageError as exc:
            logger.warning("cannot try the lock %r: %s", self.lock.name, exc)
            return False

    async def _lead(self) -> None:
        workers = WorkerSet(self.build())
        logger.info(
            "this instance now runs %s", ", ".join(w.name for w in workers.workers) or "nothing"
        )
        self.leading = True
        await workers.start()
        try:
            while True:
                await asyncio.sleep(self.retry)
                if not await self._still_held():
                    break
            logger.warning("lost the lock %r; stopping the singleton workers", self.lock.name)
        finally:
            self.leading = False
            await workers.stop()
            with contextlib.suppress(StorageError):
                await self.lock.release()

    async def _still_held(self) -> bool:
        try:
            return await self.lock.held()
        except StorageError:
            return False


async def wait_for_lock(lock: InstanceLock, what: str, *, retry: float = RETRY_SECONDS) -> None:
    """Take ``lock``, waiting (and saying so once) while another instance holds it."""
    said = False
    while not await lock.acquire():
        if not said:
            logger.warning("%s; waiting for it to stop", what)
            said = True
        await asyncio.sleep(retry)
    if said:
        logger.info("the other instance stopped; going on")
