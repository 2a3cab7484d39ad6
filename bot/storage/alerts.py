"""Instant alerts on their way: the worker's cursor over article ids, and the queue.

The alert worker reads the articles stored past its cursor (ids rise in commit order, see
:mod:`bot.storage.writer`), and in one transaction queues each (chat, article) it matched and
moves the cursor, so a crash either queues an article and moves past it, or neither. A
chat's queued articles wait a short gathering window, then become one message in the outbox
in the transaction that deletes them from the queue and marks their stories received.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.models import Article, Chat
from bot.storage.rows import (
    ARTICLE_COLUMNS,
    CHAT_COLUMNS,
    SET_META,
    article_from_row,
    chat_from_row,
    grouped,
)
from bot.storage.sql import Database

CURSOR_META = "alerts_cursor"


@dataclass(frozen=True, slots=True)
class Waiting:
    """A chat with queued alerts: how many, and since when (Unix seconds)."""

    chat_id: int
    count: int
    since: float


class AlertRepo:
    """The ``alert_queue`` table and meta ``alerts_cursor``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def cursor(self) -> int | None:
        """The highest article id matched so far; None before the worker first ran."""
        value = await self.db.fetchval("SELECT value FROM meta WHERE key = $1", CURSOR_META)
        return None if value is None else int(value)

    async def move(self, cursor: int) -> None:
        await self.db.execute(SET_META, CURSOR_META, str(cursor))

    async def queue(self, pairs: Sequence[tuple[int, int]], at: float, cursor: int) -> None:
        """Queue (chat, article) pairs and move the cursor past them, in one transaction."""
        async with self.db.transaction() as tx:
            if pairs:
                await tx.executemany(
                    "INSERT INTO alert_queue (chat_id, article_id, queued_at) "
                    "SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM chats WHERE id = $1) "
                    "ON CONFLICT (chat_id, article_id) DO NOTHING",
                    [(chat, article, at) for chat, article in pairs],
                )
            await tx.execute(SET_META, CURSOR_META, str(cursor))

    async def waiting(self) -> list[Waiting]:
        """Each chat with queued alerts, the longest waiting first."""
        rows = await self.db.fetch(
            "SELECT chat_id, COUNT(*), MIN(queued_at) FROM alert_queue GROUP BY chat_id "
            "ORDER BY MIN(queued_at), chat_id"
        )
        return [Waiting(row[0], row[1], float(row[2])) for row in rows]

    async def queued(self, chat_id: int) -> list[tuple[int, float]]:
        """The chat's queued article ids with when each was queued, oldest first; lock the
        rows in a transaction where rows can be locked."""
        rows = await self.db.fetch(
            "SELECT article_id, queued_at FROM alert_queue WHERE chat_id = $1 "
            f"ORDER BY article_id{self.db.dialect.for_update}",
            chat_id,
        )
        return [(row[0], float(row[1])) for row in rows]

    async def clear(self, chat_id: int, article_ids: Sequence[int]) -> None:
        d = self.db.dialect
        await self.db.execute(
            f"DELETE FROM alert_queue WHERE chat_id = $1 AND article_id {d.any(2)}",
            chat_id,
            d.array(list(article_ids)),
        )

    async def articles_after(self, cursor: int, limit: int) -> list[Article]:
        """Articles stored past ``cursor``, in id order (the order they were committed)."""
        rows = await self.db.fetch(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > $1 ORDER BY id LIMIT $2",
            cursor,
            limit,
        )
        return [article_from_row(row) for row in rows]

    async def articles(self, ids: Sequence[int]) -> list[Article]:
        """The stored articles of these ids, in id order (removed ones left out)."""
        d = self.db.dialect
        rows = await self.db.fetch(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id {d.any(1)} ORDER BY id",
            d.array(list(ids)),
        )
        return [article_from_row(row) for row in rows]

    async def queued_of(self, chat_ids: Sequence[int]) -> dict[int, list[int]]:
        """The chats' queued article ids, oldest first; locked in a transaction where rows
        can be locked."""
        d = self.db.dialect
        rows = await self.db.fetch(
            f"SELECT chat_id, article_id FROM alert_queue WHERE chat_id {d.any(1)} "
            f"ORDER BY chat_id, article_id{d.for_update}",
            d.array(list(chat_ids)),
        )
        return grouped((chat_id, article_id) for chat_id, article_id in rows)

    async def clear_chats(self, chat_ids: Sequence[int]) -> None:
        d = self.db.dialect
        await self.db.execute(
            f"DELETE FROM alert_queue WHERE chat_id {d.any(1)}", d.array(list(chat_ids))
        )

    async def chats(self, chat_ids: Sequence[int]) -> dict[int, Chat]:
        """The chats of these ids (without their subscriptions)."""
        d = self.db.dialect
        rows = await self.db.fetch(
            f"SELECT {CHAT_COLUMNS} FROM chats WHERE id {d.any(1)}", d.array(list(chat_ids))
        )
        return {chat.id: chat for chat in map(chat_from_row, rows)}

    async def received(self, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which of these (chat, story) pairs the chat was already sent."""
        wanted = list(dict.fromkeys(pairs))
        if not wanted:
            return set()
        rows = await self.db.fetch(
            "SELECT received.chat_id, received.story FROM "
            + self.db.dialect.join_pairs(1, "received", ("chat_id", "story")),
            json.dumps(wanted),
        )
        return {(row[0], row[1]) for row in rows}

    async def mark_received(self, pairs: Sequence[tuple[int, int]], at: int) -> None:
        """Remember that each chat was sent each story ((chat, story) pairs), as
        :meth:`bot.storage.received.ReceivedRepo.mark` does for one chat."""
        if pairs:
            await self.db.executemany(
                "INSERT INTO received (chat_id, story, at) VALUES ($1, $2, $3) "
                "ON CONFLICT (chat_id, story) DO NOTHING",
                [(chat, story, at) for chat, story in dict.fromkeys(pairs)],
            )
