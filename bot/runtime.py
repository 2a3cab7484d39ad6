"""The long-running process: storage, bot, dispatcher and background workers.

Workers (digest delivery, feed polling, inbox watching) are objects with a ``name`` and an
``async run()`` that loops until cancelled; they start with the dispatcher and are
cancelled, then awaited, when it stops. Each keeps its state in the database, so a
cancellation at any await loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Sequence
from typing import Protocol

from aiogram import Bot

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.digest.service import digest_workers
from bot.sources.inbox import InboxWatcher
from bot.sources.poller import FeedPoller
from bot.storage import Storage, open_storage

logger = logging.getLogger(__name__)


class Worker(Protocol):
    name: str

    async def run(self) -> None: ...


def build_workers(settings: Settings, storage: Storage, bot: Bot) -> list[Worker]:
    """The background workers of a bot process, in start order."""
    workers: list[Worker] = [
        FeedPoller.from_settings(settings, storage),
        InboxWatcher.from_settings(settings, storage),
    ]
    workers.extend(digest_workers(settings, storage, bot))
    return workers


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
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()

    @staticmethod
    def _report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("worker %s stopped", task.get_name(), exc_info=task.exception())


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until SIGINT/SIGTERM; close everything it opened."""
    storage = await open_storage(settings)
    bot = create_bot(settings)
    try:
        dispatcher = create_dispatcher(settings=settings, storage=storage)
        workers = WorkerSet(build_workers(settings, storage, bot))
        dispatcher.startup.register(workers.start)
        dispatcher.shutdown.register(workers.stop)
        # What start-up built lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stall every update in flight for tens of milliseconds.
        gc.collect()
        gc.freeze()
        me = await bot.get_me()
        logger.info("svodka is up as @%s (id %d), long polling", me.username, me.id)
        await dispatcher.start_polling(bot, handle_signals=True, close_bot_session=False)
        logger.info("svodka stopped")
    finally:
        await bot.session.close()
        await storage.close()
