"""Followed phrases, mutes and each subscription's mode: what a chat wants, and how fast.

A follow is kept as written (``phrase``) and as the key it matches by (``normalized``, see
:mod:`bot.follows.phrase`); a chat follows a key once, and at most ``limit`` keys. A mute
hides a tag or words until a time, or until unmuted; an expired one is left in place and
ignored (the next mute of the same target replaces it). Every change bumps meta
``alert_rules``, so the alert worker knows to read the rules again.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.follows import Follow, Mute, Phrase
from bot.storage.rows import SET_META, from_seconds, grouped, to_seconds
from bot.storage.sql import Database, Row

RULES_META = "alert_rules"

_FOLLOW_COLUMNS = "chat_id, phrase, normalized, mode, excluded, id, created_at, thread_id"


@dataclass(frozen=True, slots=True)
class Followed:
    """What :meth:`FollowRepo.add` did: ``added``, ``exists`` (the key was followed already;
    ``follow`` is that one) or ``full`` (the chat follows ``limit`` phrases; ``follow`` None)."""

    status: str
    follow: Follow | None


@dataclass(frozen=True, slots=True)
class Rule:
    """One instant rule for the alert worker's index: a chat and a tag key or a phrase key."""

    chat_id: int
    kind: str  # "tag" or "phrase"
    key: str


def _follow(row: Row) -> Follow:
    return Follow(
        chat_id=row[0],
        phrase=row[1],
        key=row[2],
        mode=row[3],
        excluded=tuple(json.loads(row[4])),
        id=row[5],
        created_at=from_seconds(row[6]),
        thread_id=row[7],
    )


def _mute(row: Row) -> Mute:
    until = row[4]
    return Mute(row[0], row[1], row[2], row[3], None if until is None else from_seconds(until))


