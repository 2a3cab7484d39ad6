"""How many senders work at once: enough for the rate, and no more.

Each sender in flight is a request the server may have to queue, and a server that fell
behind admits its queue in a burst, which can break the overall limit as it counts
arrivals. So the number of working senders follows Little's law: the rate times the time
one message takes a sender (the fastest recent round trip plus the journal's two commits),
doubled for slack. Against Telegram (round trips of ~100 ms) that is every sender; against
a Bot API server on the same machine, a handful.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

MIN_SENDERS = 4
JOURNAL_TIME = 0.015  # seconds a sender spends on its two commits, about
FLOOR_PERIOD = 5.0  # the fastest round trip is remembered for one to two of these


class SenderGate:
    """Parks the senders above the number the rate needs; wakes them when it grows."""

    def __init__(
        self, rate: float, most: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.most = most
        self.clock = clock
        self._floors = [math.inf, math.inf]  # fastest round trip, previous and this period
        self._since = clock()
        self._grown = asyncio.Event()
        self.open = self._wanted(0.0)

    def observe(self, round_trip: float) -> None:
        """A request took ``round_trip`` seconds; adjust how many senders may work."""
        now = self.clock()
        if now - self._since > FLOOR_PERIOD:
            self._floors = [self._floors[1], math.inf]
            self._since = now
        self._floors[1] = min(self._floors[1], round_trip)
        wanted = self._wanted(min(self._floors))
        if wanted > self.open:
            self._grown.set()
        self.open = wanted

    async def admit(self, index: int) -> None:
        """Wait while sender ``index`` (0-based) is not needed."""
        while index >= self.open:
            self._grown.clear()
            await self._grown.wait()

    def _wanted(self, round_trip: float) -> int:
        needed = math.ceil(self.rate * (round_trip + JOURNAL_TIME) * 2)
        return max(MIN_SENDERS, min(self.most, needed))
