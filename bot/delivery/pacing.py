"""Pacing of every send under Telegram's three limits: replies first, digests after.

Each bucket is kept in its "virtual scheduling" form (GCRA): one number, the theoretical
arrival time of the next token, instead of a token count refreshed by a timer. Booking a send
moves that time forward by one interval; a caller that is early sleeps exactly until its slot.
That makes a bucket O(1) in time and one float in memory, so 20,000 chats cost nothing.

The limits are:

* overall — ``RATE_GLOBAL_PER_SECOND`` messages a second across all chats, replies and
  digests together: one :class:`Pacer` per process, shared by the bot's session and the
  delivery worker;
* one chat — ``RATE_CHAT_PER_SECOND`` messages a second;
* one group — ``RATE_GROUP_PER_MINUTE`` messages a minute (on top of the chat limit).

Global slots are granted in turn, replies before deliveries (FIFO within each), so a burst of
users is answered at the allowed rate and digests fill what is left. A slot is granted
:data:`GRANT_AHEAD` before it comes, so a digest sender can record its intent while it
approaches. A reply may run :data:`REPLY_BURST` messages ahead of a private chat's bucket (a
``/latest`` answer is a few messages; Telegram lets short bursts to one chat through);
digests keep the strict interval, and groups get no burst (20 a minute is a sliding window).

Buckets are paced a little under each limit (:data:`HEADROOM`) because Telegram counts
arrivals, and two requests sent an exact interval apart may arrive slightly closer. The
global bucket holds :data:`BURST_SECONDS` worth of tokens (at least one), so a sender that
wakes a millisecond late does not lose its slot for good; with the headroom, no sliding
second ever sees more than the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

# Fraction of each limit kept in reserve against network jitter.
HEADROOM = 0.02
# A slot used later than this is traded for a fresh one (seconds): later requests could
# bunch up with the ones after them. With a burst of two or more tokens the bucket's own
# slack leaves room for more lateness than with one.
STALE_SLOT = 0.005
STALE_SLOT_WITH_BURST = 0.015
# Tokens the global bucket may save up, as seconds of its rate.
BURST_SECONDS = 0.005
# Extra spacing between two messages to one chat, for the same reason (seconds).
CHAT_JITTER = 0.05
# How long before its slot a sender is told it has it (the digest journal's commit time).
GRANT_AHEAD = 0.025
# Messages a reply may send at once to a private chat before the chat's pace applies.
REPLY_BURST = 3
# Timers may fire this much early; a slot that close is granted rather than re-armed.
TIMER_SLACK = 0.0005
GROUP_TYPES = frozenset({"group", "supergroup"})


class TokenBucket:
    """A token bucket of ``capacity`` tokens refilled at ``rate`` a second, in GCRA form."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: float, capacity: float = 1.0) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self.interval = 1.0 / rate
        self.tolerance = (capacity - 1.0) * self.interval
        self.tat = 0.0  # theoretical arrival time of the next token

    def ready_at(self, now: float) -> float:
        """When a token is available (``now`` if one is already)."""
        return max(now, self.tat - self.tolerance)

    def book(self, now: float) -> float:
        """Take the next token and return the instant it becomes valid (``>= now``)."""
        at = max(now, self.tat - self.tolerance)
        self.tat = max(self.tat, at) + self.interval
        return at

    def hold_until(self, moment: float) -> None:
        """Give no token before ``moment`` (Telegram asked us to wait)."""
        self.tat = max(self.tat, moment + self.tolerance)


Waiter = tuple["asyncio.Future[float]", float]  # (granted slot, how long ahead)


