"""The delivery worker: sends the outbox, paced under Telegram's limits, through crashes.

How it keeps its promises:

* **Nothing lost.** Rows leave ``pending`` only as ``sent``, ``failed`` (with the reason) or
  ``dropped`` (the chat blocked the bot; the chat is deactivated). A 429 pauses all sending
  for the ``retry_after`` Telegram asks and sends the same message again; rate limiting
  never drops a message.
* **Nothing twice, but for one window.** Each sender commits ``sending`` just before its
  request and ``sent`` right after the answer, and takes no other message in between. If the
  process dies after Telegram accepted a message and before ``sent`` was committed, that
  message is sent again after the restart: at most one message per sender (``senders``,
  4 to 64, about a tenth of a second of the overall rate) and never more than one per chat.
  A timeout after Telegram accepted a request is the same window. A restarted worker finds
  exactly those rows still ``sending``, sends them again and logs how many there were.
* **In order.** A chat is held by at most one sender at a time and its rows go by id.
* **Paced.** The :class:`~bot.delivery.pacing.Pacer` shared with the bot's replies keeps the
  overall, per-chat and per-group limits together, replies first; senders sleep until their
  slot, they never spin.
* **Stopped by its owner.** Cancelled, it lets senders finish the request they are making
  (at most :data:`STOP_GRACE`), records them and gives the lease back before it returns, so
  its owner may close the storage afterwards.

:class:`~bot.delivery.sender.Sender` sends a row and classifies Telegram's answer; this
module applies the outcome to the row, the chat, the pace and the counters.
:class:`~bot.delivery.queues.ChatQueues` holds the loaded rows and hands chats to senders.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import os
import secrets
import socket
import time
from dataclasses import dataclass

from aiogram import Bot

from bot.config import Settings
from bot.delivery.concurrency import SenderGate
from bot.delivery.journal import Journal
from bot.delivery.pacing import Pacer
from bot.delivery.queues import ChatQueues
from bot.delivery.sender import (
    Failed,
    Gone,
    Halt,
    Migrated,
    Outcome,
    RateLimited,
    Retry,
    RetryPolicy,
    Sender,
    Sent,
    TopicGone,
)
from bot.delivery.telegram import DeliveryClient
from bot.delivery.topics import to_general
from bot.errors import StorageError
from bot.metrics import Metrics
from bot.storage import Storage
from bot.storage.records import DigestRun, OutboxRow
from bot.storage.runs import this_process

logger = logging.getLogger(__name__)

LEASE_TTL = 30.0
STOP_GRACE = 10.0  # seconds a sender may take to finish its request when stopping
# Rows read at a time: big reads hold the interpreter lock long enough to delay sends.
LOAD_BATCH = 1000


@dataclass(slots=True)
class DeliveryStats:
    """What one worker did, for the command line and the benchmark."""

    sent: int = 0
    retried: int = 0
    rate_limited: int = 0  # 429 answers
    failed: int = 0
    dropped: int = 0
    deactivated: int = 0
    migrated: int = 0
    redirected: int = 0  # messages for a closed or deleted forum topic, sent to the general one
    recovered: int = 0  # rows found 'sending' after a crash, sent again


def default_senders(rate_per_second: float) -> int:
    """Enough senders for the rate at ~100 ms per request (Telegram's), within 4..64.

    Fewer work while requests are quicker (:class:`~bot.delivery.concurrency.SenderGate`).
    """
    return max(4, min(64, math.ceil(rate_per_second * 0.1)))


def _new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class DeliveryWorker:
    """Sends pending outbox rows while it holds the delivery lease.

    ``pacer`` is the process's shared one (replies go first); without it the worker paces
    by itself, as ``digest run-due`` does.
    """

    name = "digest-delivery"

    def __init__(
        self,
        storage: Storage,
        bot: Bot,
        settings: Settings,
        *,
        pacer: Pacer | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, shared safely
        senders: int | None = None,
        poll_interval: float = 1.0,
        buffer: int = 5_000,
        lease_ttl: float = LEASE_TTL,
        metrics: Metrics | None = None,
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.pacer = pacer or Pacer.from_settings(settings)
        self.senders = senders or default_senders(settings.rate_global_per_second)
        self.poll_interval = poll_interval
        self.buffer = buffer
        self.lease_ttl = lease_ttl
        self.owner = _new_owner()
        self.stats = DeliveryStats()
        self.journal = Journal(storage.outbox, self._report_runs)
        self.client = DeliveryClient(bot, metrics)  # owned: closed when delivery ends
        self._stopping = False
        self.sender = Sender(
            self.client, self.pacer, self.journal, retry=retry, stopping=lambda: self._stopping
        )
        self.gate = SenderGate(settings.rate_global_per_second, self.senders)
        self.rows = ChatQueues(
            self.pacer, on_empty=self.wake, on_run_left=self.journal.check_finished
        )
        self.in_flight = 0
        self._wakeup = asyncio.Event()
        storage.outbox.listen(self.wake)

    def wake(self) -> None:
        """New rows were enqueued by this process: look now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Deliver for as long as the process runs (the bot's worker)."""
        try:
            while True:
                try:
                    if await self._lease():
                        await self._serve(drain=False)
                except StorageError as exc:
                    # Typically the database locked too long by another process: the rows
                    # are safe in the outbox, so start over after a pause. One line: the
                    # error names what failed, a traceback would add nothing.
                    logger.error(
                        "digest delivery stopped by a database error (%s); restarting", exc
                    )
                await self._sleep(self.poll_interval)
        finally:
            await self.client.close()

    async def drain(self) -> DeliveryStats:
        """Deliver until the outbox has nothing open, then return (``digest run-due``)."""
        try:
            while True:
                if await self._lease():
                    if await self._serve(drain=True):
                        return self.stats
                elif await self.storage.outbox.open_count() == 0:
                    return self.stats  # another process delivered everything
                await self._sleep(self.poll_interval)
        finally:
            await self.client.close()

    async def _lease(self) -> bool:
        lease = await self.storage.outbox.acquire_lease(
            self.owner, *this_process(), self.lease_ttl
        )
        if lease.recovered:
            self.stats.recovered += lease.recovered
            self.stats.retried += lease.recovered
            logger.warning(
                "%d messages were being sent when the previous delivery stopped; sending them "
                "again (each may arrive twice)",
                lease.recovered,
            )
        if not lease.held:
            logger.debug("delivery lease is held by %s; waiting", lease.holder)
        return lease.held

    async def _serve(self, *, drain: bool) -> bool:
        """Send while holding the lease; True once drained, False if the lease was lost."""
        self._stopping = False
        # What is alive now (modules, aiogram's models, the loaded rows) stays alive: kept
        # out of the collector's full passes, which would otherwise stall every sender for
        # a tenth of a second and release their requests in a burst.
        gc.freeze()
        journal = asyncio.create_task(self.journal.run(), name="digest-journal")
        self.gate = SenderGate(self.settings.rate_global_per_second, self.senders)
        lanes = [
            asyncio.create_task(self._lane(i), name=f"digest-sender-{i}")
            for i in range(self.senders)
        ]
        tasks = [journal, *lanes]
        renewed = time.monotonic()
        try:
            while True:
                for task in tasks:
                    if task.done():
                        task.result()  # a crashed lane or journal stops delivery loudly
                if self.rows.loaded < self.buffer:
                    await self._load()
                if time.monotonic() - renewed > self.lease_ttl / 3:
                    renewed = time.monotonic()
                    if not await self._lease():
                        logger.error("lost the delivery lease; stopping")
                        return False
                    self.pacer.forget_idle()  # chats whose bucket is full again
                if drain and self._idle() and await self.storage.outbox.open_count() == 0:
                    return True
                await self._sleep(self.poll_interval)
        finally:
            await self._stop(lanes, journal)

    async def _load(self) -> None:
        while self.rows.loaded < self.buffer:
            rows = await self.storage.outbox.load_pending(self.rows.last_id, LOAD_BATCH)
            if not rows:
                return
            self.rows.add(rows)

    async def _lane(self, index: int) -> None:
        """Take ready chats one at a time and send each one's next row."""
        me = asyncio.current_task()
        while True:
            await self.gate.admit(index)
            chat_id = await self.rows.ready.get()
            if chat_id is None or self._stopping:
                return
            row = self.rows.head(chat_id)
            if row is None:
                continue
            self.in_flight += 1
            try:
                outcome = await self.sender.send(row)
                if outcome is not None:
                    await self._apply(row, outcome)
            finally:
                self.in_flight -= 1
                if me is not None:
                    self.sender.committed.discard(me)

    async def _apply(self, row: OutboxRow, outcome: Outcome) -> None:
        """Record what the answer meant, and move the chat on (or hold it)."""
        match outcome:
            case Sent(message_id, round_trip):
                self.gate.observe(round_trip)
                await self.journal.sent(row, message_id)
                self.stats.sent += 1
                self.rows.done(row)
            case RateLimited(wait):
                self.stats.rate_limited += 1
                self.stats.retried += 1
                logger.warning(
                    "Telegram asked to wait %.0f s (chat %d); pausing sends", wait, row.chat_id
                )
                self.pacer.pause(wait)
                self.pacer.hold_chat(row.chat_id, self.pacer.clock() + wait)
                await self.journal.retry(row, 0, f"429: retry after {wait:.0f} s", counts=False)
                self.rows.schedule(row.chat_id)
            case Migrated(new_id):
                await self._migrate(row, new_id)
            case Gone(reason):
                await self._gone(row, reason)
            case TopicGone(closed, reason):
                await self._to_general(row, closed, reason)
            case Failed(reason):
                self.stats.failed += 1
                logger.error("message %d to chat %d failed: %s", row.id, row.chat_id, reason)
                await self.journal.failed(row, reason)
                self.rows.done(row)
            case Retry(at, reason):
                row.failures += 1
                row.not_before = at
                self.stats.retried += 1
                logger.info(
                    "message %d to chat %d: %s; retry in %.0f s",
                    row.id,
                    row.chat_id,
                    reason,
                    max(0.0, at - time.time()),
                )
                await self.journal.retry(row, at, reason, counts=True)
                self.rows.schedule(row.chat_id)  # the chat waits (its order is kept)
            case Halt(error):
                await self.journal.retry(row, 0, f"unauthorized: {error.message}", counts=False)
                raise error  # a wrong token: stop delivering, every row stays pending

    async def _migrate(self, row: OutboxRow, new_id: int) -> None:
        old_id = row.chat_id
        logger.info("chat %d became supergroup %d; moving it and sending again", old_id, new_id)
        await self.journal.retry(row, 0, f"migrated to {new_id}", counts=False)
        await self.storage.chats.migrate(old_id, new_id)
        await self.storage.outbox.move_chat(old_id, new_id)
        self.stats.migrated += 1
        self.stats.retried += 1
        self.pacer.move_chat(old_id, new_id)
        self.rows.move(old_id, new_id)

    async def _to_general(self, row: OutboxRow, closed: bool, reason: str) -> None:
        """The topic refused the message: the same message again, to the general topic."""
        logger.info(
            "message %d: the topic of chat %d is %s; sending it to the general topic",
            row.id,
            row.chat_id,
            "closed" if closed else "gone",
        )
        text, options = to_general(row.text, row.options, row.language, closed=closed)
        await self.journal.redirect(row, text, options, reason)
        row.text, row.options = text, options
        self.stats.redirected += 1
        self.rows.schedule(row.chat_id)

    async def _gone(self, row: OutboxRow, reason: str) -> None:
        dropped, finished = await self.storage.outbox.drop_chat(row.chat_id, row.run_id, reason)
        self.stats.deactivated += 1
        self.stats.dropped += dropped
        logger.warning(
            "chat %d is gone (%s): deactivated, %d messages dropped", row.chat_id, reason, dropped
        )
        self.rows.drop(row.chat_id)
        self.wake()
        if finished:
            self.journal.on_finished(finished)

    def _idle(self) -> bool:
        return self.rows.empty and self.in_flight == 0 and self.journal.idle

    async def _sleep(self, seconds: float) -> None:
        # Not asyncio.wait_for: before Python 3.12 it may swallow a cancellation that comes
        # as the event is set, and the worker would never stop.
        try:
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()
        except TimeoutError:
            pass
        self._wakeup.clear()

    async def _stop(self, lanes: list[asyncio.Task[None]], journal: asyncio.Task[None]) -> None:
        """Let senders finish the request they are making, record it, then stop."""
        self._stopping = True
        for lane in lanes:
            if lane not in self.sender.committed:  # only waiting: nothing to finish
                lane.cancel()
        _done, running = await asyncio.wait(lanes, timeout=STOP_GRACE)
        for task in running:
            task.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)
        if not journal.done():
            await self.journal.flush()
            journal.cancel()
        await asyncio.gather(journal, return_exceptions=True)
        # Rows left in memory are still pending in the database; the next start loads them.
        self.rows.clear()
        self.in_flight = 0
        self.pacer.forget_idle()
        await self.storage.outbox.release_lease(self.owner)
        # Next time as a new holder: taking the lease over sends again what a cancelled
        # sender left 'sending'.
        self.owner = _new_owner()

    def _report_runs(self, runs: list[DigestRun]) -> None:
        for run in runs:
            logger.info("digest run %d finished: %s", run.id, run.summary())
