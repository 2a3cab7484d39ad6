"""The counters the workers move: digest sends and Telegram's refusals, articles, feed errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter

from bot.delivery.telegram import DeliveryClient
from bot.metrics import Metrics
from bot.sources.http import Fetcher
from bot.sources.inbox import InboxWatcher
from bot.sources.poller import FeedPoller, Outcome
from bot.storage import Storage
from tests.botapi import BotAPIServer
from tests.sources.conftest import FeedServer, Route, feed_server, fixture
from tests.web.conftest import USER

__all__ = ["feed_server"]  # the feed server fixture, shared with tests/sources

ARTICLE = """ date 2026-05-01 #Выборы-2026
Политика

Выборы прошли спокойно

Выборы в городской маслихат прошли без нарушений, сообщили в избиркоме.
"""


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


async def test_digest_sends_and_refusals_are_counted(api: BotAPIServer, bot: Bot) -> None:
    metrics = Metrics()
    client = DeliveryClient(bot, metrics)
    try:
        await client.send(USER, "Сводка дня", None)
        api.inject_429(USER, retry_after=1)
        with pytest.raises(TelegramRetryAfter):
            await client.send(USER, "Сводка дня", None)
        api.block(USER)
        with pytest.raises(TelegramForbiddenError):
            await client.send(USER, "Сводка дня", None)
    finally:
        await client.close()
    assert value(metrics, "svodka_digest_messages_sent_total") == 1
    assert value(metrics, "svodka_digest_rate_limited_total") == 1
    assert value(metrics, "svodka_digest_forbidden_total") == 1


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_inbox_articles_are_counted_once(store: Storage, tmp_path: Path) -> None:
    metrics = Metrics()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watch = InboxWatcher(store, inbox, clock=Clock(), metrics=metrics)
    (inbox / "a.txt").write_text(ARTICLE, encoding="utf-8")
    await watch.scan()
    await watch.scan()
    (inbox / "again.txt").write_text(ARTICLE, encoding="utf-8")  # the same article
    await watch.scan()
    await watch.scan()
    assert value(metrics, "svodka_articles_ingested_total", source="inbox") == 1


async def test_feed_articles_and_failed_polls_are_counted(
    store: Storage, feed_server: FeedServer
) -> None:
    metrics = Metrics()
    feed_server.routes["kz.xml"] = Route(fixture("rss_kz.xml"))
    await store.feeds.add(feed_server.url("kz.xml"), now=0)
    await store.feeds.add("http://127.0.0.1:9/rss.xml", now=0)  # nothing listens on port 9
    async with Fetcher(timeout_s=2) as fetcher:
        poller = FeedPoller(store, fetcher=fetcher, jitter=0, metrics=metrics)
        stats = await poller.poll_round()
    assert stats.outcomes[Outcome.FAILED] == 1
    assert stats.added > 0
    assert value(metrics, "svodka_feed_errors_total") == 1
    assert value(metrics, "svodka_articles_ingested_total", source="feed") == stats.added
