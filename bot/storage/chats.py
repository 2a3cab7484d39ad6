"""Chats, their subscriptions and digest settings, button references, and /stats counts.

A subscription names a tag by key (see :func:`bot.text.tags.tag_key`) and keeps the
display form the user saw, so a chat may subscribe to a tag before it has articles.
Changing a chat's time, zone or pause clears ``next_digest_at``; the digest planner
recomputes it.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Any

import aiosqlite

from bot.models import Chat, Tag
from bot.storage.db import Database
from bot.storage.records import Stats

# Button references unused for this long may be pruned (their buttons then say "expired").
REF_TTL_SECONDS = 30 * 86400
REF_TOUCH = 86400  # how often a reference in use has its time of use refreshed


def _now() -> int:
    return int(_time.time())


def _from_unix(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


_CHAT_COLUMNS = (
    "id, type, title, language, timezone, digest_time, paused, active, next_digest_at, "
    "digest_cursor"
)


def chat_from_row(row: aiosqlite.Row, subscriptions: list[Tag] | None = None) -> Chat:
    """A ``Chat`` from a row of the chats table (the columns of ``_CHAT_COLUMNS``)."""
    digest_time = None
    if row["digest_time"]:
        hours, _, minutes = row["digest_time"].partition(":")
        digest_time = time(int(hours), int(minutes))
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        language=row["language"],
        timezone=row["timezone"],
        digest_time=digest_time,
        paused=bool(row["paused"]),
        active=bool(row["active"]),
        next_digest_at=_from_unix(row["next_digest_at"]),
        digest_cursor=row["digest_cursor"],
        subscriptions=subscriptions or [],
    )


class ChatRepo:
    """Chats and subscriptions; every write is one short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- chats -------------------------------------------------------------------------

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # One trip to the database thread (execute + fetch + close), for hot reads.
        return list(await self.db.conn.execute_fetchall(sql, params))

    async def get(self, chat_id: int, *, with_subscriptions: bool = False) -> Chat | None:
        """The chat, or ``None``; ``subscriptions`` is filled only when asked for."""
        rows = await self._rows(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = ?", (chat_id,))
        if not rows:
            return None
        subs = await self.subscriptions(chat_id) if with_subscriptions else None
        return chat_from_row(rows[0], subs)

    async def upsert(
        self,
        chat_id: int,
        *,
        type: str = "private",
        title: str | None = None,
        language: str | None = None,
    ) -> Chat:
        """Remember a chat (or refresh its type/title/language) and mark it active."""
        now = _now()
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO chats (id, type, title, language, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, "
                "language = COALESCE(excluded.language, chats.language), active = 1, "
                "updated_at = excluded.updated_at",
                (chat_id, type, title, language, now, now),
            )
        chat = await self.get(chat_id)
        assert chat is not None
        return chat

    async def deactivate(self, chat_id: int) -> bool:
        """Mark a chat inactive (the bot was blocked or removed); True if it was active."""
        return await self._update(chat_id, "active = 0", (), only_if="active = 1")

    async def set_language(self, chat_id: int, language: str) -> bool:
        return await self._update(chat_id, "language = ?", (language,))

    async def set_timezone(self, chat_id: int, timezone: str | None) -> bool:
        """``None`` returns the chat to ``DEFAULT_TIMEZONE``."""
        return await self._update(chat_id, "timezone = ?, next_digest_at = NULL", (timezone,))

    async def set_digest_time(self, chat_id: int, digest_time: time | None) -> bool:
        """``None`` returns the chat to ``DIGEST_TIME``."""
        value = digest_time.strftime("%H:%M") if digest_time is not None else None
        return await self._update(chat_id, "digest_time = ?, next_digest_at = NULL", (value,))

    async def set_paused(self, chat_id: int, paused: bool) -> bool:
        return await self._update(chat_id, "paused = ?, next_digest_at = NULL", (int(paused),))

    async def _update(
        self, chat_id: int, assignments: str, params: Sequence[Any], only_if: str = "1"
    ) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute(
                f"UPDATE chats SET {assignments}, updated_at = ? WHERE id = ? AND {only_if}",
                (*params, _now(), chat_id),
            )
            return cur.rowcount > 0

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: move the chat, its settings and subscriptions.

        Idempotent, and safe when the new chat was already seen: subscriptions are merged
        and the old row removed. True if anything moved.
        """
        async with self.db.write() as conn:
            async with conn.execute("SELECT 1 FROM chats WHERE id = ?", (old_id,)) as cur:
                if await cur.fetchone() is None:
                    return False
            async with conn.execute("SELECT 1 FROM chats WHERE id = ?", (new_id,)) as cur:
                exists = await cur.fetchone() is not None
            if not exists:
                # ON UPDATE CASCADE carries the subscriptions along.
                await conn.execute(
                    "UPDATE chats SET id = ?, type = 'supergroup', next_digest_at = NULL, "
                    "updated_at = ? WHERE id = ?",
                    (new_id, _now(), old_id),
                )
                return True
            await conn.execute(
                "INSERT OR IGNORE INTO subscriptions (chat_id, tag_key, display, created_at) "
                "SELECT ?, tag_key, display, created_at FROM subscriptions WHERE chat_id = ?",
                (new_id, old_id),
            )
            await conn.execute(
                "UPDATE chats SET "
                "timezone = COALESCE(timezone, (SELECT timezone FROM chats WHERE id = ?)), "
                "digest_time = COALESCE(digest_time, "
                "(SELECT digest_time FROM chats WHERE id = ?)), "
                "language = COALESCE(language, (SELECT language FROM chats WHERE id = ?)), "
                "digest_cursor = MAX(digest_cursor, "
                "(SELECT digest_cursor FROM chats WHERE id = ?)), "
                "next_digest_at = NULL, updated_at = ? WHERE id = ?",
                (old_id, old_id, old_id, old_id, _now(), new_id),
            )
            await conn.execute("DELETE FROM chats WHERE id = ?", (old_id,))
            return True

    # -- subscriptions -----------------------------------------------------------------

    async def subscriptions(self, chat_id: int) -> list[Tag]:
        """The chat's tags (key and display form), in the order they were added."""
        rows = await self._rows(
            "SELECT tag_key, display FROM subscriptions WHERE chat_id = ? "
            "ORDER BY created_at, display",
            (chat_id,),
        )
        return [Tag(key=row["tag_key"], display=row["display"]) for row in rows]

    async def subscribed_keys(self, chat_id: int) -> set[str]:
        rows = await self._rows("SELECT tag_key FROM subscriptions WHERE chat_id = ?", (chat_id,))
        return {row[0] for row in rows}

    async def subscribe(self, chat_id: int, tags: Iterable[Tag]) -> list[Tag]:
        """Add subscriptions (the chat must exist); returns the tags that were new."""
        added: list[Tag] = []
        now = _now()
        async with self.db.write() as conn:
            for tag in tags:
                cur = await conn.execute(
                    "INSERT OR IGNORE INTO subscriptions (chat_id, tag_key, display, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (chat_id, tag.key, tag.display, now),
                )
                if cur.rowcount > 0:
                    added.append(tag)
        return added

    async def unsubscribe(self, chat_id: int, keys: Iterable[str]) -> list[Tag]:
        """Remove subscriptions by tag key; returns the removed tags with their display form."""
        removed: list[Tag] = []
        async with self.db.write() as conn:
            for key in keys:
                async with conn.execute(
                    "DELETE FROM subscriptions WHERE chat_id = ? AND tag_key = ? "
                    "RETURNING tag_key, display",
                    (chat_id, key),
                ) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    removed.append(Tag(key=row[0], display=row[1]))
        return removed

    # -- button references -------------------------------------------------------------

    async def refs(self, values: Sequence[str]) -> list[int]:
        """Short, stable integer references for values too long for a button payload.

        The same value always gets the same reference, so a popular page or tag is one read;
        a write happens only for a new value or to mark an old one as still in use.
        """
        if not values:
            return []
        now = _now()
        unique = list(dict.fromkeys(values))
        known: dict[str, int] = {}
        for first in range(0, len(unique), 500):
            chunk = unique[first : first + 500]
            rows = await self._rows(
                "SELECT id, value, used_at FROM button_refs WHERE value IN "
                f"({', '.join('?' * len(chunk))})",
                chunk,
            )
            known.update(
                (row["value"], int(row["id"])) for row in rows if row["used_at"] > now - REF_TOUCH
            )
        missing = [value for value in unique if value not in known]
        if missing:
            async with self.db.write() as conn:
                for value in missing:
                    async with conn.execute(
                        "INSERT INTO button_refs (value, used_at) VALUES (?, ?) "
                        "ON CONFLICT (value) DO UPDATE SET used_at = excluded.used_at "
                        "RETURNING id",
                        (value, now),
                    ) as cur:
                        row = await cur.fetchone()
                    assert row is not None
                    known[value] = int(row[0])
        return [known[value] for value in values]

    async def ref(self, value: str) -> int:
        return (await self.refs([value]))[0]

    async def deref(self, ref_id: int) -> str | None:
        """The value behind a reference, or ``None`` if it was pruned."""
        rows = await self._rows("SELECT value FROM button_refs WHERE id = ?", (ref_id,))
        return str(rows[0][0]) if rows else None

    async def prune_refs(self, older_than: int = REF_TTL_SECONDS) -> int:
        async with self.db.write() as conn:
            cur = await conn.execute(
                "DELETE FROM button_refs WHERE used_at < ?", (_now() - older_than,)
            )
            return cur.rowcount

    # -- /stats ------------------------------------------------------------------------

    async def stats(self) -> Stats:
        """Counts over chats, subscriptions, articles, tags, digest runs and the outbox."""
        conn = self.db.conn

        async def one(sql: str) -> Any:
            async with conn.execute(sql) as cur:
                row = await cur.fetchone()
            return row[0] if row is not None else None

        async with conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(active), 0), "
            "COALESCE(SUM(active AND type = 'private'), 0), "
            "COALESCE(SUM(active AND type <> 'private'), 0) FROM chats"
        ) as cur:
            chats_row = await cur.fetchone()
        assert chats_row is not None
        async with conn.execute(
            "SELECT started_at, finished_at, sent, failed FROM digest_runs "
            "ORDER BY id DESC LIMIT 1"
        ) as cur:
            run = await cur.fetchone()
        # Both counts read partial indexes: the outbox keeps every sent row.
        outbox = (
            await one("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"),
            await one("SELECT COUNT(*) FROM outbox WHERE status = 'failed'"),
        )
        meta_ingest = await one("SELECT value FROM meta WHERE key = 'last_ingest_at'")
        if meta_ingest is not None and str(meta_ingest).isdigit():
            last_ingest = int(meta_ingest)
        else:
            last_ingest = await one("SELECT ingested_at FROM articles ORDER BY id DESC LIMIT 1")
        return Stats(
            chats=chats_row[0],
            active_chats=chats_row[1],
            private_chats=chats_row[2],
            group_chats=chats_row[3],
            subscriptions=await one(
                "SELECT COUNT(*) FROM subscriptions s JOIN chats c ON c.id = s.chat_id "
                "WHERE c.active = 1"
            ),
            articles=await one("SELECT COUNT(*) FROM articles"),
            tags=await one("SELECT COUNT(*) FROM tags WHERE article_count > 0"),
            last_ingest_at=_from_unix(last_ingest),
            last_run_started_at=_from_unix(run["started_at"]) if run else None,
            last_run_finished_at=_from_unix(run["finished_at"]) if run else None,
            last_run_sent=run["sent"] if run else 0,
            last_run_failed=run["failed"] if run else 0,
            outbox_pending=outbox[0],
            outbox_failed=outbox[1],
        )
