"""The digest planner's loop in the bot process, and the pruning of what was sent."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from bot.config import Settings
from bot.digest.planner import Planner
from bot.errors import StorageError
from bot.storage import Storage

logger = logging.getLogger(__name__)

PLAN_INTERVAL = 30.0  # seconds between passes: settings changes are picked up this fast
OUTBOX_RETENTION = 30 * 86400  # sent, failed and dropped rows are kept this long
PURGE_INTERVAL = 86400.0


class PlannerWorker:
    """Runs a planning pass whenever a chat falls due (and every half minute regardless)."""

    name = "digest-planner"

    def __init__(
        self, storage: Storage, settings: Settings, *, interval: float = PLAN_INTERVAL
    ) -> None:
        self.storage = storage
        self.planner = Planner(storage, settings)
        self.interval = interval
        self._purged_at = 0.0

    async def run(self) -> None:
        while True:
            try:
                await self.planner.run_due(datetime.now(UTC))
                await self._purge()
                delay = await self._until_next()
            except StorageError:
                # Typically a lock held too long by another process; the next pass retries.
                logger.exception("digest planning failed; retrying in %.0f s", self.interval)
                delay = self.interval
            await asyncio.sleep(delay)

    async def _until_next(self) -> float:
        due = await self.storage.digests.next_due_at()
        if due is None:
            return self.interval
        seconds = (due - datetime.now(UTC)).total_seconds()
        return min(self.interval, max(0.5, seconds))

    async def _purge(self) -> None:
        if time.monotonic() - self._purged_at < PURGE_INTERVAL and self._purged_at:
            return
        self._purged_at = time.monotonic()
        purged = await self.storage.outbox.purge(OUTBOX_RETENTION)
        if purged:
            logger.info(
                "forgot %d outbox rows older than %d days",
                purged,
                OUTBOX_RETENTION // 86400,
            )
        # What chats were sent matters while a story can still grow: past that, forget it.
        forgotten = await self.storage.received.prune()
        if forgotten:
            logger.info("forgot %d records of stories sent", forgotten)
