"""The bot's HTTP side: the Telegram webhook, ``GET /healthz`` and ``GET /metrics``.

:func:`create_web_app` is the one place the aiohttp application is assembled; the process
(:mod:`bot.runtime`) and the tests both call it. The webhook route is aiogram's own
:class:`~aiogram.webhook.aiohttp_server.SimpleRequestHandler` with ``secret_token``: a
request without the right ``X-Telegram-Bot-Api-Secret-Token`` header gets 401 and reaches
no handler; a body that is not a Telegram update (not JSON, not an object, fields of the
wrong type) gets 400 and one warning. Updates are handled before the answer goes back, so
Telegram does not send the next one to a process that is stopping, and aiohttp's shutdown
waits for those in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.config import Settings
from bot.errors import ConfigError, StorageError
from bot.metrics import Metrics
from bot.middlewares import without_retry
from bot.storage import Storage

logger = logging.getLogger(__name__)

OK = "ok"
TELEGRAM_TTL = 10.0  # seconds a getMe answer (good or bad) stands for every probe
PROBE_TIMEOUT = 5.0  # seconds a probe waits for the database or the Bot API
# What a database that does not answer raises; aiosqlite gives ValueError once closed.
DATABASE_DOWN: tuple[type[BaseException], ...] = (StorageError, TimeoutError, ValueError)


class TelegramProbe:
    """Whether the Bot API answers ``getMe``, asked at most once per ``ttl`` seconds.

    Probes arriving together share one request, so a probe storm costs Telegram nothing.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        ttl: float = TELEGRAM_TTL,
        timeout: float = PROBE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.ttl = ttl
        self.timeout = timeout
        self.clock = clock
        self._result: tuple[float, str] | None = None  # (when, "ok" or the failure)
        self._asking: asyncio.Task[str] | None = None

    async def status(self) -> str:
        if self._result is not None and self.clock() - self._result[0] < self.ttl:
            return self._result[1]
        if self._asking is None or self._asking.done():
            self._asking = asyncio.create_task(self._ask())
        return await asyncio.shield(self._asking)

    async def _ask(self) -> str:
        try:
            with without_retry():  # waiting out a 429 would stall the probe
                await asyncio.wait_for(self.bot.get_me(), self.timeout)
            status = OK
        except TelegramRetryAfter:
            status = OK  # Telegram answers; it only asks this bot to slow down
        except (TelegramAPIError, TimeoutError) as exc:
            logger.warning("health: the Bot API does not answer getMe: %s", exc)
            status = f"failed: {type(exc).__name__}"
        self._result = (self.clock(), status)
        return status


async def database_status(storage: Storage, timeout: float = PROBE_TIMEOUT) -> str:  # noqa: ASYNC109
    """``"ok"`` if the database answers within ``timeout`` seconds, else what went wrong."""
    try:
        await asyncio.wait_for(storage.ping(), timeout)
    except DATABASE_DOWN as exc:
        logger.warning("health: the database does not answer: %s", exc)
        return f"failed: {type(exc).__name__}"
    return OK


class Probes:
    """The ``/healthz`` and ``/metrics`` handlers."""

    def __init__(self, storage: Storage, metrics: Metrics, telegram: TelegramProbe) -> None:
        self.storage = storage
        self.metrics = metrics
        self.telegram = telegram

    async def healthz(self, request: web.Request) -> web.Response:
        database, telegram = await asyncio.gather(
            database_status(self.storage), self.telegram.status()
        )
        body = {"database": database, "telegram": telegram}
        status = 200 if database == OK and telegram == OK else 503
        return web.json_response(body, status=status)

    async def metrics_text(self, request: web.Request) -> web.Response:
        try:
            open_rows = await asyncio.wait_for(self.storage.outbox.open_count(), PROBE_TIMEOUT)
        except DATABASE_DOWN as exc:
            logger.warning("metrics: outbox depth unknown: %s", exc)
        else:
            self.metrics.outbox_open.set(open_rows)
        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


class WebhookHandler(SimpleRequestHandler):
    """aiogram's webhook handler, answering 400 to a body that is not a Telegram update."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        # aiogram's own version lets a bad body escape as a 500 with a traceback.
        try:
            payload = await request.json(loads=bot.session.json_loads)
            update = Update.model_validate(payload, context={"bot": bot})
        except (ValueError, RecursionError) as exc:  # JSON, UTF-8 and validation errors
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            logger.warning("webhook: refused a body that is not a Telegram update: %s", reason)
            return web.Response(status=400, text="not a Telegram update")
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data
        )
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def create_web_app(
    settings: Settings,
    *,
    storage: Storage,
    bot: Bot,
    metrics: Metrics,
    dispatcher: Dispatcher | None = None,
    telegram_ttl: float = TELEGRAM_TTL,
) -> web.Application:
    """``/healthz`` and ``/metrics``, and with ``dispatcher`` the webhook at WEBHOOK_PATH."""
    app = web.Application()
    probes = Probes(storage, metrics, TelegramProbe(bot, ttl=telegram_ttl))
    app.router.add_get("/healthz", probes.healthz)
    app.router.add_get("/metrics", probes.metrics_text)
    if dispatcher is not None:
        if settings.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required to serve the webhook")
        webhook = WebhookHandler(
            dispatcher,
            bot,
            handle_in_background=False,
            secret_token=settings.webhook_secret.get_secret_value(),
        )
        # Registered by hand: ``webhook.register`` would also close the bot's session on
        # shutdown, which belongs to the runtime.
        app.router.add_post(settings.webhook_path, webhook.handle)
    return app


async def start_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Listen on ``host:port``; the caller stops it with ``await runner.cleanup()``.

    A port that is taken (or a host that is not this machine's) is a :class:`ConfigError`.
    """
    # No access log: probes every few seconds would drown the bot's own lines.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=10.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        where = f"{host}:{port} (WEB_HOST, WEB_PORT)"
        raise ConfigError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    except BaseException:
        await runner.cleanup()
        raise
    logger.info("listening on http://%s:%d (/healthz, /metrics)", host, port)
    return runner
