"""Adding feeds at run time: one checked by fetching it, or many from an OPML file.

The admin command ``/addfeed`` calls :func:`add_feed`; doing the first fetch here (rather
than leaving it to the poller) is what lets a wrong URL — a web page, a 404, garbage — get
a clear answer at once, and a good one show its title and first articles.

An OPML import (``/importopml``, ``python -m bot feeds import``) fetches nothing: a
hundred feeds checked one by one would keep the admin waiting for minutes. It stores the
feeds in one transaction, all or none, and the poller fetches them; a feed that fails shows
in ``/feeds`` as any other does. :func:`export_opml` writes them back out.
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
from bot.sources.opml import OpmlFeed, Skipped, parse_opml, render_opml
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


@dataclass(slots=True)
class OpmlImport:
    """What an OPML import did: feeds added, and outlines skipped — ``present`` (already
    stored, or twice in the file) or ``bad`` (not a feed address)."""

    source: str
    added: list[Feed]
    present: list[Skipped]
    bad: list[Skipped]

    def lines(self) -> list[str]:
        """Every skipped outline as ``FILE:LINE: reason``, in file order."""
        skipped = sorted([*self.present, *self.bad], key=lambda s: s.line)
        return [f"{self.source}:{s.line}: {s.reason}" for s in skipped]


async def import_opml(
    store: Storage, data: bytes, source: str, *, now: float | None = None
) -> OpmlImport:
    """Store the feeds of an OPML file (one transaction); the poller fetches them.

    Raises :class:`~bot.sources.opml.OpmlError` for a file refused whole (not XML, not
    OPML, over a limit); nothing is stored then.
    """
    outline = parse_opml(data, source)
    bad = list(outline.bad)
    present: list[Skipped] = []
    first_line: dict[str, int] = {}
    wanted: list[OpmlFeed] = []
    for feed in outline.feeds:
        try:
            url = check_feed_url(feed.url)
        except NotAFeedError:
            bad.append(Skipped(feed.line, f"not an http:// or https:// address: {feed.url!r}"))
            continue
        if url in first_line:
            present.append(Skipped(feed.line, f"the same feed as line {first_line[url]}"))
            continue
        first_line[url] = feed.line
        wanted.append(OpmlFeed(feed.line, url, feed.title, feed.rubric, feed.tags))
    stored = {feed.url: feed for feed in await store.feeds.all()}
    added: list[Feed] = []
    moment = int(time.time() if now is None else now)
    async with store.transaction() as tx:
        for feed in wanted:
            known = stored.get(feed.url)
            if known is None:
                known, created = await tx.feeds.add(
                    feed.url, now=moment, rubric=feed.rubric, tags=feed.tags, title=feed.title
                )
                if created:
                    added.append(known)
                    continue
            present.append(Skipped(feed.line, f"already present as feed {known.id}"))
    return OpmlImport(source, added, present, bad)


async def export_opml(store: Storage) -> bytes:
    """Every feed in use (paused ones too) as an OPML document."""
    return render_opml(await store.feeds.all())
