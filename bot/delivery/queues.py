"""The outbox rows a delivery worker holds in memory, chat by chat, and when each chat may go.

A chat's rows wait in id order; the chat is put on :attr:`ChatQueues.ready` (for a sender to
take) only when its next row may go: its own bucket of the pacer and the row's backoff
allow it. A chat is never on the ready queue twice, so at most one sender holds it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable

from bot.delivery.pacing import Pacer
from bot.storage.records import OutboxRow


class ChatQueues:
    """Rows in memory per chat; ``on_empty`` when none are left, ``on_run_left`` when a
    digest run has no row left in memory (it may be finished)."""

    def __init__(
        self,
        pacer: Pacer,
        *,
        on_empty: Callable[[], None],
        on_run_left: Callable[[int], None],
    ) -> None:
        self.pacer = pacer
        self.on_empty = on_empty
        self.on_run_left = on_run_left
        self.ready: asyncio.Queue[int | None] = asyncio.Queue()
        self.loaded = 0  # rows in memory
        self.last_id = 0  # the highest row id loaded
        self._chats: dict[int, deque[OutboxRow]] = {}  # chat -> its rows, in id order
        self._runs: Counter[int] = Counter()  # rows in memory per digest run

    @property
    def empty(self) -> bool:
        return not self._chats

    def add(self, rows: list[OutboxRow]) -> None:
        """Rows just loaded (in id order); a chat new to memory is scheduled."""
        if not rows:
            return
        self.last_id = rows[-1].id
        self.loaded += len(rows)
        self._runs.update(row.run_id for row in rows if row.run_id is not None)
        for row in rows:
            queue = self._chats.get(row.chat_id)
            if queue is None:
                self._chats[row.chat_id] = deque([row])
                self.schedule(row.chat_id)
            else:
                queue.append(row)

    def head(self, chat_id: int) -> OutboxRow | None:
        """The chat's next row, if it still has one."""
        queue = self._chats.get(chat_id)
        return queue[0] if queue else None

    def done(self, row: OutboxRow) -> None:
        """The row left the outbox's open states: on to the chat's next row."""
        queue = self._chats.get(row.chat_id)
        if queue and queue[0] is row:
            queue.popleft()
            self._forget([row])
        self.schedule(row.chat_id)

    def drop(self, chat_id: int) -> None:
        """The chat is gone: forget its rows."""
        self._forget(self._chats.pop(chat_id, deque()))

    def move(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its rows follow it, merged by id with any there."""
        moved = self._chats.pop(old_id)
        for item in moved:
            item.chat_id = new_id
            item.chat_type = "supergroup"
        existing = self._chats.get(new_id)
        if existing is None:
            self._chats[new_id] = moved
            self.schedule(new_id)
        else:  # the supergroup already had rows queued (and is scheduled)
            merged = sorted([*existing, *moved], key=lambda item: item.id)
            existing.clear()
            existing.extend(merged)

    def schedule(self, chat_id: int) -> None:
        """Hand the chat to a sender when its next row may go (pacing and backoff allowing)."""
        queue = self._chats.get(chat_id)
        if not queue:
            self._chats.pop(chat_id, None)
            if not self._chats:
                self.on_empty()
            return
        wall_delay = queue[0].not_before - time.time()
        at = max(self.pacer.chat_ready_at(chat_id), self.pacer.clock() + wall_delay)
        delay = at - self.pacer.clock()
        if delay <= 0:
            self.ready.put_nowait(chat_id)
        else:
            asyncio.get_running_loop().call_later(delay, self.ready.put_nowait, chat_id)

    def clear(self) -> None:
        """Forget everything (stopping): the rows are still pending in the database."""
        self._chats.clear()
        self._runs.clear()
        self.ready = asyncio.Queue()
        self.loaded = 0
        self.last_id = 0

    def _forget(self, rows: Iterable[OutboxRow]) -> None:
        for row in rows:
            self.loaded -= 1
            if row.run_id is not None:
                self._runs[row.run_id] -= 1
                if self._runs[row.run_id] <= 0:
                    del self._runs[row.run_id]
                    self.on_run_left(row.run_id)
