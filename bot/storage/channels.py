"""Channels run from a private chat: which user added which channel, and which one the
user's private chat acts for.

A channel is an ordinary chat (type ``channel``) with its own subscriptions and settings;
this table only pairs it with the users who added it. Whether a user may still change a
channel is Telegram's to say, and is asked again before each change (see
:mod:`bot.channels`); storage only remembers. At most one of a user's channels is
*selected*: while it is, the user's commands in the private chat act for that channel.
"""

from __future__ import annotations

import time

from bot.models import Chat
from bot.storage.rows import CHAT_COLUMNS, chat_from_row
from bot.storage.sql import Database

_COLUMNS = ", ".join(f"c.{name.strip()}" for name in CHAT_COLUMNS.split(","))
_PAIRED = f"SELECT {_COLUMNS} FROM channel_admins AS a JOIN chats AS c ON c.id = a.channel_id"


class ChannelRepo:
    """The ``channel_admins`` table: (user, channel) pairs and the selected channel."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, user_id: int, channel_id: int) -> None:
        """Pair the user with the channel (both chats must exist) and select it."""
        now = int(time.time())
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channel_admins (user_id, channel_id, added_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (user_id, channel_id) DO NOTHING",
                user_id,
                channel_id,
                now,
            )
            await _select(tx, user_id, channel_id, now)

    async def of_user(self, user_id: int) -> list[Chat]:
        """The channels the user added, by title."""
        rows = await self.db.fetch(f"{_PAIRED} WHERE a.user_id = $1", user_id)
        chats = [chat_from_row(row) for row in rows]
        return sorted(chats, key=lambda chat: ((chat.title or "").casefold(), chat.id))

    async def get(self, user_id: int, channel_id: int) -> Chat | None:
        """The channel, if this user added it."""
        row = await self.db.fetchrow(
            f"{_PAIRED} WHERE a.user_id = $1 AND a.channel_id = $2", user_id, channel_id
        )
        return chat_from_row(row) if row is not None else None

    async def selected(self, user_id: int) -> Chat | None:
        """The channel the user's private chat acts for, if any."""
        row = await self.db.fetchrow(
            f"{_PAIRED} WHERE a.user_id = $1 AND a.selected_at IS NOT NULL", user_id
        )
        return chat_from_row(row) if row is not None else None

    async def select(self, user_id: int, channel_id: int | None) -> bool:
        """Act for this channel (``None``: for the private chat itself); False if the user
        never added it."""
        async with self.db.transaction() as tx:
            return await _select(tx, user_id, channel_id, int(time.time()))

    async def forget(self, user_id: int, channel_id: int) -> bool:
        """The user no longer runs the channel (lost its rights); the channel stays."""
        sql = "DELETE FROM channel_admins WHERE user_id = $1 AND channel_id = $2"
        return await self.db.execute(sql, user_id, channel_id) > 0

    async def remove(self, channel_id: int) -> bool:
        """Stop serving the channel: its chat row goes, with its subscriptions and pairs."""
        sql = "DELETE FROM chats WHERE id = $1 AND type = 'channel'"
        return await self.db.execute(sql, channel_id) > 0


async def _select(db: Database, user_id: int, channel_id: int | None, now: int) -> bool:
    pair = "SELECT 1 FROM channel_admins WHERE user_id = $1 AND channel_id = $2"
    if channel_id is not None and await db.fetchval(pair, user_id, channel_id) is None:
        return False
    await db.execute(
        "UPDATE channel_admins SET selected_at = NULL "
        "WHERE user_id = $1 AND selected_at IS NOT NULL",
        user_id,
    )
    if channel_id is not None:
        sql = "UPDATE channel_admins SET selected_at = $3 WHERE user_id = $1 AND channel_id = $2"
        await db.execute(sql, user_id, channel_id, now)
    return True
