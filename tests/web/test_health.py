"""/healthz: 200 when the database and the Bot API answer, else 503 naming the part."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.app import create_bot
from bot.metrics import Metrics
from bot.storage import Storage
from bot.web import create_web_app
from tests.botapi import BotAPIServer
from tests.web.conftest import Web, make_settings, serve


async def health(site: Web) -> tuple[int, dict[str, str]]:
    status, text = await site.get("/healthz")
    return status, json.loads(text)


async def test_all_well_is_200(site: Web) -> None:
    assert await health(site) == (200, {"database": "ok", "telegram": "ok"})


async def test_a_probe_storm_asks_telegram_once(site: Web, api: BotAPIServer) -> None:
    results = await asyncio.gather(*(health(site) for _ in range(20)))
    assert {status for status, _ in results} == {200}
    assert len(api.calls("getMe")) == 1
    await health(site)
    assert len(api.calls("getMe")) == 1  # still fresh


async def test_a_database_that_does_not_answer_is_503(site: Web, store: Storage) -> None:
    await store.close()
    status, body = await health(site)
    assert status == 503
    assert body["database"].startswith("failed")
    assert body["telegram"] == "ok"


@pytest.fixture
async def unreachable_bot() -> AsyncIterator[Bot]:
    bot = create_bot(make_settings("http://127.0.0.1:9"))  # nothing listens on port 9
    yield bot
    await bot.session.close()


async def test_an_unreachable_bot_api_is_503(store: Storage, unreachable_bot: Bot) -> None:
    settings = make_settings("http://127.0.0.1:9")
    app = create_web_app(settings, storage=store, bot=unreachable_bot, metrics=Metrics())
    async for site in serve(app, Metrics()):
        status, body = await health(site)
        assert status == 503
        assert body == {"database": "ok", "telegram": "failed: TelegramNetworkError"}


async def test_a_failing_bot_api_is_503_until_it_recovers(
    store: Storage, bot: Bot, api: BotAPIServer
) -> None:
    settings = make_settings(api.url)
    app = create_web_app(settings, storage=store, bot=bot, metrics=Metrics(), telegram_ttl=0)
    api.inject_error(error_code=500, description="Internal Server Error", methods=["getMe"])
    async for site in serve(app, Metrics()):
        status, body = await health(site)
        assert status == 503
        assert body["telegram"].startswith("failed")
        assert body["database"] == "ok"
        assert await health(site) == (200, {"database": "ok", "telegram": "ok"})


async def test_a_rate_limited_bot_api_still_counts_as_answering(
    store: Storage, bot: Bot, api: BotAPIServer
) -> None:
    app = create_web_app(make_settings(api.url), storage=store, bot=bot, metrics=Metrics())
    api.inject_429(retry_after=30, methods=["getMe"])
    async for site in serve(app, Metrics()):
        assert await health(site) == (200, {"database": "ok", "telegram": "ok"})
