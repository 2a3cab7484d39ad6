"""Adding a feed at run time: check that the URL really is a feed, store it, ingest it.

The admin command ``/addfeed`` calls :func:`add_feed`; doing the first fetch here (rather
than leaving it to the poller) is what lets a wrong URL — a web page, a 404, garbage — get
a clear answer at once, and a good one show its title and first articles.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import urlsplit

from bot.ingest import Ingester
from bot.sources.feeds import NotAFeedError, parse_feed
from bot.sources.http import Fetcher
from bot.storage import Feed, IngestResult, Storage


@dataclass(slots=True)
class AddedFeed:
    """The stored feed; ``created`` is False when it was there already (nothing fetched)."""

    feed: Feed
    created: bool
    result: IngestResult


def check_feed_url(url: str) -> str:
    """The URL if it is absolute http(s); raises :class:`NotAFeedError` otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotAFeedError(
            "expected an http:// or https:// address of an RSS or Atom feed", kind="address"
        )
    return url


async def add_feed(
    store: Storage,
    url: str,
    *,
    rubric: str | None = None,
    tags: Sequence[str] = (),
    fetcher: Fetcher | None = None,
    interval_s: int = 600,
    zone: tzinfo = UTC,
    summary_chars: int = 300,
    now: float | None = None,
    ingester: Ingester | None = None,
) -> AddedFeed:
    """Fetch and parse ``url``, then store the feed and its articles.

    Raises :class:`~bot.sources.http.FetchError` or :class:`NotAFeedError` (both
    :class:`~bot.errors.SourceError`) with a message for the admin; nothing is stored then.
    """
    url = check_feed_url(url)
    existing = await store.feeds.find(url)
    if existing is not None:
        return AddedFeed(existing, created=False, result=IngestResult())
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        fetched = await fetcher.fetch(url)
    finally:
        if own_fetcher:
            await fetcher.close()
    now = time.time() if now is None else now
    parsed = parse_feed(
        fetched.body,
        url,
        location=fetched.url,
        rubric=rubric,
        tags=tags,
        zone=zone,
        now=datetime.fromtimestamp(now, UTC),
        content_type=fetched.content_type,
        summary_chars=summary_chars,
    )
    ingester = ingester or Ingester(store)
    result = await ingester.store(parsed.articles) if parsed.articles else None
    result = result or IngestResult()
    feed, created = await store.feeds.add(
        url, now=int(now), rubric=rubric, tags=tags, title=parsed.title
    )
    if created:
        interval = max(interval_s, parsed.ttl_s or 0)
        await store.feeds.record_success(
            feed.id,
            now=int(now),
            next_poll_at=math.ceil(now + interval),
            items=result.added,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            title=parsed.title,
            ttl_s=parsed.ttl_s,
        )
        feed = await store.feeds.get(feed.id) or feed
    return AddedFeed(feed, created=created, result=result)
