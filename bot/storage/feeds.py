"""The feeds table: the RSS/Atom feeds polled while the bot runs, with their poll state.

Times are Unix seconds (UTC). The poller owns the schedule (``next_poll_at``) and the
conditional-GET validators; admins add, pause and remove rows at run time. A removed feed
stays as a row, marked removed and paused, so that ``FEEDS`` does not bring it back.
"""

from __future__ import annotations

import time as _time
from collections.abc import Collection, Iterable, Sequence

from bot.errors import IntegrityError
from bot.storage.records import Feed
from bot.storage.rows import FEED_COLUMNS, feed_from_row, tags_json
from bot.storage.sql import Database

# Removed feeds stay as rows (see remove); every read of feeds in use says so.
IN_USE = "removed_at IS NULL"
# /addfeed of a removed feed: back in use as if new, with the settings given now.
REVIVE = (
    "removed_at = NULL, paused = 0, title = COALESCE(excluded.title, feeds.title), "
    "rubric = excluded.rubric, tags = excluded.tags, next_poll_at = excluded.next_poll_at, "
    "etag = NULL, last_modified = NULL, last_error = NULL, error_count = 0 "
    "WHERE feeds.removed_at IS NOT NULL"
)
_ADD = (
    "INSERT INTO feeds (url, title, rubric, tags, next_poll_at, created_at) "
    f"VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (url) DO UPDATE SET {REVIVE} "
    f"RETURNING {FEED_COLUMNS}"
)
_SYNC = (
    "INSERT INTO feeds (url, rubric, tags, next_poll_at, created_at) "
    "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (url) DO NOTHING"
)
_SUCCESS = (
    "UPDATE feeds SET etag = $2, last_modified = $3, title = COALESCE($4, title), "
    "ttl_s = $5, next_poll_at = $6, last_polled_at = $7, last_ok_at = $7, "
    "last_error = NULL, error_count = 0, items_ingested = items_ingested + $8 WHERE id = $1"
)
_NOT_MODIFIED = (
    "UPDATE feeds SET etag = COALESCE($2, etag), last_modified = COALESCE($3, last_modified), "
    "next_poll_at = $4, last_polled_at = $5, last_ok_at = $5, last_error = NULL, "
    "error_count = 0 WHERE id = $1"
)
_ERROR = (
    "UPDATE feeds SET last_error = $2, error_count = error_count + 1, next_poll_at = $3, "
    "last_polled_at = $4 WHERE id = $1"
)


class FeedRepo:
    """SQL for the feeds table."""

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
        first_poll = now if next_poll_at is None else next_poll_at
        async with self.db.transaction() as tx:
            values = (url, title, rubric, tags_json(tags), first_poll, now)
            row = await tx.fetchrow(_ADD, *values)
            if row is not None:
                return feed_from_row(row), True
            # ON CONFLICT waited for any writer of this URL, so its row is visible now.
            row = await tx.fetchrow(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = $1", url)
        assert row is not None
        return feed_from_row(row), False

    async def sync(
        self, specs: Iterable[tuple[str, str | None, Sequence[str]]], *, now: int
    ) -> int:
        """Add configured feeds ``(url, rubric, tags)`` that are missing; returns how many.

        A feed already stored keeps its state; its rubric and tags follow the configuration
        when the configuration names them. A feed removed in Telegram stays removed.
        """
        added = 0
        async with self.db.transaction() as tx:
            for url, rubric, tags in specs:
                if await tx.execute(_SYNC, url, rubric, tags_json(tags), now):
                    added += 1
                    continue
                if rubric is not None:
                    await tx.execute("UPDATE feeds SET rubric = $1 WHERE url = $2", rubric, url)
                if tags:
                    await tx.execute(
                        "UPDATE feeds SET tags = $1 WHERE url = $2", tags_json(tags), url
                    )
        return added

    async def get(self, feed_id: int) -> Feed | None:
        sql = f"SELECT {FEED_COLUMNS} FROM feeds WHERE id = $1 AND {IN_USE}"
        row = await self.db.fetchrow(sql, feed_id)
        return feed_from_row(row) if row else None

    async def find(self, ref: str) -> Feed | None:
        """A feed by its number (``3`` or ``#3``) or its exact URL."""
        ref = ref.strip()
        number = ref.removeprefix("#")
        if number.isdigit():  # also true of "²": only ASCII digits make a feed number
            return await self.get(int(number)) if number.isascii() and len(number) < 19 else None
        sql = f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = $1 AND {IN_USE}"
        row = await self.db.fetchrow(sql, ref)
        return feed_from_row(row) if row else None

    async def all(self) -> list[Feed]:
        rows = await self.db.fetch(f"SELECT {FEED_COLUMNS} FROM feeds WHERE {IN_USE} ORDER BY id")
        return [feed_from_row(r) for r in rows]

    async def due(
        self, now: int, *, limit: int = 100, exclude: Collection[int] = ()
    ) -> list[Feed]:
        """Active feeds whose poll time has come, the longest-waiting first."""
        d = self.db.dialect
        rows = await self.db.fetch(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE paused = 0 AND next_poll_at <= $1 "
            f"AND NOT (id {d.any(2)}) ORDER BY next_poll_at, id LIMIT $3",
            now,
            d.array([int(i) for i in exclude]),
            limit,
        )
        return [feed_from_row(r) for r in rows]

    async def next_poll_at(self, *, exclude: Collection[int] = ()) -> int | None:
        """The earliest scheduled poll of an active feed not in ``exclude``, if any."""
        d = self.db.dialect
        value = await self.db.fetchval(
            f"SELECT MIN(next_poll_at) FROM feeds WHERE paused = 0 AND NOT (id {d.any(1)})",
            d.array([int(i) for i in exclude]),
        )
        return None if value is None else int(value)

    async def move(self, feed_id: int, url: str) -> bool:
        """The feed moved permanently: store its new URL; False if another feed has it."""
        try:
            return bool(
                await self.db.execute(
                    "UPDATE feeds SET url = $2 WHERE id = $1 AND NOT EXISTS "
                    "(SELECT 1 FROM feeds WHERE url = $2)",
                    feed_id,
                    url,
                )
            )
        except IntegrityError:  # another writer took the URL meanwhile
            return False

    async def remove(self, feed_id: int) -> bool:
        """Stop and forget a feed (its articles stay); False if there was none."""
        sql = f"UPDATE feeds SET removed_at = $2, paused = 1 WHERE id = $1 AND {IN_USE}"
        return bool(await self.db.execute(sql, feed_id, int(_time.time())))

    async def set_paused(self, feed_id: int, paused: bool, *, now: int) -> bool:
        """Pause or resume; a resumed feed is polled at once and its error count reset."""
        if paused:
            sql = f"UPDATE feeds SET paused = 1 WHERE id = $1 AND {IN_USE}"
            return bool(await self.db.execute(sql, feed_id))
        sql = (
            "UPDATE feeds SET paused = 0, next_poll_at = $2, error_count = 0 "
            f"WHERE id = $1 AND {IN_USE}"
        )
        return bool(await self.db.execute(sql, feed_id, now))

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
        if modified:
            values = (feed_id, etag, last_modified, title, ttl_s, next_poll_at, now, items)
            await self.db.execute(_SUCCESS, *values)
        else:
            await self.db.execute(_NOT_MODIFIED, feed_id, etag, last_modified, next_poll_at, now)

    async def record_error(self, feed_id: int, *, now: int, error: str, next_poll_at: int) -> None:
        """A failed poll: the message is kept for ``/feeds`` and the error count grows."""
        await self.db.execute(_ERROR, feed_id, error, next_poll_at, now)
