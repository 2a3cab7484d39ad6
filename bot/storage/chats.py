"""Chats, their subscriptions and digest settings, and /stats counts.

A subscription names a tag by key (see :func:`bot.text.tags.tag_key`) and keeps the
display form the user saw, so a chat may subscribe to a tag before it has articles.
Changing a chat's schedule, zone or pause clears ``next_digest_at``; the digest planner
recomputes it. Button references are in :mod:`bot.storage.refs`.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Sequence
from datetime import time
from typing import Any

from bot.errors import IntegrityError
from bot.models import Chat, Tag
from bot.storage.follows import merge_follows
from bot.storage.records import Stats
from bot.storage.refs import ButtonRefs
from bot.storage.rows import (
    CHAT_COLUMNS,
    chat_from_row,
    grouped,
    maybe_seconds,
    quiet_text,
    times_text,
)
from bot.storage.sql import Database

_STATS = (
    "SELECT c.chats, c.active_chats, c.private_chats, c.group_chats, "
    "(SELECT COUNT(*) FROM subscriptions s JOIN chats ch ON ch.id = s.chat_id "
    " WHERE ch.active = 1) AS subscriptions, "
    "(SELECT COUNT(*) FROM articles) AS articles, "
    "(SELECT COUNT(*) FROM tags WHERE article_count > 0) AS tags, "
    # Both outbox counts read partial indexes: the outbox keeps every sent row.
    "(SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')) AS pending, "
    "(SELECT COUNT(*) FROM outbox WHERE status = 'failed') AS failed, "
    "(SELECT value FROM meta WHERE key = 'last_ingest_at') AS meta_ingest "
    "FROM (SELECT COUNT(*) AS chats, "
    "COUNT(*) FILTER (WHERE active = 1) AS active_chats, "
    "COUNT(*) FILTER (WHERE active = 1 AND type = 'private') AS private_chats, "
    "COUNT(*) FILTER (WHERE active = 1 AND type <> 'private') AS group_chats "
    "FROM chats) AS c"
)


_UPSERT = (
    "INSERT INTO chats (id, type, title, language, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $5) "
    "ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, "
    "language = COALESCE(excluded.language, chats.language), active = 1, "
    f"updated_at = excluded.updated_at RETURNING {CHAT_COLUMNS}"
)
_SUBSCRIBE = (
    "INSERT INTO subscriptions (chat_id, tag_key, display, created_at, thread_id) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chat_id, tag_key) DO NOTHING"
)
_BIND = "UPDATE subscriptions SET thread_id = $3 WHERE chat_id = $1 AND tag_key = $2"
_UNSUBSCRIBE = (
    "DELETE FROM subscriptions WHERE chat_id = $1 AND tag_key = $2 RETURNING tag_key, display"
)
_MOVE = (
    "UPDATE chats SET id = $1, type = 'supergroup', next_digest_at = NULL, updated_at = $2 "
    "WHERE id = $3"
)
_MERGE_SUBSCRIPTIONS = (
    "INSERT INTO subscriptions (chat_id, tag_key, display, created_at) "
    "SELECT $1, tag_key, display, created_at FROM subscriptions WHERE chat_id = $2 "
    "ON CONFLICT (chat_id, tag_key) DO NOTHING"
)
_MERGE_RECEIVED = (
    "INSERT INTO received (chat_id, story, at) SELECT $1, story, at FROM received "
    "WHERE chat_id = $2 ON CONFLICT (chat_id, story) DO NOTHING"
)
_MERGE_SETTINGS = (
    "UPDATE chats AS n SET timezone = COALESCE(n.timezone, o.timezone), "
    "digest_time = COALESCE(n.digest_time, o.digest_time), "
    "digest_days = CASE WHEN n.digest_time IS NULL THEN o.digest_days ELSE n.digest_days END, "
    "quiet_hours = COALESCE(n.quiet_hours, o.quiet_hours), "
    "quiet_silent = CASE WHEN n.quiet_hours IS NULL THEN o.quiet_silent "
    "ELSE n.quiet_silent END, "
    "language = COALESCE(n.language, o.language), "
    "digest_cursor = CASE WHEN o.digest_cursor > n.digest_cursor "
    "THEN o.digest_cursor ELSE n.digest_cursor END, "
    "next_digest_at = NULL, updated_at = $3 FROM chats AS o WHERE n.id = $1 AND o.id = $2"
)


def _now() -> int:
    return int(_time.time())


class ChatRepo(ButtonRefs):
    """Chats and subscriptions; every write is one short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- chats -------------------------------------------------------------------------

    async def get(self, chat_id: int, *, with_subscriptions: bool = False) -> Chat | None:
        """The chat, or ``None``; ``subscriptions`` is filled only when asked for."""
        row = await self.db.fetchrow(f"SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1", chat_id)
        if row is None:
            return None
        subs = await self.subscriptions(chat_id) if with_subscriptions else None
        return chat_from_row(row, subs)

    async def upsert(
        self,
        chat_id: int,
        *,
        type: str = "private",
        title: str | None = None,
        language: str | None = None,
    ) -> Chat:
        """Remember a chat (or refresh its type/title/language) and mark it active."""
        row = await self.db.fetchrow(_UPSERT, chat_id, type, title, language, _now())
        assert row is not None  # RETURNING gives the row inserted or updated
        return chat_from_row(row)

    async def deactivate(self, chat_id: int) -> bool:
        """Mark a chat inactive (the bot was blocked or removed); True if it was active."""
        return await self._update(chat_id, "active = 0", (), only_if="active = 1")

    async def set_language(self, chat_id: int, language: str) -> bool:
        return await self._update(chat_id, "language = $3", (language,))

    async def set_timezone(self, chat_id: int, timezone: str | None) -> bool:
        """``None`` returns the chat to ``DEFAULT_TIMEZONE``."""
        return await self._update(chat_id, "timezone = $3, next_digest_at = NULL", (timezone,))

    async def set_digest_time(self, chat_id: int, digest_time: time | None) -> bool:
        """One digest a day; ``None`` returns the chat to ``DIGEST_TIME``."""
        return await self.set_schedule(chat_id, () if digest_time is None else (digest_time,))

    async def set_schedule(
        self, chat_id: int, times: Sequence[time], days: int | None = None
    ) -> bool:
        """The digest times (none: ``DIGEST_TIME``) and, when given, the weekdays (a mask)."""
        value = times_text(sorted(set(times)))
        if days is None:
            return await self._update(chat_id, "digest_time = $3, next_digest_at = NULL", (value,))
        assignments = "digest_time = $3, digest_days = $4, next_digest_at = NULL"
        return await self._update(chat_id, assignments, (value, days))

    async def set_digest_days(self, chat_id: int, days: int) -> bool:
        """The weekdays of the digest: a mask, bit 0 Monday (``EVERY_DAY`` for all)."""
        return await self._update(chat_id, "digest_days = $3, next_digest_at = NULL", (days,))

    async def set_quiet_hours(self, chat_id: int, hours: tuple[time, time] | None) -> bool:
        """Quiet hours from the first local time to the second; ``None`` for none."""
        value = quiet_text(*hours) if hours is not None else None
        return await self._update(chat_id, "quiet_hours = $3", (value,))

    async def set_quiet_silent(self, chat_id: int, silent: bool) -> bool:
        """Alerts in quiet hours arrive silently (True) or wait for the end (False)."""
        return await self._update(chat_id, "quiet_silent = $3", (int(silent),))

    async def set_paused(self, chat_id: int, paused: bool) -> bool:
        return await self._update(chat_id, "paused = $3, next_digest_at = NULL", (int(paused),))

    async def _update(
        self, chat_id: int, assignments: str, params: Sequence[Any], only_if: str = "1 = 1"
    ) -> bool:
        # $1 is the chat, $2 the time; the assignments number their own values from $3.
        sql = f"UPDATE chats SET {assignments}, updated_at = $2 WHERE id = $1 AND {only_if}"
        return await self.db.execute(sql, chat_id, _now(), *params) > 0

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: move the chat, its settings and subscriptions.

        Idempotent, and safe when the new chat was already seen: subscriptions are merged
        and the old row removed. True if anything moved.
        """
        async with self.db.transaction() as tx:
            lock = f"SELECT 1 FROM chats WHERE id = $1{tx.dialect.for_update}"
            # The lock makes a second migration of the same group wait, then find nothing.
            if await tx.fetchval(lock, old_id) is None:
                return False
            if await tx.fetchval(lock, new_id) is None:
                try:
                    async with tx.transaction() as moving:  # should the id be taken now
                        # ON UPDATE CASCADE carries the subscriptions along.
                        await moving.execute(_MOVE, new_id, _now(), old_id)
                    return True
                except IntegrityError:
                    pass  # the supergroup wrote to us meanwhile: merge into its row
            await _merge(tx, old_id, new_id)
            return True

    # -- subscriptions -----------------------------------------------------------------

    async def subscriptions(self, chat_id: int) -> list[Tag]:
        """The chat's tags (key and display form), in the order they were added."""
        return [tag for tag, _, _ in (await subscriptions(self.db, [chat_id])).get(chat_id, [])]

    async def subscribed_keys(self, chat_id: int) -> set[str]:
        sql = "SELECT tag_key FROM subscriptions WHERE chat_id = $1"
        return {row[0] for row in await self.db.fetch(sql, chat_id)}

    async def subscribe(
        self, chat_id: int, tags: Iterable[Tag], thread_id: int | None = None
    ) -> list[Tag]:
        """Add subscriptions (the chat must exist), their digest sections bound to the forum
        topic ``thread_id`` if given; returns the tags that were new."""
        added: list[Tag] = []
        now = _now()
        async with self.db.transaction() as tx:
            for tag in tags:
                if await tx.execute(_SUBSCRIBE, chat_id, tag.key, tag.display, now, thread_id):
                    added.append(tag)
        return added

    async def bind(self, chat_id: int, keys: Iterable[str], thread_id: int | None) -> int:
        """Send the digest sections of subscribed tags to a forum topic (``None``: to the
        chat itself); how many subscriptions it named."""
        rows = [(chat_id, key, thread_id) for key in keys]
        async with self.db.transaction() as tx:
            await tx.executemany(_BIND, rows)
        return len(rows)

    async def threads(self, chat_id: int) -> dict[str, int]:
        """The forum topic of each subscription bound to one, by tag key."""
        found = (await subscriptions(self.db, [chat_id])).get(chat_id, [])
        return {tag.key: thread for tag, _, thread in found if thread is not None}

    async def unsubscribe(self, chat_id: int, keys: Iterable[str]) -> list[Tag]:
        """Remove subscriptions by tag key; returns the removed tags with their display form."""
        removed: list[Tag] = []
        async with self.db.transaction() as tx:
            for key in keys:
                if (row := await tx.fetchrow(_UNSUBSCRIBE, chat_id, key)) is not None:
                    removed.append(Tag(key=row[0], display=row[1]))
        return removed

    # -- /stats ------------------------------------------------------------------------

    async def stats(self) -> Stats:
        """Counts over chats, subscriptions, articles, tags, digest runs and the outbox."""
        counts = await self.db.fetchrow(_STATS)
        assert counts is not None
        run = await self.db.fetchrow(
            "SELECT started_at, finished_at, sent, failed FROM digest_runs "
            "ORDER BY id DESC LIMIT 1"
        )
        meta_ingest = counts["meta_ingest"]
        if meta_ingest is not None and str(meta_ingest).isdigit():
            last_ingest = int(meta_ingest)
        else:
            last_ingest = await self.db.fetchval(
                "SELECT ingested_at FROM articles ORDER BY id DESC LIMIT 1"
            )
        return Stats(
            chats=counts["chats"],
            active_chats=counts["active_chats"],
            private_chats=counts["private_chats"],
            group_chats=counts["group_chats"],
            subscriptions=counts["subscriptions"],
            articles=counts["articles"],
            tags=counts["tags"],
            last_ingest_at=maybe_seconds(last_ingest),
            last_run_started_at=maybe_seconds(run["started_at"]) if run else None,
            last_run_finished_at=maybe_seconds(run["finished_at"]) if run else None,
            last_run_sent=run["sent"] if run else 0,
            last_run_failed=run["failed"] if run else 0,
            outbox_pending=counts["pending"],
            outbox_failed=counts["failed"],
        )


