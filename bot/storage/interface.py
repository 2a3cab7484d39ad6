"""What every storage backend provides: the repository protocols and :class:`Storage`.

SQLite (:mod:`bot.storage.sqlite`, the embedded default) and PostgreSQL
(:mod:`bot.storage.postgres`) implement the same five repositories with the same behaviour:
dedup, cursor paging, full-text search, the outbox and its lease. Code outside
``bot/storage`` knows only these protocols, :class:`Storage` and :data:`DATABASE_ERRORS`.
The record types they exchange (``Feed``, ``OutboxRow``, ``DigestRun`` …) are plain
dataclasses defined next to the SQLite repositories and shared by both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Sequence
from datetime import datetime, time
from typing import Protocol

import asyncpg

from bot.errors import StorageError
from bot.models import Article, Chat, Page, Tag
from bot.storage.chats import REF_TTL_SECONDS
from bot.storage.digests import Builder
from bot.storage.records import (
    ClaimResult,
    DigestRun,
    Feed,
    IngestResult,
    Lease,
    OutboxRow,
    Outcomes,
    PlannedDigest,
    Stats,
    Unscheduled,
)

# What a database may raise while the bot runs (a lost connection, a locked file, a
# constraint): background workers catch these, log one line and try again later.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    StorageError,
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,  # a lost connection, a full disk
)


class ArticleStore(Protocol):
    """Stores articles with their tags and serves them by tag, by id and by words."""

    async def upsert_many(
        self, articles: Iterable[Article], *, source_hashes: Iterable[bytes | None] | None = None
    ) -> IngestResult:
        """Store articles in one transaction; same dedup key → update in place or no-op."""
        ...

    async def check_search_index(self) -> bool:
        """Rebuild the search index if it was built by other stemming rules (True if so)."""
        ...

    async def known_sources(self, hashes: Iterable[bytes]) -> set[bytes]:
        """The source hashes already stored: those texts need no parsing again."""
        ...

    async def get(self, article_id: int) -> Article | None: ...

    async def count(self) -> int: ...

    async def max_id(self) -> int: ...

    async def last_ingest_at(self) -> datetime | None:
        """When articles were last ingested (even if none was new), for /stats."""
        ...

    async def latest(
        self, tags: Sequence[str] = (), *, limit: int = 10, cursor: str | None = None
    ) -> Page:
        """Newest first, overall (no tags) or for any of the tags (written forms or keys)."""
        ...

    async def since(
        self, after_id: int, tag_keys: Sequence[str], *, limit: int | None = None
    ) -> list[tuple[Article, frozenset[str]]]:
        """Articles with id > after_id carrying any of the tag keys, newest first, each once."""
        ...

    async def search(self, query: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        """Full-text search; Russian word forms match (выборы ~ выборов)."""
        ...

    def export(
        self, *, since: datetime | None = None, tag: str | None = None
    ) -> AsyncIterator[Article]:
        """Every stored article (oldest first), optionally published since / with a tag."""
        ...

    async def tags(self, *, limit: int | None = None, offset: int = 0) -> list[Tag]:
        """Tags with article counts, most articles first."""
        ...

    async def tag(self, text: str) -> Tag | None:
        """The stored tag for any written form (``#Референдум_2026`` → Референдум-2026)."""
        ...

    async def suggest_tags(self, text: str, *, limit: int = 3) -> list[Tag]:
        """Closest existing tags to an unknown one."""
        ...


class ChatStore(Protocol):
    """Chats and subscriptions; every write is one short transaction."""

    async def get(self, chat_id: int, *, with_subscriptions: bool = False) -> Chat | None:
        """The chat, or ``None``; ``subscriptions`` is filled only when asked for."""
        ...

    async def upsert(
        self,
        chat_id: int,
        *,
        type: str = "private",
        title: str | None = None,
        language: str | None = None,
    ) -> Chat:
        """Remember a chat (or refresh its type/title/language) and mark it active."""
        ...

    async def deactivate(self, chat_id: int) -> bool:
        """Mark a chat inactive (the bot was blocked or removed); True if it was active."""
        ...

    async def set_language(self, chat_id: int, language: str) -> bool: ...

    async def set_timezone(self, chat_id: int, timezone: str | None) -> bool:
        """``None`` returns the chat to ``DEFAULT_TIMEZONE``."""
        ...

    async def set_digest_time(self, chat_id: int, digest_time: time | None) -> bool:
        """``None`` returns the chat to ``DIGEST_TIME``."""
        ...

    async def set_paused(self, chat_id: int, paused: bool) -> bool: ...

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: move the chat, its settings and subscriptions."""
        ...

    async def subscriptions(self, chat_id: int) -> list[Tag]:
        """The chat's tags (key and display form), in the order they were added."""
        ...

    async def subscribed_keys(self, chat_id: int) -> set[str]: ...

    async def subscribe(self, chat_id: int, tags: Iterable[Tag]) -> list[Tag]:
        """Add subscriptions (the chat must exist); returns the tags that were new."""
        ...

    async def unsubscribe(self, chat_id: int, keys: Iterable[str]) -> list[Tag]:
        """Remove subscriptions by tag key; returns the removed tags with their display form."""
        ...

    async def refs(self, values: Sequence[str]) -> list[int]:
        """Short, stable integer references for values too long for a button payload."""
        ...

    async def ref(self, value: str) -> int: ...

    async def deref(self, ref_id: int) -> str | None:
        """The value behind a reference, or ``None`` if it was pruned."""
        ...

    async def prune_refs(self, older_than: int = REF_TTL_SECONDS) -> int: ...

    async def stats(self) -> Stats:
        """Counts over chats, subscriptions, articles, tags, digest runs and the outbox."""
        ...


class FeedStore(Protocol):
    """SQL for the feeds table; every write goes through :meth:`Database.write`."""

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
        """The feed with this URL and whether it was created now (False: it existed)."""
        ...

    async def sync(
        self, specs: Iterable[tuple[str, str | None, Sequence[str]]], *, now: int
    ) -> int:
        """Add configured feeds ``(url, rubric, tags)`` that are missing; returns how many."""
        ...

    async def get(self, feed_id: int) -> Feed | None: ...

    async def find(self, ref: str) -> Feed | None:
        """A feed by its number (``3`` or ``#3``) or its exact URL."""
        ...

    async def all(self) -> list[Feed]: ...

    async def due(
        self, now: int, *, limit: int = 100, exclude: Collection[int] = ()
    ) -> list[Feed]:
        """Active feeds whose poll time has come, the longest-waiting first."""
        ...

    async def next_poll_at(self, *, exclude: Collection[int] = ()) -> int | None:
        """The earliest scheduled poll of an active feed not in ``exclude``, if any."""
        ...

    async def move(self, feed_id: int, url: str) -> bool:
        """The feed moved permanently: store its new URL; False if another feed has it."""
        ...

    async def remove(self, feed_id: int) -> bool:
        """Forget a feed (its articles stay); False if there was none."""
        ...

    async def set_paused(self, feed_id: int, paused: bool, *, now: int) -> bool:
        """Pause or resume; a resumed feed is polled at once and its error count reset."""
        ...

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
        ...

    async def record_error(self, feed_id: int, *, now: int, error: str, next_poll_at: int) -> None:
        """A failed poll: the message is kept for ``/feeds`` and the error count grows."""
        ...


class DigestStore(Protocol):
    """Due chats, claims and runs; the digest planner is its only writer."""

    async def unscheduled(self, limit: int = 5000) -> list[Unscheduled]:
        """Active, unpaused chats whose due instant was cleared by a settings change."""
        ...

    async def schedule(self, chats: Sequence[tuple[Unscheduled, datetime]]) -> None:
        """Store due instants, unless the chat's time or zone changed since it was read."""
        ...

    async def next_due_at(self) -> datetime | None:
        """The earliest due instant of any chat, to sleep until it."""
        ...

    async def count_due(self, now: datetime) -> int: ...

    async def claim_due(
        self, now: datetime, limit: int, run_id: int, build: Builder
    ) -> ClaimResult:
        """Claim up to ``limit`` due chats: build their digests and enqueue them, atomically."""
        ...

    async def claim_chat(self, chat_id: int, build: Builder) -> PlannedDigest | None:
        """Build and enqueue one chat's digest now (``/digest``); ``None`` if no such chat."""
        ...

    async def chat(self, chat_id: int) -> Chat | None:
        """The chat with its subscriptions, read without claiming (for a preview)."""
        ...

    async def start_run(self, due_at: datetime) -> int:
        """A new run; runs that a dead process left half-planned are closed first."""
        ...

    async def finish_planning(self, run_id: int) -> DigestRun | None:
        """Mark the run fully planned; returns it if that also finished it (nothing to send)."""
        ...

    async def run(self, run_id: int) -> DigestRun | None: ...

    async def recent_runs(self, limit: int = 10) -> list[DigestRun]:
        """The newest runs first, for /stats."""
        ...


class OutboxStore(Protocol):
    """Rows of the outbox and the delivery lease."""

    def listen(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever this process adds rows, so delivery needn't poll."""
        ...

    def notify(self) -> None: ...

    async def load_pending(self, after_id: int, limit: int) -> list[OutboxRow]:
        """Pending rows with ids above ``after_id``, oldest first."""
        ...

    async def open_count(self) -> int:
        """Rows not yet sent, failed or dropped."""
        ...

    async def record(self, outcomes: Outcomes) -> list[DigestRun]:
        """Write a batch of outcomes; returns the runs this finished."""
        ...

    async def drop_chat(
        self, chat_id: int, run_id: int | None, reason: str
    ) -> tuple[int, list[DigestRun]]:
        """The chat blocked the bot: deactivate it and drop its open rows, with the reason."""
        ...

    async def move_chat(self, old_id: int, new_id: int) -> int:
        """A group became a supergroup: its open rows follow it to the new id."""
        ...

    async def purge(self, older_than_seconds: int) -> int:
        """Forget sent, failed and dropped rows older than the given age."""
        ...

    async def acquire_lease(
        self, owner: str, host: str, pid: int, ttl: float, holder_dead: Callable[[str, int], bool]
    ) -> Lease:
        """Take or renew the right to deliver; a takeover sends the crash window again."""
        ...

    async def release_lease(self, owner: str) -> None: ...

    async def lease_holder(self) -> tuple[str, float] | None:
        """The current holder and when its lease expires (Unix seconds), if any."""
        ...


class InstanceLock(Protocol):
    """A named lock held by one process at a time on one database, freed when it dies.

    The bot's singletons (digest delivery and planning, the feed poller, long polling of
    one token) run only while their process holds the lock; the others wait and take over.
    """

    name: str

    async def acquire(self) -> bool:
        """Take the lock if it is free (never waits); True if this process holds it now."""
        ...

    async def held(self) -> bool:
        """Whether this process still holds the lock (False after a lost connection)."""
        ...

    async def release(self) -> None:
        """Give the lock up (a no-op if it is not held)."""
        ...


class Storage:
    """The five repositories over one database, opened and closed together."""

    backend: str  # "sqlite" or "postgresql"
    articles: ArticleStore
    chats: ChatStore
    feeds: FeedStore
    digests: DigestStore
    outbox: OutboxStore

    async def close(self) -> None:
        raise NotImplementedError

    async def ping(self) -> None:
        """Raise one of :data:`DATABASE_ERRORS` if the database does not answer."""
        raise NotImplementedError

    async def schema_version(self) -> int:
        raise NotImplementedError

    def lock(self, name: str) -> InstanceLock:
        """The instance lock called ``name`` on this database (see :class:`InstanceLock`)."""
        raise NotImplementedError
