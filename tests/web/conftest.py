"""The web side of the bot on 127.0.0.1: the real dispatcher and storage behind
:func:`~bot.web.create_web_app`, and the Bot API test server as Telegram."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiogram import Bot
from aiohttp import web

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.metrics import Metrics
from bot.storage import Storage
from bot.web import create_web_app, start_web
from tests.bot.conftest import store  # noqa: F401 - the bot tests' SQLite file
from tests.botapi import BotAPIServer

TOKEN = "123456:TEST-web"
SECRET = "s3cret_Webhook-token"
USER = 4242


@pytest.fixture
async def api() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(TOKEN) as server:
        server.add_user(USER, "Ann", language_code="ru")
        yield server


def make_settings(api_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        telegram_api_url=api_url,
        webhook_secret=SECRET,
        throttle_seconds=0,
    )


@pytest.fixture
def settings(api: BotAPIServer) -> Settings:
    return make_settings(api.url)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    bot = create_bot(settings)
    yield bot
    await bot.session.close()


@dataclass
class Web:
    """A running web app: its base URL, an HTTP client and the metrics it exposes."""

    url: str
    http: aiohttp.ClientSession
    metrics: Metrics

    @property
    def webhook(self) -> str:
        return f"{self.url}/telegram"

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.url + path) as response:
            return response.status, await response.text()

    async def metric(self, name: str, **labels: str) -> float | None:
        """The value of one sample on ``/metrics``, or ``None`` if it is not there."""
        status, text = await self.get("/metrics")
        assert status == 200, text
        wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
        pattern = "^" + re.escape(name + (f"{{{wanted}}}" if wanted else "")) + r" (\S+)$"
        found = re.search(pattern, text, re.MULTILINE)
        return float(found.group(1)) if found else None


async def serve(app: web.Application, metrics: Metrics) -> AsyncIterator[Web]:
    runner = await start_web(app, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            yield Web(f"http://127.0.0.1:{port}", http, metrics)
    finally:
        await runner.cleanup()


@pytest.fixture
async def site(settings: Settings, store: Storage, bot: Bot) -> AsyncIterator[Web]:  # noqa: F811
    """The webhook, /healthz and /metrics of one bot, as the process serves them."""
    metrics = Metrics()
    dispatcher = create_dispatcher(settings=settings, storage=store, metrics=metrics)
    app = create_web_app(settings, storage=store, bot=bot, metrics=metrics, dispatcher=dispatcher)
    async for running in serve(app, metrics):
        yield running
