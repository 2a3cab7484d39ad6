"""One send, and the outcome each answer of Telegram means for the row, the chat and the pace.

=====================  ====================  ==============================================
Telegram answers       outcome               the worker then
=====================  ====================  ==============================================
ok                     ``Sent``              marks the row ``sent`` (with the message id)
429 retry_after        ``RateLimited``       pauses every send for that long, then the same
                                             row again
403 (blocked, kicked)  ``Gone``              deactivates the chat, drops its open rows,
                                             recorded
400 chat not found     ``Gone``              the same as 403: the chat is gone
migrate_to_chat_id     ``Migrated``          moves the chat (settings, subscriptions, rows),
                                             sends again
400 TOPIC_CLOSED,      ``TopicGone``         sends it again to the general topic, with one
400 message thread                           line saying the topic is closed or gone
not found (a row for                         (:mod:`bot.delivery.topics`)
a forum topic)
other 400              ``Failed``            marks the row ``failed`` at once: the same
                                             request cannot succeed later
network, 5xx, other    ``Retry`` / ``Failed``  retries with backoff (:class:`RetryPolicy`);
                                             ``failed`` after the limit
401 (wrong token)      ``Halt``              puts the row back and stops delivery
=====================  ====================  ==============================================

The sender only classifies; :class:`~bot.delivery.worker.DeliveryWorker` applies.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)

from bot.delivery.journal import Journal
from bot.delivery.pacing import GRANT_AHEAD, Pacer
from bot.delivery.telegram import DeliveryClient
from bot.delivery.topics import refused_topic
from bot.storage.records import OutboxRow, thread_of_options

# Bad requests that mean the chat no longer exists for the bot.
GONE = ("chat not found", "user not found", "peer_id_invalid", "group chat was deactivated")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failing row is tried again."""

    max_failures: int = 8  # errors before a row is marked failed
    base: float = 2.0  # seconds after the first error, doubling
    cap: float = 300.0

    def delay(self, failures: int) -> float | None:
        """Seconds to wait after the ``failures``-th error (jittered so retries spread), or
        ``None`` once the row has failed too often."""
        if failures >= self.max_failures:
            return None
        delay = min(self.cap, self.base * 2.0 ** max(0, failures - 1))
        return delay * random.uniform(0.8, 1.2)


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int
    round_trip: float  # seconds the request took


@dataclass(frozen=True, slots=True)
class RateLimited:
    retry_after: float


@dataclass(frozen=True, slots=True)
class Gone:
    reason: str


@dataclass(frozen=True, slots=True)
class Migrated:
    to: int


@dataclass(frozen=True, slots=True)
class TopicGone:
    """The row's forum topic is closed (``closed``) or deleted."""

    closed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str


@dataclass(frozen=True, slots=True)
class Retry:
    at: int  # unix time of the next attempt
    reason: str


@dataclass(frozen=True, slots=True)
class Halt:
    """Telegram refused the bot itself: nothing can be sent until the operator acts."""

    error: TelegramAPIError


Outcome = Sent | RateLimited | Gone | Migrated | TopicGone | Failed | Retry | Halt


class Sender:
    """Sends one row in its paced slot and says what the answer means."""

    def __init__(
        self,
        client: DeliveryClient,
        pacer: Pacer,
        journal: Journal,
        *,
        retry: RetryPolicy,
        stopping: Callable[[], bool],
    ) -> None:
        self.client = client
        self.pacer = pacer
        self.journal = journal
        self.retry = retry
        self.stopping = stopping
        # Tasks between recording 'sending' and recording the answer: stopping waits for
        # these, and cancels a sender that is only waiting for its slot.
        self.committed: set[asyncio.Task[Any]] = set()

    async def send(self, row: OutboxRow) -> Outcome | None:
        """The outcome of sending ``row``; ``None`` if stopping came first (still pending)."""
        pacer = self.pacer
        # The row is marked 'sending' just before its slot comes, not while it queues.
        slot = await pacer.reserve(GRANT_AHEAD)
        if self.stopping():
            return None
        task = asyncio.current_task()
        if task is not None:
            self.committed.add(task)  # the worker discards it once the answer is recorded
        await self.journal.sending(row)
        while not await pacer.wait_for(slot):
            slot = await pacer.reserve()
        if self.stopping():
            await self.journal.release(row)
            return None
        pacer.book_chat(row.chat_id, row.chat_type)
        started = pacer.clock()
        try:
            message_id = await self.client.send(
                row.chat_id, row.text, row.reply_markup, row.options
            )
        except TelegramAPIError as exc:  # timeouts and network errors included
            return self.classify(row, exc)
        return Sent(message_id, pacer.clock() - started)

    def classify(self, row: OutboxRow, exc: TelegramAPIError) -> Outcome:
        """What a refusal of ``row`` means (the table above)."""
        if isinstance(exc, TelegramRetryAfter):
            return RateLimited(float(exc.retry_after))
        if isinstance(exc, TelegramMigrateToChat):
            return Migrated(exc.migrate_to_chat_id)
        if isinstance(exc, TelegramForbiddenError):
            return Gone(f"forbidden: {exc.message}")
        if isinstance(exc, TelegramBadRequest):
            closed = refused_topic(exc.message)
            if closed is not None and thread_of_options(row.options) is not None:
                return TopicGone(closed, f"bad request: {exc.message}")
            if any(reason in exc.message.lower() for reason in GONE):
                return Gone(f"bad request: {exc.message}")
            return Failed(f"bad request: {exc.message}")
        if isinstance(exc, TelegramUnauthorizedError):
            return Halt(exc)
        reason = f"{type(exc).__name__}: {exc}"
        failures = row.failures + 1
        delay = self.retry.delay(failures)
        if delay is None:
            return Failed(f"{reason} (after {failures} attempts)")
        return Retry(int(time.time() + delay), reason)
