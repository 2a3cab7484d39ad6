"""One send and what each answer of Telegram means for the row, the chat and the pace.

=====================  =========================================================
Telegram answers       we do
=====================  =========================================================
ok                     row ``sent`` (with the message id)
429 retry_after        pause every send for that long, then the same row again
403 (blocked, kicked)  deactivate the chat, drop its open rows, recorded
400 chat not found     the same as 403: the chat is gone
migrate_to_chat_id     move the chat (settings, subscriptions, rows), send again
other 400              ``failed`` at once: the same request cannot succeed later
network, 5xx, other    retry with exponential backoff; ``failed`` after the limit
=====================  =========================================================
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from typing import TYPE_CHECKING

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)

from bot.digest.telegram import DeliveryClient
from bot.storage.records import OutboxRow

if TYPE_CHECKING:
    from bot.digest.delivery import DeliveryWorker

logger = logging.getLogger(__name__)

MAX_FAILURES = 8  # errors before a row is marked failed
BACKOFF_BASE = 2.0  # seconds after the first error, doubling
BACKOFF_CAP = 300.0
# How long before its global slot a row is marked 'sending' (the group commit's time).
MARK_AHEAD = 0.025
# Bad requests that mean the chat no longer exists for the bot.
GONE = ("chat not found", "user not found", "peer_id_invalid", "group chat was deactivated")


def backoff(failures: int) -> float:
    """Seconds to wait after the ``failures``-th error, with jitter so retries spread."""
    delay: float = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, failures - 1))
    return delay * random.uniform(0.8, 1.2)


class Sender:
    """The sending lanes of a :class:`DeliveryWorker`, and the handling of each answer."""

    def __init__(self, worker: DeliveryWorker, client: DeliveryClient) -> None:
        self.worker = worker
        self.client = client

    async def lane(self, index: int) -> None:
        """Take ready chats one at a time and send each one's next row."""
        worker = self.worker
        while True:
            await worker.gate.admit(index)
            chat_id = await worker.ready.get()
            if chat_id is None or worker.stopping:
                return
            queue = worker.queues.get(chat_id)
            if not queue:
                continue
            worker.in_flight += 1
            try:
                await self.send(queue[0])
            finally:
                worker.in_flight -= 1

    async def send(self, row: OutboxRow) -> None:
        worker = self.worker
        pacer = worker.pacer
        # The row is marked 'sending' just before its slot comes, not while it queues.
        slot = await pacer.reserve(ahead=MARK_AHEAD)
        if worker.stopping:
            return  # still pending; the next start sends it
        await worker.journal.sending(row)
        while not await pacer.wait_for(slot):
            slot = await pacer.reserve()
        if worker.stopping:
            await worker.journal.release(row)
            return
        pacer.book_chat(row.chat_id, row.chat_type)
        started = pacer.clock()
        try:
            message_id = await self.client.send(row.chat_id, row.text, row.reply_markup)
        except TelegramRetryAfter as exc:
            await self._rate_limited(row, exc)
        except TelegramMigrateToChat as exc:
            await self._migrate(row, exc.migrate_to_chat_id)
        except TelegramForbiddenError as exc:
            await self._gone(row, f"forbidden: {exc.message}")
        except TelegramBadRequest as exc:
            if any(reason in exc.message.lower() for reason in GONE):
                await self._gone(row, f"bad request: {exc.message}")
            else:
                await self._fail(row, f"bad request: {exc.message}")
        except TelegramUnauthorizedError as exc:
            await worker.journal.retry(row, 0, f"unauthorized: {exc.message}", counts=False)
            raise  # a wrong token: stop delivering, every row stays pending
        except (TelegramNetworkError, TelegramAPIError, TimeoutError) as exc:
            await self._error(row, f"{type(exc).__name__}: {exc}")
        else:
            worker.gate.observe(pacer.clock() - started)
            await worker.journal.sent(row, message_id)
            worker.stats.sent += 1
            self._done(row)

    def _done(self, row: OutboxRow) -> None:
        """The row left the outbox's open states: on to the chat's next row."""
        queue = self.worker.queues.get(row.chat_id)
        if queue and queue[0] is row:
            queue.popleft()
            self.worker.forget([row])
        self.worker.schedule(row.chat_id)

    async def _rate_limited(self, row: OutboxRow, exc: TelegramRetryAfter) -> None:
        worker = self.worker
        worker.stats.rate_limited += 1
        worker.stats.retried += 1
        wait = float(exc.retry_after)
        logger.warning("Telegram asked to wait %.0f s (chat %d); pausing sends", wait, row.chat_id)
        worker.pacer.pause(wait)
        worker.pacer.hold_chat(row.chat_id, worker.pacer.clock() + wait)
        await worker.journal.retry(row, 0, f"429: retry after {wait:.0f} s", counts=False)
        worker.schedule(row.chat_id)

    async def _migrate(self, row: OutboxRow, new_id: int) -> None:
        worker = self.worker
        old_id = row.chat_id
        logger.info("chat %d became supergroup %d; moving it and sending again", old_id, new_id)
        await worker.journal.retry(row, 0, f"migrated to {new_id}", counts=False)
        await worker.storage.chats.migrate(old_id, new_id)
        await worker.storage.outbox.move_chat(old_id, new_id)
        worker.stats.migrated += 1
        worker.stats.retried += 1
        moved = worker.queues.pop(old_id)
        for item in moved:
            item.chat_id = new_id
            item.chat_type = "supergroup"
        worker.pacer.move_chat(old_id, new_id)
        existing = worker.queues.get(new_id)
        if existing is None:
            worker.queues[new_id] = moved
            worker.schedule(new_id)
        else:  # the supergroup already had rows queued (and is scheduled): merge by id
            merged = sorted([*existing, *moved], key=lambda item: item.id)
            existing.clear()
            existing.extend(merged)

    async def _gone(self, row: OutboxRow, reason: str) -> None:
        worker = self.worker
        dropped, finished = await worker.storage.outbox.drop_chat(row.chat_id, row.run_id, reason)
        worker.stats.deactivated += 1
        worker.stats.dropped += dropped
        logger.warning(
            "chat %d is gone (%s): deactivated, %d messages dropped", row.chat_id, reason, dropped
        )
        worker.forget(worker.queues.pop(row.chat_id, deque()))
        worker.wake()
        for run in finished:
            worker.journal.on_finished([run])

    async def _fail(self, row: OutboxRow, reason: str) -> None:
        self.worker.stats.failed += 1
        logger.error("message %d to chat %d failed: %s", row.id, row.chat_id, reason)
        await self.worker.journal.failed(row, reason)
        self._done(row)

    async def _error(self, row: OutboxRow, reason: str) -> None:
        row.failures += 1
        if row.failures >= MAX_FAILURES:
            await self._fail(row, f"{reason} (after {row.failures} attempts)")
            return
        delay = backoff(row.failures)
        self.worker.stats.retried += 1
        logger.info(
            "message %d to chat %d: %s; retry in %.0f s", row.id, row.chat_id, reason, delay
        )
        row.not_before = int(time.time() + delay)
        await self.worker.journal.retry(row, row.not_before, reason, counts=True)
        # The chat waits (its order is kept); other chats go on.
        await asyncio.sleep(0)
        self.worker.schedule(row.chat_id)
