"""Polling feeds from a real HTTP server on 127.0.0.1: conditional GET, failures and
backoff, hanging and redirecting feeds, bounded concurrency, nothing ingested twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import FeedSpec
from bot.sources.feeds import NotAFeedError
from bot.sources.http import Fetcher, FetchError, parse_retry_after
from bot.sources.manage import add_feed
from bot.sources.poller import FeedPoller, Outcome
from bot.storage import Feed, Storage
from tests.sources.conftest import FeedServer, Route, fixture

ALMATY = ZoneInfo("Asia/Almaty")
START = 1_772_600_000.0
KZ = fixture("rss_kz.xml")
NEW_ITEM = """<item><title>Новая новость</title>
<link>https://stepnews.example.kz/news/new.html</link>
<pubDate>Tue, 03 Mar 2026 15:00:00 +0500</pubDate>
<description>Совсем новый текст.</description></item></channel>""".encode()


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(timeout_s=2) as fetcher:
        yield fetcher


def poller(store: Storage, fetcher: Fetcher, clock: Clock, **kwargs: Any) -> FeedPoller:
    return FeedPoller(
        store,
        interval_s=600,
        zone=ALMATY,
        fetcher=fetcher,
        clock=clock,
        jitter=0,
        **kwargs,
    )


async def add(store: Storage, url: str, clock: Clock) -> Feed:
    feed, _ = await store.feeds.add(url, now=int(clock()))
    return feed


async def state(store: Storage, feed: Feed) -> Feed:
    got = await store.feeds.get(feed.id)
    assert got is not None
    return got


async def test_first_poll_ingests_then_a_conditional_get_is_answered_304(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.routes["kz.xml"] = Route(KZ)
    clock = Clock()
    feed = await add(store, feed_server.url("kz.xml"), clock)
    poll = poller(store, fetcher, clock)

    first = await poll.poll_round()
    assert first.outcomes[Outcome.INGESTED] == 1
    assert first.added == 3
    assert await store.articles.count() == 3
    after = await state(store, feed)
    assert after.title == "Степные новости — главное"
    assert after.items_ingested == 3
    assert after.etag
    assert after.last_modified
    assert after.next_poll_at == START + 20 * 60  # the feed's <ttl> is longer than 600 s

    clock.now = after.next_poll_at
    second = await poll.poll_round()
    assert second.outcomes[Outcome.UNCHANGED] == 1
    _path, headers = feed_server.requests[-1]
    assert headers["If-None-Match"] == after.etag
    assert headers["User-Agent"].startswith("Svodka/")
    assert "gzip" in headers["Accept-Encoding"]
    assert await store.articles.count() == 3


async def test_nothing_is_ingested_twice(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    # This server ignores conditional requests and always sends the whole feed.
    feed_server.routes["kz.xml"] = Route(KZ, conditional=False)
    clock = Clock()
    await add(store, feed_server.url("kz.xml"), clock)
    poll = poller(store, fetcher, clock)
    assert (await poll.poll_round()).added == 3

    clock.now += 3600
    same = await poll.poll_round()
    assert same.outcomes[Outcome.UNCHANGED] == 1  # the same bytes are not parsed again

    feed_server.routes["kz.xml"].body = KZ.replace(b"</channel>", NEW_ITEM)
    clock.now += 3600
    changed = await poll.poll_round()
    assert changed.outcomes[Outcome.INGESTED] == 1
    assert changed.added == 1
    assert await store.articles.count() == 4

    # After a restart nothing is remembered, and the store still adds nothing.
    restarted = poller(store, fetcher, clock)
    clock.now += 3600
    assert (await restarted.poll_round()).added == 0
    assert await store.articles.count() == 4


async def test_errors_back_off_exponentially_up_to_a_day(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.routes["kz.xml"] = Route(KZ, status=500)
    clock = Clock()
    feed = await add(store, feed_server.url("kz.xml"), clock)
    poll = poller(store, fetcher, clock)
    waits = []
    for _ in range(10):
        assert (await poll.poll_round()).outcomes[Outcome.FAILED] == 1
        failed = await state(store, feed)
        waits.append(failed.next_poll_at - clock.now)
        clock.now = failed.next_poll_at
    assert waits == [600, 1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400, 86400]
    assert failed.error_count == 10
    assert failed.last_error == "HTTP 500 Internal Server Error"
    assert feed_server.hits("kz.xml") == 10

    feed_server.routes["kz.xml"].status = 200
    await poll.poll_round()
    healed = await state(store, feed)
    assert (healed.error_count, healed.last_error) == (0, None)
    assert healed.next_poll_at == clock.now + 1200


async def test_retry_after_is_respected(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.routes["busy"] = Route(status=503, headers={"Retry-After": "7200"})
    clock = Clock()
    feed = await add(store, feed_server.url("busy"), clock)
    await poller(store, fetcher, clock).poll_round()
    assert (await state(store, feed)).next_poll_at == START + 7200


@pytest.mark.parametrize(
    ("route", "error"),
    [
        (None, "HTTP 404 Not Found"),
        (Route(redirect="loop"), "more than 5 redirects"),
        (Route(b"<rss>" + b" " * 5000 + b"</rss>"), "larger than the 4 KiB limit"),
        (Route(b"<rss>" + b" " * 5000 + b"</rss>", chunked=True), "larger than the 4 KiB"),
        (Route(fixture("page.html"), content_type="text/html"), "this is a web page"),
        (Route(delay=5), "timed out after 1 s"),
    ],
)
async def test_failures_are_shown_with_a_clear_message(
    store: Storage, feed_server: FeedServer, route: Route | None, error: str
) -> None:
    if route is not None:
        feed_server.routes["loop"] = route
    clock = Clock()
    feed = await add(store, feed_server.url("loop"), clock)
    async with Fetcher(timeout_s=1, max_bytes=4096) as small:
        assert (await poller(store, small, clock).poll_round()).outcomes[Outcome.FAILED] == 1
    failed = await state(store, feed)
    assert failed.last_error is not None
    assert error in failed.last_error
    assert failed.error_count == 1


async def test_redirects_and_gzip_are_followed(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.routes["old"] = Route(redirect="moved")
    feed_server.routes["moved"] = Route(redirect="kz.xml.gz")
    feed_server.routes["kz.xml.gz"] = Route(KZ, compress=True)
    clock = Clock()
    feed = await add(store, feed_server.url("old"), clock)
    assert (await poller(store, fetcher, clock).poll_round()).added == 3
    assert (await state(store, feed)).last_error is None


async def test_a_feed_that_moved_for_good_is_polled_at_its_new_address(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.routes["old"] = Route(redirect="newer", redirect_status=301)
    feed_server.routes["newer"] = Route(redirect="kz.xml", redirect_status=308)
    feed_server.routes["kz.xml"] = Route(KZ)
    clock = Clock()
    feed = await add(store, feed_server.url("old"), clock)
    assert (await poller(store, fetcher, clock).poll_round()).added == 3
    assert (await state(store, feed)).url == feed_server.url("kz.xml")


@pytest.mark.parametrize(
    ("statuses", "why"),
    [((301, 302), "a temporary hop"), ((302, 301), "a temporary hop first")],
)
async def test_a_temporary_redirect_keeps_the_address(
    store: Storage,
    feed_server: FeedServer,
    fetcher: Fetcher,
    statuses: tuple[int, int],
    why: str,
) -> None:
    feed_server.routes["old"] = Route(redirect="middle", redirect_status=statuses[0])
    feed_server.routes["middle"] = Route(redirect="kz.xml", redirect_status=statuses[1])
    feed_server.routes["kz.xml"] = Route(KZ)
    clock = Clock()
    feed = await add(store, feed_server.url("old"), clock)
    assert (await poller(store, fetcher, clock).poll_round()).added == 3, why
    assert (await state(store, feed)).url == feed_server.url("old"), why


async def test_a_moved_feed_keeps_its_address_when_configured_or_taken(
    store: Storage,
    feed_server: FeedServer,
    fetcher: Fetcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    feed_server.routes["configured"] = Route(redirect="kz.xml", redirect_status=301)
    feed_server.routes["duplicate"] = Route(redirect="kz.xml", redirect_status=308)
    feed_server.routes["kz.xml"] = Route(KZ)
    clock = Clock()
    configured = await add(store, feed_server.url("configured"), clock)
    duplicate = await add(store, feed_server.url("duplicate"), clock)
    target = await add(store, feed_server.url("kz.xml"), clock)
    spec = FeedSpec.parse(feed_server.url("configured"))
    with caplog.at_level(logging.INFO, logger="bot.sources.poller"):
        await poller(store, fetcher, clock, configured=[spec]).poll_round()
    assert (await state(store, configured)).url == feed_server.url("configured")
    assert (await state(store, duplicate)).url == feed_server.url("duplicate")
    assert (await state(store, target)).url == feed_server.url("kz.xml")
    assert "update FEEDS" in caplog.text
    assert "which another feed already reads" in caplog.text


async def test_concurrency_is_bounded(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    clock = Clock()
    for n in range(20):
        feed_server.routes[f"slow{n}"] = Route(status=500, delay=0.2)
        await add(store, feed_server.url(f"slow{n}"), clock)
    stats = await poller(store, fetcher, clock, concurrency=8).poll_round()
    assert stats.polled == 20
    assert feed_server.max_in_flight == 8


async def test_a_hanging_feed_does_not_delay_the_others(
    store: Storage, feed_server: FeedServer
) -> None:
    feed_server.routes["hang"] = Route(KZ, delay=30)
    fast = []
    for n in range(12):
        feed_server.routes[f"fast{n}"] = Route(KZ)
        fast.append(await add(store, feed_server.url(f"fast{n}"), Clock(time.time())))
    hang = await add(store, feed_server.url("hang"), Clock(time.time() - 60))  # first in line
    async with Fetcher(timeout_s=3) as fetcher:
        poll = FeedPoller(store, fetcher=fetcher, concurrency=2, idle_s=0.05, zone=ALMATY)
        started = time.monotonic()
        task = asyncio.create_task(poll.run())
        try:
            while not all([(await state(store, f)).last_ok_at for f in fast]):
                assert time.monotonic() - started < 2.5, "the fast feeds waited for the slow one"
                await asyncio.sleep(0.05)
            while (await state(store, hang)).last_error is None:
                assert time.monotonic() - started < 6
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert (await state(store, hang)).last_error == "timed out after 3 s"
    assert await store.articles.count() == 3


async def test_addfeed_checks_the_address_first(
    store: Storage, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.routes["page"] = Route(fixture("page.html"), content_type="text/html")
    feed_server.routes["garbage"] = Route(fixture("garbage.bin"), content_type="text/plain")
    feed_server.routes["kz.xml"] = Route(KZ)
    for path, problem in [("page", NotAFeedError), ("garbage", NotAFeedError)]:
        with pytest.raises(problem):
            await add_feed(store, feed_server.url(path), fetcher=fetcher)
    with pytest.raises(FetchError, match="HTTP 404"):
        await add_feed(store, feed_server.url("missing"), fetcher=fetcher)
    with pytest.raises(NotAFeedError, match="http"):
        await add_feed(store, "ftp://stepnews.example.kz/rss", fetcher=fetcher)
    assert await store.feeds.all() == []

    added = await add_feed(
        store, feed_server.url("kz.xml"), rubric="Казахстан", fetcher=fetcher, now=START
    )
    assert added.created
    assert added.result.added == 3
    assert added.feed.title == "Степные новости — главное"
    assert added.feed.rubric == "Казахстан"
    assert added.feed.next_poll_at == START + 1200
    assert added.feed.etag is not None
    again = await add_feed(store, feed_server.url("kz.xml"), fetcher=fetcher)
    assert not again.created
    assert again.feed.id == added.feed.id


def test_retry_after_parses_seconds_and_dates() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 60) == 60.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_configured_feeds_are_synced_at_start(store: Storage, fetcher: Fetcher) -> None:
    specs = [FeedSpec.parse("https://stepnews.example.kz/rss | Казахстан | #Степь #Алматы")]
    poll = FeedPoller(store, fetcher=fetcher, configured=specs, clock=Clock())
    assert await poll.sync_configured() == 1
    assert await poll.sync_configured() == 0
    [feed] = await store.feeds.all()
    assert (feed.url, feed.rubric, feed.tags) == (
        "https://stepnews.example.kz/rss", "Казахстан", ("Степь", "Алматы")
    )  # fmt: skip
