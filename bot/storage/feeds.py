"""The feeds table: the RSS/Atom feeds polled while the bot runs, with their poll state.

Times are Unix seconds (UTC). The poller owns the schedule (``next_poll_at``) and the
conditional-GET validators; admins add, pause and remove rows at run time.
"""

from __future__ import annotations

import json
import time as _time
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from bot.storage.db import Database
from bot.storage.records import Feed

FEED_COLUMNS = (
    "id, url, title, rubric, tags, paused, interval_s, ttl_s, etag, last_modified, "
    "next_poll_at, last_polled_at, last_ok_at, last_error, error_count, items_ingested, "
    "created_at"
)
# Removed feeds stay as rows (see remove); every read of feeds in use says so.
IN_USE = "removed_at IS NULL"
# /addfeed of a removed feed: back in use as if new, with the settings given now.
REVIVE = (
    "removed_at = NULL, paused = 0, title = COALESCE(excluded.title, feeds.title), "
    "rubric = excluded.rubric, tags = excluded.tags, next_poll_at = excluded.next_poll_at, "
    "etag = NULL, last_modified = NULL, last_error = NULL, error_count = 0 "
    "WHERE feeds.removed_at IS NOT NULL"
)


def feed_from_row(row: Any) -> Feed:
    """A ``Feed`` from a row of the feeds table (the columns of ``FEED_COLUMNS``)."""
    return Feed(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        rubric=row["rubric"],
        tags=tuple(json.loads(row["tags"] or "[]")),
        paused=bool(row["paused"]),
        interval_s=row["interval_s"],
        ttl_s=row["ttl_s"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        next_poll_at=row["next_poll_at"],
        last_polled_at=row["last_polled_at"],
        last_ok_at=row["last_ok_at"],
        last_error=row["last_error"],
        error_count=row["error_count"],
        items_ingested=row["items_ingested"],
        created_at=row["created_at"],
    )


def tags_json(tags: Sequence[str]) -> str:
    """Tags as stored: JSON text, Cyrillic kept readable."""
    return json.dumps(list(tags), ensure_ascii=False)


class FeedRepo:
    """SQL for the feeds table; every write goes through :meth:`Database.write`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        url: str,
        *,
        now: int,
        rubric: str | None = None,
        tags: Sequence[str] = (),
        title: str | None = None,
        next_poll_at: int | None = None,
    ) -> tuple[Feed, bool]:
        """The feed with this URL and whether it was created now (False: it existed).

        A feed removed earlier is brought back as if new: resumed, with the given settings.
        """
        async with self.db.write() as conn:
            first_poll = now if next_poll_at is None else next_poll_at
            cur = await conn.execute(
                "INSERT INTO feeds (url, title, rubric, tags, next_poll_at, created_at) "
                f"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET {REVIVE}",
                (url, title, rubric, tags_json(tags), first_poll, now),
            )
            created = cur.rowcount == 1
            async with conn.execute(
                f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?", (url,)
            ) as c:
                row = await c.fetchone()
        assert row is not None  # inserted or already there, inside one transaction
        return feed_from_row(row), created

    async def sync(
        self, specs: Iterable[tuple[str, str | None, Sequence[str]]], *, now: int
    ) -> int:
        """Add configured feeds ``(url, rubric, tags)`` that are missing; returns how many.

        A feed already stored keeps its state; its rubric and tags follow the configuration
        when the configuration names them. A feed removed in Telegram stays removed.
        """
        added = 0
        async with self.db.write() as conn:
            for url, rubric, tags in specs:
                cur = await conn.execute(
                    "INSERT INTO feeds (url, rubric, tags, next_poll_at, created_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
                    (url, rubric, tags_json(tags), now, now),
                )
                if cur.rowcount == 1:
                    added += 1
                    continue
                if rubric is not None:
                    await conn.execute("UPDATE feeds SET rubric = ? WHERE url = ?", (rubric, url))
                if tags:
                    await conn.execute(
                        "UPDATE feeds SET tags = ? WHERE url = ?", (tags_json(tags), url)
                    )
        return added

    async def get(self, feed_id: int) -> Feed | None:
        async with self.db.conn.execute(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE id = ? AND {IN_USE}", (feed_id,)
        ) as cur:
            row = await cur.fetchone()
        return feed_from_row(row) if row else None

    async def find(self, ref: str) -> Feed | None:
        """A feed by its number (``3`` or ``#3``) or its exact URL."""
        ref = ref.strip()
        number = ref.removeprefix("#")
        if number.isdigit():
            return await self.get(int(number))
        async with self.db.conn.execute(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ? AND {IN_USE}", (ref,)
        ) as cur:
            row = await cur.fetchone()
        return feed_from_row(row) if row else None

    async def all(self) -> list[Feed]:
        async with self.db.conn.execute(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE {IN_USE} ORDER BY id"
        ) as cur:
            rows = await cur.fetchall()
        return [feed_from_row(r) for r in rows]

    async def due(
        self, now: int, *, limit: int = 100, exclude: Collection[int] = ()
    ) -> list[Feed]:
        """Active feeds whose poll time has come, the longest-waiting first."""
        async with self.db.conn.execute(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE paused = 0 AND next_poll_at <= ? "
            "ORDER BY next_poll_at, id LIMIT ?",
            (now, limit + len(exclude)),
        ) as cur:
            rows = await cur.fetchall()
        return [f for f in map(feed_from_row, rows) if f.id not in exclude][:limit]

    async def next_poll_at(self, *, exclude: Collection[int] = ()) -> int | None:
        """The earliest scheduled poll of an active feed not in ``exclude``, if any."""
        ids = [int(i) for i in exclude]
        not_in = f" AND id NOT IN ({', '.join('?' * len(ids))})" if ids else ""
        async with self.db.conn.execute(
            f"SELECT MIN(next_poll_at) FROM feeds WHERE paused = 0{not_in}", ids
        ) as cur:
            row = await cur.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    async def move(self, feed_id: int, url: str) -> bool:
        """The feed moved permanently: store its new URL; False if another feed has it."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE feeds SET url = ? WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM feeds WHERE url = ?)",
                (url, feed_id, url),
            )
            return cur.rowcount == 1

    async def remove(self, feed_id: int) -> bool:
        """Stop and forget a feed (its articles stay); False if there was none.

        The row stays, marked removed and paused, so that ``FEEDS`` does not bring it back.
        """
        async with self.db.write() as conn:
            cur = await conn.execute(
                f"UPDATE feeds SET removed_at = ?, paused = 1 WHERE id = ? AND {IN_USE}",
                (int(_time.time()), feed_id),
            )
            return cur.rowcount == 1

    async def set_paused(self, feed_id: int, paused: bool, *, now: int) -> bool:
        """Pause or resume; a resumed feed is polled at once and its error count reset."""
        async with self.db.write() as conn:
            if paused:
                cur = await conn.execute(
                    f"UPDATE feeds SET paused = 1 WHERE id = ? AND {IN_USE}", (feed_id,)
                )
            else:
                cur = await conn.execute(
                    "UPDATE feeds SET paused = 0, next_poll_at = ?, error_count = 0 "
                    f"WHERE id = ? AND {IN_USE}",
                    (now, feed_id),
                )
            return cur.rowcount == 1

    async def record_success(
        self,
        feed_id: int,
        *,
        now: int,
        next_poll_at: int,
        items: int = 0,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        ttl_s: int | None = None,
        modified: bool = True,
    ) -> None:
        """A poll that worked (``modified=False``: 304 Not Modified, validators kept)."""
        async with self.db.write() as conn:
            if modified:
                await conn.execute(
                    "UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(?, title), "
                    "ttl_s = ?, next_poll_at = ?, last_polled_at = ?, last_ok_at = ?, "
                    "last_error = NULL, error_count = 0, items_ingested = items_ingested + ? "
                    "WHERE id = ?",
                    (etag, last_modified, title, ttl_s, next_poll_at, now, now, items, feed_id),
                )
            else:
                await conn.execute(
                    "UPDATE feeds SET etag = COALESCE(?, etag), "
                    "last_modified = COALESCE(?, last_modified), next_poll_at = ?, "
                    "last_polled_at = ?, last_ok_at = ?, last_error = NULL, error_count = 0 "
                    "WHERE id = ?",
                    (etag, last_modified, next_poll_at, now, now, feed_id),
                )

    async def record_error(self, feed_id: int, *, now: int, error: str, next_poll_at: int) -> None:
        """A failed poll: the message is kept for ``/feeds`` and the error count grows."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE feeds SET last_error = ?, error_count = error_count + 1, "
                "next_poll_at = ?, last_polled_at = ? WHERE id = ?",
                (error, next_poll_at, now, feed_id),
            )
