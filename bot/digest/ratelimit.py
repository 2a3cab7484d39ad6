"""Pacing of sends under Telegram's three limits, as token buckets that never busy-wait.

Each bucket is kept in its "virtual scheduling" form (GCRA): one number, the theoretical
arrival time of the next token, instead of a token count refreshed by a timer. Booking a send
moves that time forward by one interval; a caller that is early sleeps exactly until its slot.
That makes a bucket O(1) in time and one float in memory, so 20,000 chats cost nothing, and
the global bucket hands out slots in FIFO order to any number of concurrent senders.

The limits are:

* overall — ``RATE_GLOBAL_PER_SECOND`` messages a second across all chats;
* one chat — ``RATE_CHAT_PER_SECOND`` messages a second;
* one group — ``RATE_GROUP_PER_MINUTE`` messages a minute (on top of the chat limit).

Buckets are paced a little under each limit (:data:`HEADROOM`) because Telegram counts
arrivals, and two requests sent an exact interval apart may arrive slightly closer. The
global bucket holds :data:`BURST_SECONDS` worth of tokens (at least one), so a sender that
wakes a millisecond late does not lose its slot for good; with the headroom, no sliding
second ever sees more than the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

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


class Pacer:
    """The global bucket shared by every sender plus one bucket per chat (and group).

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
        # Earliest next send per chat; entries in the past are equivalent to no entry.
        self._chat_next: dict[int, float] = {}
        self._paused_until = 0.0
        self._pause_generation = 0

    @property
    def rate(self) -> float:
        """Messages a second the global bucket allows."""
        return 1.0 / self.global_bucket.interval

    def chat_ready_at(self, chat_id: int) -> float:
        """When the chat's own bucket (and a Telegram pause) allows its next message."""
        now = self.clock()
        return max(now, self._chat_next.get(chat_id, 0.0), self._paused_until)

    def book_chat(self, chat_id: int, chat_type: str, at: float | None = None) -> None:
        """Record a send to the chat at ``at`` (now by default): its bucket is empty again."""
        at = self.clock() if at is None else at
        interval = self.group_interval if chat_type in GROUP_TYPES else self.chat_interval
        self._chat_next[chat_id] = at + interval

    def hold_chat(self, chat_id: int, until: float) -> None:
        """Send nothing more to the chat before ``until``."""
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its pacing follows it."""
        if old_id in self._chat_next:
            self.hold_chat(new_id, self._chat_next.pop(old_id))

    async def reserve(self, ahead: float = 0.0) -> float:
        """Book the next global slot; sleep until ``ahead`` seconds before it; return it.

        Waking early lets a sender record its intent to send while the slot approaches.
        """
        while True:
            generation = self._pause_generation
            now = self.clock()
            slot = self.global_bucket.book(now)
            if slot - ahead > now:
                await asyncio.sleep(slot - ahead - now)
            if generation == self._pause_generation or self.clock() >= self._paused_until:
                return slot
            # A pause began while we slept: our slot predates it, so book a new one.

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

    async def acquire(self) -> float:
        """Wait for a global token (and the end of any pause); return the monotonic send time."""
        while True:
            slot = await self.reserve()
            if await self.wait_for(slot):
                return self.clock()

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: no message to anyone for ``seconds``."""
        until = self.clock() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self._pause_generation += 1
            self.global_bucket.hold_until(until)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def forget_idle(self) -> int:
        """Drop per-chat entries whose bucket is full again; bounds memory over a long run."""
        now = self.clock()
        idle = [chat for chat, moment in self._chat_next.items() if moment <= now]
        for chat in idle:
            del self._chat_next[chat]
        return len(idle)
