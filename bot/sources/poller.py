"""The feed poller: every active feed on its own schedule, a bounded number at once.

Schedule. After a good poll a feed is due again after its interval — ``FEED_INTERVAL_SECONDS``
(10 minutes) or the feed's own ``<ttl>`` if longer, never before a ``Retry-After`` —
plus up to 10 % jitter so that feeds added together drift apart. After the n-th failure in
a row it waits ``interval × 2^(n-1)``, capped at a day; the error is kept for ``/feeds``.

Isolation. At most ``concurrency`` feeds (8) are fetched at once; the loop starts the next
due feed as soon as any slot frees, so a slow feed holds one slot until its timeout and
never a whole round.

Nothing twice. The stored ETag and Last-Modified make most polls a 304 with no body; a 200
whose body is byte-identical to the last one is treated the same; of a changed feed only
the items whose raw fields changed become articles, and the article store deduplicates by
link in any case.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import Enum
from zoneinfo import ZoneInfo

from bot.config import FeedSpec, Settings
from bot.errors import SourceError, StorageError
from bot.ingest import Ingester
from bot.metrics import Metrics
from bot.sources.feeds import parse_feed
from bot.sources.http import Fetcher, FetchError, FetchResult
from bot.sources.limits import DEFAULT_MAX_ARTICLE_BYTES
from bot.storage import Feed, Storage

logger = logging.getLogger(__name__)

DAY_S = 86_400


class Outcome(Enum):
    """What one poll of one feed came to."""

    INGESTED = "ingested"  # a new body was parsed (it may still hold no new item)
    UNCHANGED = "unchanged"  # 304, or the same bytes as last time
    FAILED = "failed"


@dataclass(slots=True)
class _Memory:
    """What the last good poll of a feed saw, to skip work the next time."""

    body_hash: bytes
    fingerprints: dict[str, str]


@dataclass(slots=True)
class RoundStats:
    """Counts of one :meth:`FeedPoller.poll_round`, for tests and benchmarks."""

    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    added: int = 0

    @property
    def polled(self) -> int:
        return sum(self.outcomes.values())


class FeedPoller:
    """A worker polling the feeds table until cancelled (see the module docstring)."""

    name = "feeds"

    def __init__(
        self,
        store: Storage,
        *,
        interval_s: int = 600,
        concurrency: int = 8,
        zone: tzinfo = UTC,
        summary_chars: int = 300,
        max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
        configured: Sequence[FeedSpec] = (),
        fetcher: Fetcher | None = None,
        clock: Callable[[], float] = time.time,
        jitter: float = 0.1,
        idle_s: float = 5.0,
        metrics: Metrics | None = None,
        ingester: Ingester | None = None,
    ) -> None:
        self.store = store
        self.ingester = ingester or Ingester(store)
        self.metrics = metrics or Metrics()
        self.interval_s = interval_s
        self.concurrency = concurrency
        self.zone = zone
        self.summary_chars = summary_chars
        self.max_article_bytes = max_article_bytes
        self.configured = list(configured)
        self.fetcher = fetcher or Fetcher(connections=concurrency * 2)
        self._owns_fetcher = fetcher is None
        self.clock = clock
        self.jitter = jitter
        self.idle_s = idle_s
        self._memory: dict[int, _Memory] = {}
        self._running: dict[int, asyncio.Task[Outcome]] = {}
        self.articles_added = 0  # since the start, for logs and benchmarks

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: Storage,
        metrics: Metrics | None = None,
        ingester: Ingester | None = None,
    ) -> FeedPoller:
        return cls(
            store,
            metrics=metrics,
            ingester=ingester,
            interval_s=settings.feed_interval_seconds,
            zone=ZoneInfo(settings.default_timezone),
            summary_chars=settings.summary_chars,
            max_article_bytes=settings.max_article_bytes,
            configured=settings.feeds,
        )

    async def sync_configured(self) -> int:
        """Add the ``FEEDS`` of the configuration that the table lacks."""
        added = await self.store.feeds.sync(
            ((s.url, s.rubric, s.tags) for s in self.configured), now=int(self.clock())
        )
        if added:
            logger.info("added %d configured feed(s)", added)
        return added

    async def run(self) -> None:
        await self.sync_configured()
        try:
            while True:
                try:
                    await self._start_due()
                    await self._wait()
                except StorageError as exc:
                    logger.warning("feed schedule unreadable, retrying: %s", exc)
                    await asyncio.sleep(self.idle_s)
        finally:
            for task in self._running.values():
                task.cancel()
            await asyncio.gather(*self._running.values(), return_exceptions=True)
            self._running.clear()
            if self._owns_fetcher:
                await self.fetcher.close()

    async def _start_due(self) -> None:
        free = self.concurrency - len(self._running)
        if free <= 0:
            return
        due = await self.store.feeds.due(
            math.floor(self.clock()), limit=free, exclude=self._running.keys()
        )
        for feed in due:
            task = asyncio.create_task(self.poll_feed(feed), name=f"feed-{feed.id}")
            self._running[feed.id] = task
            task.add_done_callback(functools.partial(self._finished, feed.id))

    def _finished(self, feed_id: int, task: asyncio.Task[Outcome]) -> None:
        self._running.pop(feed_id, None)
        if not task.cancelled() and task.exception() is not None:
            # Only recording a failure can fail here (the database); the feed stays due.
            logger.error("feed %d: poll not recorded", feed_id, exc_info=task.exception())

    async def _wait(self) -> None:
        """Until a slot frees, the next feed is due, or ``idle_s`` passes (to see new feeds)."""
        timeout = self.idle_s
        if len(self._running) < self.concurrency:
            next_at = await self.store.feeds.next_poll_at(exclude=self._running.keys())
            if next_at is not None:
                timeout = min(timeout, max(0.0, next_at - self.clock()))
        if self._running:
            await asyncio.wait(
                list(self._running.values()), timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        else:
            await asyncio.sleep(timeout)

    async def poll_round(self) -> RoundStats:
        """Poll every due feed now, ``concurrency`` at once, and wait for all of them."""
        stats = RoundStats()
        due = await self.store.feeds.due(math.floor(self.clock()), limit=1_000_000)
        slots = asyncio.Semaphore(self.concurrency)
        added_before = self.articles_added

        async def one(feed: Feed) -> None:
            async with slots:
                stats.outcomes[await self.poll_feed(feed)] += 1

        await asyncio.gather(*(one(f) for f in due))
        stats.added = self.articles_added - added_before
        return stats

    async def poll_feed(self, feed: Feed) -> Outcome:
        """Fetch, parse and store one feed, and schedule its next poll; never raises."""
        try:
            return await self._poll(feed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not stop the other feeds; it is logged in full
            logger.exception("feed %s: unexpected error", feed.url)
            await self._failed(feed, f"internal error: {type(exc).__name__}", None)
            return Outcome.FAILED

    async def _poll(self, feed: Feed) -> Outcome:
        try:
            fetched = await self.fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified
            )
        except FetchError as exc:
            await self._failed(feed, str(exc), exc.retry_after)
            return Outcome.FAILED
        if fetched.moved_to is not None:
            await self._moved(feed, fetched.moved_to)
        now = self.clock()
        body_hash = hashlib.blake2b(fetched.body, digest_size=16).digest()
        memory = self._memory.get(feed.id)
        if fetched.not_modified or (memory is not None and memory.body_hash == body_hash):
            await self.store.feeds.record_success(
                feed.id,
                now=int(now),
                next_poll_at=self._next_ok(feed, feed.ttl_s, fetched.retry_after),
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                modified=False,
            )
            logger.debug("feed %s: not modified", feed.url)
            return Outcome.UNCHANGED
        return await self._ingest(feed, fetched, body_hash, memory)

    async def _ingest(
        self, feed: Feed, fetched: FetchResult, body_hash: bytes, memory: _Memory | None
    ) -> Outcome:
        try:
            parsed = await asyncio.to_thread(
                parse_feed,
                fetched.body,
                feed.url,
                location=fetched.url,
                rubric=feed.rubric,
                tags=feed.tags,
                zone=self.zone,
                now=datetime.fromtimestamp(self.clock(), UTC),
                content_type=fetched.content_type,
                known=memory.fingerprints if memory else None,
                summary_chars=self.summary_chars,
                max_article_bytes=self.max_article_bytes,
            )
        except SourceError as exc:
            await self._failed(feed, str(exc), fetched.retry_after)
            return Outcome.FAILED
        for reason in parsed.skipped:
            logger.info("feed %s: item left out: %s", feed.url, reason)
        added = 0
        if parsed.articles:
            try:
                result = await self.ingester.store(parsed.articles)
            except StorageError as exc:
                await self._failed(feed, f"cannot store articles: {exc}", None)
                return Outcome.FAILED
            added = result.added
            self.articles_added += added
            self.metrics.articles.labels("feed").inc(added)
            logger.info(
                "feed %s: %d new, %d updated, %d unchanged",
                feed.url,
                result.added,
                result.updated,
                result.unchanged,
            )
        self._memory[feed.id] = _Memory(body_hash, parsed.fingerprints)
        await self.store.feeds.record_success(
            feed.id,
            now=int(self.clock()),
            next_poll_at=self._next_ok(feed, parsed.ttl_s, fetched.retry_after),
            items=added,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            title=parsed.title,
            ttl_s=parsed.ttl_s,
        )
        return Outcome.INGESTED

    async def _moved(self, feed: Feed, url: str) -> None:
        """A permanent redirect: poll the new address from now on (FEEDS is the operator's)."""
        if any(spec.url == feed.url for spec in self.configured):
            logger.warning("feed %s moved permanently to %s; update FEEDS", feed.url, url)
        elif await self.store.feeds.move(feed.id, url):
            logger.info("feed %s moved permanently to %s; polling it there", feed.url, url)
        else:
            logger.warning("feed %s moved to %s, which another feed already reads", feed.url, url)

    async def _failed(self, feed: Feed, error: str, retry_after: float | None) -> None:
        self.metrics.feed_errors.inc()
        failures = feed.error_count + 1
        delay = min(self.interval(feed, feed.ttl_s) * 2 ** min(failures - 1, 20), DAY_S)
        next_at = self._schedule(delay, retry_after)
        logger.warning(
            "feed %s: %s (failure %d in a row; next try in %d s)",
            feed.url,
            error,
            failures,
            next_at - int(self.clock()),
        )
        self._memory.pop(feed.id, None)
        await self.store.feeds.record_error(
            feed.id, now=int(self.clock()), error=error[:500], next_poll_at=next_at
        )

    def interval(self, feed: Feed, ttl_s: int | None) -> int:
        """The feed's own interval, or the default; never shorter than its ``<ttl>``."""
        base = feed.interval_s or self.interval_s
        return min(max(base, ttl_s or 0), DAY_S)

    def _next_ok(self, feed: Feed, ttl_s: int | None, retry_after: float | None) -> int:
        return self._schedule(self.interval(feed, ttl_s), retry_after)

    def _schedule(self, delay: float, retry_after: float | None) -> int:
        if retry_after is not None:
            delay = max(delay, min(retry_after, DAY_S))
        delay *= 1 + random.uniform(0, self.jitter)
        return math.ceil(self.clock() + min(delay, DAY_S))
