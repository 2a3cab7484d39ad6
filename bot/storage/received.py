"""The stories each chat has been sent, so that none is sent to it again as new.

A story grows as other outlets reprint it; a chat that got it (in a digest or an alert)
should not get it again when a reprint arrives later. Whoever enqueues messages for a chat
marks their stories in the same transaction; whoever plans asks which are already there.
Rows older than the story window are of no further use and are pruned.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from bot.storage.sql import Database

RECEIVED_TTL_SECONDS = 14 * 86400


class ReceivedRepo:
    """The ``received`` table: (chat, story) pairs already sent."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def mark(self, chat_id: int, stories: Iterable[int], at: int | None = None) -> None:
        """Remember that the chat was sent these stories (call inside the enqueuing
        transaction)."""
        moment = int(time.time()) if at is None else at
        rows = [(chat_id, story, moment) for story in dict.fromkeys(stories)]
        if rows:
            await self.db.executemany(
                "INSERT INTO received (chat_id, story, at) VALUES ($1, $2, $3) "
                "ON CONFLICT (chat_id, story) DO NOTHING",
                rows,
            )

    async def seen(self, chat_id: int, stories: Iterable[int]) -> set[int]:
        """Those of ``stories`` the chat was already sent."""
        wanted = list(dict.fromkeys(stories))
        if not wanted:
            return set()
        d = self.db.dialect
        sql = f"SELECT story FROM received WHERE chat_id = $1 AND story {d.any(2)}"
        return {int(row[0]) for row in await self.db.fetch(sql, chat_id, d.array(wanted))}

    async def prune(self, older_than: int = RECEIVED_TTL_SECONDS) -> int:
        """Forget what was sent longer ago than ``older_than`` seconds; how many rows."""
        cutoff = int(time.time()) - older_than
        return await self.db.execute("DELETE FROM received WHERE at < $1", cutoff)
