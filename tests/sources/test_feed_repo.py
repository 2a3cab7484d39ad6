"""The feeds table on each backend: configured feeds synced at start, admin changes, polls."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import Storage


@pytest.fixture
def store(any_storage: Storage) -> Storage:
    return any_storage


NOW = 1_772_500_000
URL = "https://stepnews.example.kz/rss/all.xml"


async def test_configured_feeds_are_added_once_and_keep_their_state(store: Storage) -> None:
    specs = [(URL, "Казахстан", ("Степь",)), ("https://vecher.example.ru/rss", None, ())]
    assert await store.feeds.sync(specs, now=NOW) == 2
    feed = await store.feeds.find(URL)
    assert feed is not None
    await store.feeds.record_error(feed.id, now=NOW, error="HTTP 500", next_poll_at=NOW + 600)
    # A restart syncs again: nothing is added and the state stays.
    assert await store.feeds.sync(specs, now=NOW + 5) == 0
    again = await store.feeds.get(feed.id)
    assert again is not None
    assert (again.rubric, again.tags) == ("Казахстан", ("Степь",))
    assert (again.last_error, again.error_count, again.next_poll_at) == ("HTTP 500", 1, NOW + 600)


async def test_feed_added_at_run_time_persists(store: Storage) -> None:
    feed, created = await store.feeds.add(URL, now=NOW, rubric="Новости", title="Степные")
    assert created
    same, created_again = await store.feeds.add(URL, now=NOW + 1)
    assert not created_again
    assert same.id == feed.id
    assert [f.url for f in await store.feeds.all()] == [URL]
    assert (await store.feeds.find(f"#{feed.id}")) == feed
    assert (await store.feeds.find(str(feed.id))) == feed
    assert await store.feeds.find("https://nowhere.example/rss") is None


async def test_due_feeds_skip_paused_and_running_ones(store: Storage) -> None:
    a, _ = await store.feeds.add("https://a.example/rss", now=NOW)
    b, _ = await store.feeds.add("https://b.example/rss", now=NOW, next_poll_at=NOW + 100)
    c, _ = await store.feeds.add("https://c.example/rss", now=NOW - 50)
    assert [f.id for f in await store.feeds.due(NOW)] == [c.id, a.id]
    assert [f.id for f in await store.feeds.due(NOW, exclude={c.id})] == [a.id]
    assert await store.feeds.set_paused(a.id, True, now=NOW)
    assert [f.id for f in await store.feeds.due(NOW + 100)] == [c.id, b.id]
    assert await store.feeds.next_poll_at() == NOW - 50
    # Resuming makes the feed due at once and forgets its failures.
    await store.feeds.record_error(a.id, now=NOW, error="boom", next_poll_at=NOW + 9999)
    assert await store.feeds.set_paused(a.id, False, now=NOW + 1)
    resumed = await store.feeds.get(a.id)
    assert resumed is not None
    assert (resumed.paused, resumed.next_poll_at, resumed.error_count) == (False, NOW + 1, 0)


async def test_success_clears_the_error_and_keeps_validators_on_304(store: Storage) -> None:
    feed, _ = await store.feeds.add(URL, now=NOW)
    await store.feeds.record_error(feed.id, now=NOW, error="timed out", next_poll_at=NOW + 60)
    await store.feeds.record_success(
        feed.id, now=NOW + 60, next_poll_at=NOW + 660, items=3, etag='"abc"',
        last_modified="Tue, 03 Mar 2026 09:00:00 GMT", title="Степные", ttl_s=1200,
    )  # fmt: skip
    await store.feeds.record_success(
        feed.id, now=NOW + 700, next_poll_at=NOW + 1900, modified=False
    )
    got = await store.feeds.get(feed.id)
    assert got is not None
    assert (got.last_error, got.error_count, got.items_ingested) == (None, 0, 3)
    assert (got.etag, got.last_modified) == ('"abc"', "Tue, 03 Mar 2026 09:00:00 GMT")
    assert (got.title, got.ttl_s, got.last_ok_at, got.next_poll_at) == (
        "Степные", 1200, NOW + 700, NOW + 1900
    )  # fmt: skip


async def test_removed_feed_is_gone(store: Storage) -> None:
    feed, _ = await store.feeds.add(URL, now=NOW)
    assert await store.feeds.remove(feed.id)
    assert not await store.feeds.remove(feed.id)
    assert await store.feeds.all() == []


async def test_a_configured_feed_removed_in_telegram_stays_removed_after_a_restart(
    store: Storage,
) -> None:
    specs = [(URL, "Казахстан", ("Степь",))]
    await store.feeds.sync(specs, now=NOW)
    feed = await store.feeds.find(URL)
    assert feed is not None
    assert await store.feeds.remove(feed.id)
    # The next start syncs FEEDS again: the removed feed does not come back.
    assert await store.feeds.sync(specs, now=NOW + 60) == 0
    assert await store.feeds.all() == []
    assert await store.feeds.find(URL) is None
    assert await store.feeds.get(feed.id) is None
    assert await store.feeds.due(NOW + 10_000) == []
    assert await store.feeds.next_poll_at() is None
    assert not await store.feeds.set_paused(feed.id, False, now=NOW + 60)
    assert await store.feeds.due(NOW + 10_000) == []


async def test_adding_a_removed_feed_again_brings_it_back_as_new(store: Storage) -> None:
    feed, _ = await store.feeds.add(URL, now=NOW, rubric="Старая", tags=("Степь",))
    await store.feeds.record_success(
        feed.id, now=NOW, next_poll_at=NOW + 600, items=3, etag='"v1"', title="Степные"
    )
    assert await store.feeds.remove(feed.id)
    back, created = await store.feeds.add(URL, now=NOW + 100, rubric="Новая")
    assert created
    assert back.id == feed.id
    assert (back.rubric, back.tags, back.title) == ("Новая", (), "Степные")
    assert (back.paused, back.etag, back.next_poll_at) == (False, None, NOW + 100)
    assert [f.id for f in await store.feeds.due(NOW + 100)] == [feed.id]
    assert [f.url for f in await store.feeds.all()] == [URL]


async def test_configuration_changes_reach_stored_feeds(store: Storage) -> None:
    await store.feeds.sync([(URL, "Казахстан", ("Степь",))], now=NOW)
    assert (
        await store.feeds.sync([(URL, "Регионы", ()), (URL, None, ("Алматы", "Степь"))], now=NOW)
        == 0
    )
    feed = await store.feeds.find(URL)
    assert feed is not None
    assert (feed.rubric, feed.tags) == ("Регионы", ("Алматы", "Степь"))


async def test_next_poll_skips_paused_and_excluded_feeds(store: Storage) -> None:
    assert await store.feeds.next_poll_at() is None
    a, _ = await store.feeds.add("https://a.example/rss", now=NOW)
    b, _ = await store.feeds.add("https://b.example/rss", now=NOW, next_poll_at=NOW + 100)
    c, _ = await store.feeds.add("https://c.example/rss", now=NOW, next_poll_at=NOW + 200)
    assert await store.feeds.next_poll_at(exclude={a.id}) == NOW + 100
    await store.feeds.set_paused(b.id, True, now=NOW)
    assert await store.feeds.next_poll_at(exclude=[a.id]) == NOW + 200
    assert await store.feeds.next_poll_at(exclude={a.id, c.id}) is None
    assert [f.id for f in await store.feeds.due(NOW + 500, limit=1)] == [a.id]
    assert [f.id for f in await store.feeds.due(NOW + 500, limit=1, exclude={a.id})] == [c.id]


async def test_the_same_feed_added_at_once_is_created_once(store: Storage) -> None:
    results = await asyncio.gather(*(store.feeds.add(URL, now=NOW) for _ in range(4)))
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({feed.id for feed, _ in results}) == 1


async def test_changes_to_a_missing_feed_report_nothing_changed(store: Storage) -> None:
    assert not await store.feeds.set_paused(404, True, now=NOW)
    assert not await store.feeds.remove(404)
    assert await store.feeds.get(404) is None
    assert await store.feeds.find("#404") is None


async def test_a_moved_feed_takes_its_new_url_unless_another_feed_has_it(store: Storage) -> None:
    old, _ = await store.feeds.add(URL, now=NOW)
    other, _ = await store.feeds.add("https://vecher.example.ru/rss", now=NOW)
    assert await store.feeds.move(old.id, "https://stepnews.example.kz/feed.xml")
    moved = await store.feeds.get(old.id)
    assert moved is not None
    assert moved.url == "https://stepnews.example.kz/feed.xml"
    assert await store.feeds.find(URL) is None
    # Another feed's address, even a removed one's, is not taken over.
    assert not await store.feeds.move(old.id, other.url)
    assert await store.feeds.remove(other.id)
    assert not await store.feeds.move(old.id, other.url)
    again = await store.feeds.get(old.id)
    assert again is not None
    assert again.url == "https://stepnews.example.kz/feed.xml"
