"""PostgreSQL chats: the same behaviour as :mod:`bot.storage.chats`.

SQLite serialises writers; here several processes may write at once, so the statements
that could race take row locks (``migrate``) or let ``ON CONFLICT`` settle it (``refs``).
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Any

import asyncpg

from bot.models import Chat, Tag
from bot.storage.chats import REF_TOUCH, REF_TTL_SECONDS, chat_from_row
from bot.storage.postgres.db import PgDatabase
from bot.storage.records import Stats

_CHAT_COLUMNS = (
    "id, type, title, language, timezone, digest_time, paused, active, next_digest_at, "
    "digest_cursor"
)


def _now() -> int:
    return int(_time.time())


def _from_unix(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


class PgChatRepo:
    """Chats and subscriptions; every write is one short transaction."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    # -- chats -------------------------------------------------------------------------

    async def get(self, chat_id: int, *, with_subscriptions: bool = False) -> Chat | None:
        """The chat, or ``None``; ``subscriptions`` is filled only when asked for."""
        row = await self.db.fetchrow(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = $1", chat_id)
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
        now = _now()
        row = await self.db.fetchrow(
            "INSERT INTO chats (id, type, title, language, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $5) "
            "ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, "
            "language = COALESCE(excluded.language, chats.language), active = 1, "
            f"updated_at = excluded.updated_at RETURNING {_CHAT_COLUMNS}",
            chat_id,
            type,
            title,
            language,
            now,
        )
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
        """``None`` returns the chat to ``DIGEST_TIME``."""
        value = digest_time.strftime("%H:%M") if digest_time is not None else None
        return await self._update(chat_id, "digest_time = $3, next_digest_at = NULL", (value,))

    async def set_paused(self, chat_id: int, paused: bool) -> bool:
        return await self._update(chat_id, "paused = $3, next_digest_at = NULL", (int(paused),))

    async def _update(
        self, chat_id: int, assignments: str, params: Sequence[Any], only_if: str = "TRUE"
    ) -> bool:
        # $1 is the chat, $2 the time; the assignments number their own values from $3.
        changed = await self.db.fetchval(
            f"UPDATE chats SET {assignments}, updated_at = $2 WHERE id = $1 AND {only_if} "
            "RETURNING 1",
            chat_id,
            _now(),
            *params,
        )
        return changed is not None

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: move the chat, its settings and subscriptions.

        Idempotent, and safe when the new chat was already seen: subscriptions are merged
        and the old row removed. True if anything moved.
        """
        lock = "SELECT 1 FROM chats WHERE id = $1 FOR UPDATE"
        async with self.db.write() as conn:
            # The lock makes a second migration of the same group wait, then find nothing.
            if await conn.fetchval(lock, old_id) is None:
                return False
            if await conn.fetchval(lock, new_id) is None:
                try:
                    async with conn.transaction():  # a savepoint, should the id be taken now
                        # ON UPDATE CASCADE carries the subscriptions along.
                        await conn.execute(
                            "UPDATE chats SET id = $1, type = 'supergroup', "
                            "next_digest_at = NULL, updated_at = $2 WHERE id = $3",
                            new_id,
                            _now(),
                            old_id,
                        )
                    return True
                except asyncpg.UniqueViolationError:
                    pass  # the supergroup wrote to us meanwhile: merge into its row
            await self._merge(conn, old_id, new_id)
            return True

    @staticmethod
    async def _merge(conn: asyncpg.Connection, old_id: int, new_id: int) -> None:
        await conn.execute(
            "INSERT INTO subscriptions (chat_id, tag_key, display, created_at) "
            "SELECT $1, tag_key, display, created_at FROM subscriptions WHERE chat_id = $2 "
            "ON CONFLICT (chat_id, tag_key) DO NOTHING",
            new_id,
            old_id,
        )
        await conn.execute(
            "UPDATE chats AS n SET timezone = COALESCE(n.timezone, o.timezone), "
            "digest_time = COALESCE(n.digest_time, o.digest_time), "
            "language = COALESCE(n.language, o.language), "
            "digest_cursor = GREATEST(n.digest_cursor, o.digest_cursor), "
            "next_digest_at = NULL, updated_at = $3 FROM chats AS o "
            "WHERE n.id = $1 AND o.id = $2",
            new_id,
            old_id,
            _now(),
        )
        await conn.execute("DELETE FROM chats WHERE id = $1", old_id)

    # -- subscriptions -----------------------------------------------------------------

    async def subscriptions(self, chat_id: int) -> list[Tag]:
        """The chat's tags (key and display form), in the order they were added."""
        # COLLATE "C" orders ties by code point, as SQLite's BINARY collation does.
        rows = await self.db.fetch(
            "SELECT tag_key, display FROM subscriptions WHERE chat_id = $1 "
            'ORDER BY created_at, display COLLATE "C"',
            chat_id,
        )
        return [Tag(key=row["tag_key"], display=row["display"]) for row in rows]

    async def subscribed_keys(self, chat_id: int) -> set[str]:
        rows = await self.db.fetch("SELECT tag_key FROM subscriptions WHERE chat_id = $1", chat_id)
        return {row[0] for row in rows}

    async def subscribe(self, chat_id: int, tags: Iterable[Tag]) -> list[Tag]:
        """Add subscriptions (the chat must exist); returns the tags that were new."""
        added: list[Tag] = []
        now = _now()
        async with self.db.write() as conn:
            for tag in tags:
                inserted = await conn.fetchval(
                    "INSERT INTO subscriptions (chat_id, tag_key, display, created_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (chat_id, tag_key) DO NOTHING "
                    "RETURNING 1",
                    chat_id,
                    tag.key,
                    tag.display,
                    now,
                )
                if inserted is not None:
                    added.append(tag)
        return added

    async def unsubscribe(self, chat_id: int, keys: Iterable[str]) -> list[Tag]:
        """Remove subscriptions by tag key; returns the removed tags with their display form."""
        removed: list[Tag] = []
        async with self.db.write() as conn:
            for key in keys:
                row = await conn.fetchrow(
                    "DELETE FROM subscriptions WHERE chat_id = $1 AND tag_key = $2 "
                    "RETURNING tag_key, display",
                    chat_id,
                    key,
                )
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
        rows = await self.db.fetch(
            "SELECT id, value FROM button_refs WHERE value = ANY($1::text[]) AND used_at > $2",
            unique,
            now - REF_TOUCH,
        )
        known = {row["value"]: int(row["id"]) for row in rows}
        # Sorted, so that two callers writing overlapping values lock them in one order.
        missing = sorted(value for value in unique if value not in known)
        if missing:
            rows = await self.db.fetch(
                "INSERT INTO button_refs (value, used_at) "
                "SELECT value, $2::bigint FROM unnest($1::text[]) WITH ORDINALITY AS t (value, n) "
                "ORDER BY n "
                "ON CONFLICT (value) DO UPDATE SET used_at = excluded.used_at "
                "RETURNING id, value",
                missing,
                now,
            )
            known.update((row["value"], int(row["id"])) for row in rows)
        return [known[value] for value in values]

    async def ref(self, value: str) -> int:
        return (await self.refs([value]))[0]

    async def deref(self, ref_id: int) -> str | None:
        """The value behind a reference, or ``None`` if it was pruned."""
        value = await self.db.fetchval("SELECT value FROM button_refs WHERE id = $1", ref_id)
        return str(value) if value is not None else None

    async def prune_refs(self, older_than: int = REF_TTL_SECONDS) -> int:
        status = await self.db.execute(
            "DELETE FROM button_refs WHERE used_at < $1", _now() - older_than
        )
        return int(status.rsplit(" ", 1)[-1])  # "DELETE <count>"

    # -- /stats ------------------------------------------------------------------------

    async def stats(self) -> Stats:
        """Counts over chats, subscriptions, articles, tags, digest runs and the outbox."""
        counts = await self.db.fetchrow(
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
            last_ingest_at=_from_unix(last_ingest),
            last_run_started_at=_from_unix(run["started_at"]) if run else None,
            last_run_finished_at=_from_unix(run["finished_at"]) if run else None,
            last_run_sent=run["sent"] if run else 0,
            last_run_failed=run["failed"] if run else 0,
            outbox_pending=counts["pending"],
            outbox_failed=counts["failed"],
        )
