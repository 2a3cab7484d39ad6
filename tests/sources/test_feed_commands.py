"""Admin feed commands through the real dispatcher, against feeds served on 127.0.0.1."""

from __future__ import annotations

import pytest

from bot.config import FeedSpec, Settings
from bot.storage import Storage
from tests.bot.conftest import ADMIN_ID, USER_ID, Tg, only, sent
from tests.sources.conftest import FeedServer, Route, fixture

NOW = 1_772_600_000


async def admin(tg: Tg, text: str) -> str:
    """The admin sends a command; the bot's last word (an edit counts) is returned."""
    calls = [c for c in await tg.send(text, user_id=ADMIN_ID) if c.text]
    assert calls, f"no answer to {text!r}"
    return calls[-1].text


async def test_feed_commands_are_for_bot_admins_only(tg: Tg, store: Storage) -> None:
    for command in ("/feeds", "/addfeed https://example.kz/rss", "/rmfeed 1", "/pausefeed 1"):
        calls = await tg.send(command, user_id=USER_ID)
        assert not any("/addfeed" in c.text or "example.kz" in c.text for c in calls)
    assert await store.feeds.all() == []


async def test_an_empty_list_says_how_to_add(tg: Tg) -> None:
    assert "/addfeed" in await admin(tg, "/feeds")


async def test_addfeed_without_an_address_shows_usage(tg: Tg) -> None:
    assert "<code>/addfeed URL" in await admin(tg, "/addfeed")
    assert "<code>/addfeed URL" in await admin(tg, "/addfeed example.kz/rss")


async def test_addfeed_adds_a_feed_and_its_articles(
    tg: Tg, store: Storage, feed_server: FeedServer
) -> None:
    feed_server.routes["rss"] = Route(fixture("rss_kz.xml"))
    url = feed_server.url("rss")
    calls = await tg.send(f"/addfeed {url} Новости Казахстана #Степь", user_id=ADMIN_ID)
    checking = only(calls)
    assert url in checking.text
    [edited] = sent(calls, "editMessageText")
    assert "Степные новости — главное" in edited.text
    assert "3" in edited.text
    [feed] = await store.feeds.all()
    assert (feed.url, feed.rubric, feed.tags) == (url, "Новости Казахстана", ("Степь",))
    assert await store.articles.count() == 3
    [article, *_] = (await store.articles.latest()).articles
    assert article.rubric == "Новости Казахстана"

    again = await admin(tg, f"/addfeed {url}")
    assert f"{feed.id}." in again
    assert len(await store.feeds.all()) == 1


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (Route(fixture("page.html"), content_type="text/html"), "/rss/all.xml"),
        (Route(fixture("garbage.bin"), content_type="text/plain"), "RSS"),
        (Route(b""), "RSS"),
        (None, "HTTP 404"),
    ],
)
async def test_addfeed_explains_what_is_not_a_feed(
    tg: Tg, store: Storage, feed_server: FeedServer, route: Route | None, expected: str
) -> None:
    if route is not None:
        feed_server.routes["x"] = route
    text = await admin(tg, f"/addfeed {feed_server.url('x')}")
    assert expected in text
    assert await store.feeds.all() == []


async def test_feeds_lists_state_and_errors(tg: Tg, store: Storage) -> None:
    ok, _ = await store.feeds.add("https://stepnews.example.kz/rss", now=NOW, rubric="Казахстан")
    await store.feeds.record_success(
        ok.id, now=NOW, next_poll_at=NOW + 600, items=12, title="Степ"
    )
    bad, _ = await store.feeds.add("https://broken.example.kz/rss", now=NOW)
    await store.feeds.record_error(
        bad.id, now=NOW, error="HTTP 404 Not Found <html>", next_poll_at=NOW + 600
    )
    text = await admin(tg, "/feeds")
    assert f"{ok.id}." in text
    assert ">Степ</a>" in text
    assert "Казахстан" in text
    assert "12" in text
    assert "HTTP 404 Not Found &lt;html&gt;" in text  # escaped, as everything from outside


async def test_pause_resume_and_remove(tg: Tg, store: Storage) -> None:
    feed, _ = await store.feeds.add("https://stepnews.example.kz/rss", now=NOW)
    await admin(tg, f"/pausefeed {feed.id}")
    paused = await store.feeds.get(feed.id)
    assert paused is not None
    assert paused.paused
    await admin(tg, "/resumefeed https://stepnews.example.kz/rss")
    resumed = await store.feeds.get(feed.id)
    assert resumed is not None
    assert not resumed.paused
    assert "/feeds" in await admin(tg, "/rmfeed 999")
    assert "<code>/rmfeed N</code>" in await admin(tg, "/rmfeed")
    await admin(tg, f"/rmfeed #{feed.id}")
    assert await store.feeds.all() == []


@pytest.mark.parametrize("configured", [True, False])
async def test_a_removed_feed_stays_removed_after_a_restart(
    tg: Tg, store: Storage, settings: Settings, configured: bool
) -> None:
    url = "https://stepnews.example.kz/rss"
    if configured:
        settings.feeds = [FeedSpec.parse(f"{url} | Казахстан")]
    specs = [(spec.url, spec.rubric, spec.tags) for spec in settings.feeds]
    await store.feeds.sync(specs, now=NOW)
    feed, _ = await store.feeds.add(url, now=NOW)
    answer = await admin(tg, f"/rmfeed {feed.id}")
    assert "удалена" in answer
    assert ("FEEDS" in answer) is configured
    # What the next start does with FEEDS: the feed does not come back.
    await store.feeds.sync(specs, now=NOW + 60)
    assert await store.feeds.all() == []
    assert "/addfeed" in await admin(tg, "/feeds")
