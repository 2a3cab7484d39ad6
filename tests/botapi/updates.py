"""The bot's update queue with ``getUpdates`` semantics.

``offset`` confirms (drops) every update with a smaller id, a negative ``offset`` keeps only
the last ``-offset`` updates, ``limit`` is clamped to 1..100, and ``timeout`` makes the call
wait until an update arrives. A second ``getUpdates`` while one is waiting ends the first
with 409 "Conflict: terminated by other getUpdates request …", as Telegram does when two
copies of a bot poll at once. ``allowed_updates`` is remembered and filters updates queued
afterwards; the default leaves out ``chat_member``, ``message_reaction`` and
``message_reaction_count``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from tests.botapi.errors import conflict

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Pending updates in arrival order, with one long-polling reader at a time."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.pending: deque[dict[str, Any]] = deque()
        self.last_update_id = 0
        self.allowed: frozenset[str] | None = None
        self.dropped = 0  # updates not queued because of allowed_updates
        self.delivered = 0
        self._waiter: asyncio.Future[None] | None = None
        self._on_change = on_change

    @property
    def polling(self) -> bool:
        """True while a ``getUpdates`` call is waiting for an update."""
        return self._waiter is not None and not self._waiter.done()

    def allows(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def set_allowed(self, allowed: list[str] | None) -> None:
        if allowed is None:
            return
        self.allowed = frozenset(allowed) if allowed else None

    def push(self, body: dict[str, Any]) -> int | None:
        """Queue an update (``update_id`` is assigned); ``None`` if filtered out."""
        if not self.allows(update_type(body)):
            self.dropped += 1
            return None
        self.last_update_id += 1
        update = {"update_id": self.last_update_id, **body}
        self.pending.append(update)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return self.last_update_id

    def confirm(self, offset: int) -> None:
        if offset > 0:
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        elif offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()

    def take(self, limit: int) -> list[dict[str, Any]]:
        batch = [update for _, update in zip(range(limit), self.pending, strict=False)]
        self.delivered += len(batch)
        return batch

    def clear(self) -> None:
        self.pending.clear()

    def interrupt(self) -> None:
        """End a waiting long poll with 409 (another reader, or a webhook, took over)."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(conflict(TERMINATED))
        self._waiter = None

    def release(self) -> None:
        """End a waiting long poll early with whatever is pending (on shutdown)."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(
        self,
        offset: int | None,
        limit: int,
        timeout: float,  # noqa: ASYNC109 - the getUpdates parameter
    ) -> list[dict[str, Any]]:
        self.interrupt()
        if offset is not None:
            self.confirm(offset)
        limit = min(max(limit, 1), 100)
        if self.pending or timeout <= 0:
            return self.take(limit)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        self._on_change()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            return []
        finally:
            if self._waiter is waiter:
                self._waiter = None
                if not waiter.done():
                    waiter.cancel()
        return self.take(limit)
