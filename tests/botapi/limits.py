"""Telegram's send limits, enforced, plus failures injected on demand.

Two kinds of rule, each checked per scope — the whole bot (``overall``), one chat
(``per_chat``, every chat type) or one group (``per_group``, groups and supergroups):

* :class:`Window` ``(count, period)``, a sliding window: a send is refused when ``count``
  sends were accepted in that scope during the last ``period - tolerance`` seconds;
  ``retry_after`` is the wait until the oldest of them leaves the window.
* :class:`Bucket` ``(rate, burst)``, a token bucket: ``burst`` sends may go at once, then
  one per ``1/rate`` seconds (``Bucket(1.0, 1)`` is a strict one-per-second interval).
  Implemented as GCRA, so ``retry_after`` is the exact wait for the next token.

``retry_after`` is rounded up to whole seconds, at least 1, as Telegram sends it. Defaults:
30 sends/s overall (window), 1 send/s per chat with a burst of 3 (bucket; Telegram itself
lets a few quick messages to one chat through), 20 sends/min per group (window), 20 ms of
tolerance for timer and network jitter. With ``penalty`` on, a 429 also opens a penalty
window of ``retry_after`` seconds for its scope (the chat, or the whole bot for
``overall``) during which every further send there is refused with 429 too. Only
accepted sends use up a limit.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.botapi.errors import APIError, too_many_requests


@dataclass(slots=True)
class Window:
    """At most ``count`` sends in any ``period`` seconds (a sliding window)."""

    count: int
    period: float

    def new_state(self) -> Any:
        return deque()

    def wait(self, state: Any, now: float, tolerance: float) -> float | None:
        """Seconds until a send is allowed, or ``None`` if it is allowed now."""
        times: deque[float] = state
        horizon = now - self.period + tolerance
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) < self.count:
            return None
        return times[-self.count] + self.period - tolerance - now

    def take(self, state: Any, now: float) -> None:
        state.append(now)


@dataclass(slots=True)
class Bucket:
    """``burst`` sends at once, refilled at ``rate`` sends per second (a token bucket)."""

    rate: float
    burst: int = 1

    def new_state(self) -> Any:
        return [0.0]  # GCRA's theoretical arrival time of the next send

    def wait(self, state: Any, now: float, tolerance: float) -> float | None:
        interval = 1.0 / self.rate
        allowed_at = state[0] - (self.burst - 1) * interval - tolerance
        return None if now >= allowed_at else allowed_at - now

    def take(self, state: Any, now: float) -> None:
        state[0] = max(state[0], now) + 1.0 / self.rate


Rule = Window | Bucket


def rule_from_json(value: dict[str, Any] | None) -> Rule | None:
    """``{"count": 30, "period": 1}`` → Window, ``{"rate": 1, "burst": 3}`` → Bucket."""
    if value is None:
        return None
    if "rate" in value:
        return Bucket(float(value["rate"]), int(value.get("burst", 1)))
    return Window(int(value["count"]), float(value["period"]))


@dataclass(slots=True)
class RateLimits:
    """Which limits are enforced; set a rule to ``None`` to switch it off."""

    overall: Rule | None = field(default_factory=lambda: Window(30, 1.0))
    per_chat: Rule | None = field(default_factory=lambda: Bucket(1.0, 3))
    per_group: Rule | None = field(default_factory=lambda: Window(20, 60.0))
    tolerance: float = 0.02  # seconds of slack for timer and network jitter
    penalty: bool = True

    @classmethod
    def off(cls) -> RateLimits:
        return cls(overall=None, per_chat=None, per_group=None, penalty=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial JSON description, e.g. ``{"per_chat": {"count": 1, "period": 1}}``."""
        for name in ("overall", "per_chat", "per_group"):
            if name in changes:
                setattr(self, name, rule_from_json(changes[name]))
        if "tolerance" in changes:
            self.tolerance = float(changes["tolerance"])
        if "penalty" in changes:
            self.penalty = bool(changes["penalty"])


@dataclass(slots=True)
class Injection:
    """A failure answered to the next ``remaining`` matching calls."""

    error_code: int
    description: str
    remaining: int
    parameters: dict[str, Any] | None = None
    methods: frozenset[str] | None = None  # lowercase names; None = the sending methods
    disconnect: bool = False  # drop the connection instead of answering
    deliver: bool = False  # with disconnect: accept the message first

    def error(self) -> APIError:
        return APIError(self.error_code, self.description, self.parameters)


def _retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


class Limiter:
    """Rule states per scope and penalty windows; every check is O(1) amortised."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.states: dict[tuple[str, int], tuple[Rule, Any]] = {}
        self.global_penalty = 0.0
        self.chat_penalty: dict[int, float] = {}

    def reset(self) -> None:
        self.states.clear()
        self.global_penalty = 0.0
        self.chat_penalty.clear()

    def penalised(self, chat_id: int, now: float) -> APIError | None:
        """429 if the chat or the bot is inside a penalty window."""
        if not self.limits.penalty:
            return None
        until = max(self.global_penalty, self.chat_penalty.get(chat_id, 0.0))
        if now < until - self.limits.tolerance:
            return too_many_requests(_retry_after(until - now))
        return None

    def punish(self, chat_id: int | None, retry_after: int, now: float) -> None:
        if not self.limits.penalty:
            return
        if chat_id is None:
            self.global_penalty = max(self.global_penalty, now + retry_after)
        else:
            until = max(self.chat_penalty.get(chat_id, 0.0), now + retry_after)
            self.chat_penalty[chat_id] = until

    def _scopes(self, chat_id: int, is_group: bool) -> list[tuple[str, int, Rule]]:
        limits = self.limits
        scopes: list[tuple[str, int, Rule]] = []
        if limits.overall is not None:
            scopes.append(("overall", 0, limits.overall))
        if limits.per_chat is not None:
            scopes.append(("chat", chat_id, limits.per_chat))
        if is_group and limits.per_group is not None:
            scopes.append(("group", chat_id, limits.per_group))
        return scopes

    def _state(self, name: str, key: int, rule: Rule) -> Any:
        entry = self.states.get((name, key))
        if entry is None or entry[0] is not rule:  # new scope, or the rule was replaced
            entry = (rule, rule.new_state())
            self.states[name, key] = entry
        return entry[1]

    def admit(self, chat_id: int, is_group: bool, now: float) -> tuple[str, APIError] | None:
        """Count a send, or return the rule it breaks (``overall``/``chat``/``group``)
        with its 429 (and open the penalty window)."""
        scopes = self._scopes(chat_id, is_group)
        for name, key, rule in scopes:
            wait = rule.wait(self._state(name, key, rule), now, self.limits.tolerance)
            if wait is not None:
                retry_after = _retry_after(wait)
                self.punish(None if name == "overall" else chat_id, retry_after, now)
                return name, too_many_requests(retry_after)
        for name, key, rule in scopes:
            rule.take(self._state(name, key, rule), now)
        return None