class Pacer:
    """The global bucket shared by every send plus one bucket per chat (and group).

    ``clock`` is monotonic seconds; tests pass a fake one.
    """

    def __init__(
        self,
        *,
        global_per_second: float,
        chat_per_second: float,
        group_per_minute: float,
        burst: float | None = None,
        headroom: float = HEADROOM,
        chat_jitter: float = CHAT_JITTER,
        reply_burst: int = REPLY_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        if burst is None:
            burst = max(1.0, global_per_second * BURST_SECONDS)
        self.global_bucket = TokenBucket(global_per_second * (1 - headroom), burst)
        self.stale_after = STALE_SLOT_WITH_BURST if burst >= 2 else STALE_SLOT
        self.chat_interval = 1.0 / (chat_per_second * (1 - headroom)) + chat_jitter
        self.group_interval = max(
            self.chat_interval, 60.0 / (group_per_minute * (1 - headroom)) + chat_jitter
        )
        self.reply_slack = max(0, reply_burst - 1) * self.chat_interval
        # Per chat, the theoretical arrival time of its next token; entries in the past are
        # equivalent to no entry.
        self._chat_next: dict[int, float] = {}
        self._paused_until = 0.0
        self._replies: deque[Waiter] = deque()
        self._deliveries: deque[Waiter] = deque()
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Pacer:
        return cls(
            global_per_second=settings.rate_global_per_second,
            chat_per_second=settings.rate_chat_per_second,
            group_per_minute=settings.rate_group_per_minute,
        )

    @property
    def rate(self) -> float:
        """Messages a second the global bucket allows."""
        return 1.0 / self.global_bucket.interval

    # -- one chat ---------------------------------------------------------------------

    def chat_ready_at(self, chat_id: int, *, reply: bool = False) -> float:
        """When the chat's own bucket (and a Telegram pause) allows its next message.

        A reply to a private chat (a positive id) may use the burst of :data:`REPLY_BURST`.
        """
        now = self.clock()
        next_at = self._chat_next.get(chat_id, 0.0)
        if reply and chat_id > 0:
            next_at -= self.reply_slack
        return max(now, next_at, self._paused_until)

    def book_chat(self, chat_id: int, chat_type: str, at: float | None = None) -> None:
        """Record a send to the chat at ``at`` (now by default): one token of its bucket."""
        at = self.clock() if at is None else at
        interval = self.group_interval if chat_type in GROUP_TYPES else self.chat_interval
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), at) + interval

    def hold_chat(self, chat_id: int, until: float) -> None:
        """Send nothing more to the chat before ``until``."""
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its pacing follows it."""
        if old_id in self._chat_next:
            self.hold_chat(new_id, self._chat_next.pop(old_id))

    def forget_idle(self) -> int:
        """Drop per-chat entries whose bucket is full again; bounds memory over a long run."""
        now = self.clock()
        idle = [chat for chat, moment in self._chat_next.items() if moment <= now]
        for chat in idle:
            del self._chat_next[chat]
        return len(idle)

    # -- the global bucket ------------------------------------------------------------

    async def reserve(self, ahead: float = 0.0, *, reply: bool = False) -> float:
        """Wait for the next global slot, granted ``ahead`` seconds before it; return it.

        Replies are granted before deliveries. Waking early lets a digest sender record its
        intent to send while the slot approaches.
        """
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        (self._replies if reply else self._deliveries).append((waiter, ahead))
        if self._timer is None:
            self._grant()
        return await waiter

    async def wait_for(self, slot: float) -> bool:
        """Sleep until ``slot``; False if it went stale or a pause began (book anew then).

        A request must follow its slot closely: one sent late could bunch up with the
        slots after it and break the overall limit as Telegram counts it.
        """
        now = self.clock()
        if slot > now:
            await asyncio.sleep(slot - now)
            now = self.clock()
        return now - slot <= self.stale_after and now >= self._paused_until

    async def acquire(self, *, reply: bool = False) -> float:
        """Wait for a global token (and the end of any pause); return the monotonic send time."""
        while True:
            slot = await self.reserve(GRANT_AHEAD, reply=reply)
            if await self.wait_for(slot):
                return self.clock()

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: no message to anyone for ``seconds``."""
        until = self.clock() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self.global_bucket.hold_until(until)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    @property
    def waiting(self) -> int:
        """Sends waiting for a global slot (replies and deliveries)."""
        return sum(not w.done() for w, _ in self._replies) + sum(
            not w.done() for w, _ in self._deliveries
        )

    def _grant(self) -> None:
        """Hand out every slot due now, replies first; arm a timer for the next one."""
        self._timer = None
        bucket = self.global_bucket
        now = self.clock()
        while True:
            queue = self._replies if _head(self._replies) else self._deliveries
            if not _head(queue):
                return
            waiter, ahead = queue[0]
            ready = bucket.ready_at(now)
            if ready - ahead > now + TIMER_SLACK:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(ready - ahead - now, self._grant)
                return
            queue.popleft()
            waiter.set_result(bucket.book(now))


def _head(queue: deque[Waiter]) -> bool:
    """Whether anyone still waits in ``queue``; drops the cancelled waiters at its head."""
    while queue and queue[0][0].done():
        queue.popleft()
    return bool(queue)