class FollowRepo:
    """The ``follows`` and ``mutes`` tables, and ``subscriptions.mode``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- follows -----------------------------------------------------------------------

    async def add(
        self,
        chat_id: int,
        phrase: Phrase,
        *,
        limit: int,
        mode: str = "digest",
        thread_id: int | None = None,
    ) -> Followed:
        """Follow a phrase (the chat must exist), unless its key is followed already or the
        chat follows ``limit`` phrases; ``thread_id``: the forum topic its alerts go to."""
        async with self.db.transaction() as tx:
            # The chat's row lock makes two follows at once count one after the other.
            await tx.fetchval(f"SELECT 1 FROM chats WHERE id = $1{tx.dialect.for_update}", chat_id)
            row = await tx.fetchrow(
                f"SELECT {_FOLLOW_COLUMNS} FROM follows WHERE chat_id = $1 AND normalized = $2",
                chat_id,
                phrase.key,
            )
            if row is not None:
                return Followed("exists", _follow(row))
            count = await tx.fetchval("SELECT COUNT(*) FROM follows WHERE chat_id = $1", chat_id)
            if count >= limit:
                return Followed("full", None)
            row = await tx.fetchrow(
                "INSERT INTO follows (chat_id, phrase, normalized, excluded, mode, thread_id, "
                f"created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_FOLLOW_COLUMNS}",
                chat_id,
                phrase.text,
                phrase.key,
                json.dumps(list(phrase.excluded), ensure_ascii=False),
                mode,
                thread_id,
                int(time.time()),
            )
            assert row is not None
            await _bump(tx)
            return Followed("added", _follow(row))

    async def remove(self, chat_id: int, key: str) -> Follow | None:
        """Stop following the phrase of this key; the follow removed, or None."""
        async with self.db.transaction() as tx:
            row = await tx.fetchrow(
                "DELETE FROM follows WHERE chat_id = $1 AND normalized = $2 "
                f"RETURNING {_FOLLOW_COLUMNS}",
                chat_id,
                key,
            )
            if row is not None:
                await _bump(tx)
            return None if row is None else _follow(row)

    async def get(self, chat_id: int, follow_id: int) -> Follow | None:
        row = await self.db.fetchrow(
            f"SELECT {_FOLLOW_COLUMNS} FROM follows WHERE chat_id = $1 AND id = $2",
            chat_id,
            follow_id,
        )
        return None if row is None else _follow(row)

    async def follows(self, chat_id: int) -> list[Follow]:
        """The chat's follows, in the order they were made."""
        return (await self.of_chats([chat_id])).get(chat_id, [])

    async def of_chats(self, chat_ids: Sequence[int]) -> dict[int, list[Follow]]:
        """The chats' follows, each chat's in the order they were made."""
        d = self.db.dialect
        rows = await self.db.fetch(
            f"SELECT {_FOLLOW_COLUMNS} FROM follows WHERE chat_id {d.any(1)} ORDER BY chat_id, id",
            d.array(chat_ids),
        )
        return grouped((row[0], _follow(row)) for row in rows)

    async def set_mode(self, chat_id: int, key: str, mode: str) -> bool:
        """Change a follow's mode; False if the chat does not follow that key."""
        sql = "UPDATE follows SET mode = $3 WHERE chat_id = $1 AND normalized = $2"
        return await self._change(sql, chat_id, key, mode)

    async def bind(self, chat_id: int, key: str, thread_id: int | None) -> bool:
        """Send a follow's alerts to a forum topic (``None``: to the chat itself)."""
        changed = await self.db.execute(
            "UPDATE follows SET thread_id = $3 WHERE chat_id = $1 AND normalized = $2",
            chat_id,
            key,
            thread_id,
        )
        return changed > 0

    # -- subscriptions' modes ----------------------------------------------------------

    async def set_subscription_mode(self, chat_id: int, tag_key: str, mode: str) -> bool:
        """Change a subscription's mode; False if the chat is not subscribed to the tag."""
        sql = "UPDATE subscriptions SET mode = $3 WHERE chat_id = $1 AND tag_key = $2"
        return await self._change(sql, chat_id, tag_key, mode)

    async def subscription_modes(self, chat_id: int) -> dict[str, str]:
        """The mode of each of the chat's subscriptions, by tag key."""
        rows = await self.db.fetch(
            "SELECT tag_key, mode FROM subscriptions WHERE chat_id = $1", chat_id
        )
        return {row[0]: row[1] for row in rows}

    # -- mutes -------------------------------------------------------------------------

    async def mute(
        self, chat_id: int, kind: str, key: str, display: str, until: datetime | None
    ) -> None:
        """Hide a tag or words from the chat until ``until`` (None: until unmuted)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO mutes (chat_id, kind, key, display, until, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (chat_id, kind, key) DO UPDATE "
                "SET display = excluded.display, until = excluded.until, "
                "created_at = excluded.created_at",
                chat_id,
                kind,
                key,
                display,
                None if until is None else to_seconds(until),
                int(time.time()),
            )
            await _bump(tx)

    async def unmute(self, chat_id: int, kind: str, key: str) -> Mute | None:
        """Lift a mute; the mute lifted (an expired one too), or None."""
        async with self.db.transaction() as tx:
            row = await tx.fetchrow(
                "DELETE FROM mutes WHERE chat_id = $1 AND kind = $2 AND key = $3 "
                "RETURNING chat_id, kind, key, display, until",
                chat_id,
                kind,
                key,
            )
            if row is not None:
                await _bump(tx)
            return None if row is None else _mute(row)

    async def mutes(self, chat_id: int, now: datetime | None = None) -> list[Mute]:
        """The chat's mutes in force at ``now`` (default: now), in the order made."""
        return (await self.mutes_of([chat_id], now)).get(chat_id, [])

    async def mutes_of(
        self, chat_ids: Sequence[int], now: datetime | None = None
    ) -> dict[int, list[Mute]]:
        """The chats' mutes in force at ``now``."""
        d = self.db.dialect
        moment = int(time.time()) if now is None else to_seconds(now)
        rows = await self.db.fetch(
            "SELECT chat_id, kind, key, display, until FROM mutes "
            f"WHERE chat_id {d.any(1)} AND (until IS NULL OR until > $2) "
            "ORDER BY chat_id, created_at, kind, key",
            d.array(chat_ids),
            moment,
        )
        return grouped((row[0], _mute(row)) for row in rows)

    # -- the alert worker's rules ------------------------------------------------------

    async def rules_version(self) -> str:
        """Changes whenever a follow, a mode or a mute does."""
        value = await self.db.fetchval("SELECT value FROM meta WHERE key = $1", RULES_META)
        return str(value or "")

    async def instant_rules(self) -> list[Rule]:
        """Every instant subscription and follow of an active chat."""
        rows = await self.db.fetch(
            "SELECT s.chat_id, 'tag', s.tag_key FROM subscriptions s "
            "JOIN chats c ON c.id = s.chat_id WHERE s.mode = 'instant' AND c.active = 1 "
            "UNION ALL SELECT f.chat_id, 'phrase', f.normalized FROM follows f "
            "JOIN chats c ON c.id = f.chat_id WHERE f.mode = 'instant' AND c.active = 1"
        )
        return [Rule(row[0], row[1], row[2]) for row in rows]

    async def instant_of(
        self, chat_ids: Sequence[int]
    ) -> dict[int, list[tuple[str, str, str, int | None]]]:
        """The chats' instant subscriptions and follows as they are now: (kind, key, label,
        forum topic), the label a ``#tag`` or the phrase as written."""
        d = self.db.dialect
        rows = await self.db.fetch(
            "SELECT chat_id, 'tag', tag_key, display, thread_id FROM subscriptions "
            f"WHERE chat_id {d.any(1)} AND mode = 'instant' "
            "UNION ALL SELECT chat_id, 'phrase', normalized, phrase, thread_id FROM follows "
            f"WHERE chat_id {d.any(1)} AND mode = 'instant'",
            d.array(list(chat_ids)),
        )
        return grouped(
            (chat, (kind, key, "#" + label if kind == "tag" else label.replace('"', ""), thread))
            for chat, kind, key, label, thread in rows
        )

    async def _change(self, sql: str, *args: Any) -> bool:
        """Run an update of the rules; True, and the rules' version bumped, if it changed any."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(sql, *args)
            if changed:
                await _bump(tx)
            return changed > 0


async def _bump(db: Database) -> None:
    await db.execute(SET_META, RULES_META, secrets.token_hex(8))


async def merge_follows(db: Database, old_id: int, new_id: int) -> None:
    """A group's follows and mutes into the supergroup it became (before the old row goes)."""
    await db.execute(
        "INSERT INTO follows (chat_id, phrase, normalized, excluded, mode, thread_id, "
        "created_at) SELECT $1, phrase, normalized, excluded, mode, thread_id, created_at "
        "FROM follows WHERE chat_id = $2 ON CONFLICT (chat_id, normalized) DO NOTHING",
        new_id,
        old_id,
    )
    await db.execute(
        "INSERT INTO mutes (chat_id, kind, key, display, until, created_at) "
        "SELECT $1, kind, key, display, until, created_at FROM mutes WHERE chat_id = $2 "
        "ON CONFLICT (chat_id, kind, key) DO NOTHING",
        new_id,
        old_id,
    )