async def subscriptions(
    db: Database, chat_ids: Sequence[int]
) -> dict[int, list[tuple[Tag, int, int | None]]]:
    """The chats' tags, each chat's in the order they were added: each with when it was
    added (Unix seconds) and the forum topic its digest section goes to (``None``: none)."""
    d = db.dialect
    # COLLATE "C" orders ties by code point, as SQLite's BINARY collation does.
    rows = await db.fetch(
        "SELECT chat_id, tag_key, display, created_at, thread_id FROM subscriptions "
        f'WHERE chat_id {d.any(1)} ORDER BY chat_id, created_at, display COLLATE "{d.binary}"',
        d.array(chat_ids),
    )
    return grouped(
        (chat, (Tag(key, display), at, thread)) for chat, key, display, at, thread in rows
    )


async def _merge(db: Database, old_id: int, new_id: int) -> None:
    """Merge the old chat into the new one's row: its subscriptions and unset settings."""
    await db.execute(_MERGE_SUBSCRIPTIONS, new_id, old_id)
    await db.execute(_MERGE_RECEIVED, new_id, old_id)
    await merge_follows(db, old_id, new_id)
    await db.execute(_MERGE_SETTINGS, new_id, old_id, _now())
    await db.execute("DELETE FROM chats WHERE id = $1", old_id)
