"""The long-running process: storage, bot, dispatcher, background workers and web server.

Two modes share everything but the way updates arrive: :func:`run_polling` (the default)
asks Telegram with ``getUpdates``; :func:`run_webhook` (``WEBHOOK_URL`` set) registers the
webhook and serves it. Both open the process with :func:`open_runtime`, the one place where
workers are built and tied to the dispatcher's startup and shutdown.

Workers (digest delivery, feed polling, inbox watching; see :mod:`bot.workers`) start with
the dispatcher and are cancelled, then awaited, when it stops. They run on one instance of
the bot at a time, the one holding the database's ``leader`` lock. Long polling takes a lock
too, so a second process polling the same token on the same database waits instead of
fighting the first for updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.alerts import AlertWorker
from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.delivery.pacing import Pacer
from bot.delivery.worker import DeliveryWorker
from bot.digest.worker import PlannerWorker
from bot.ingest import Ingester
from bot.metrics import Metrics
from bot.sources.inbox import InboxWatcher
from bot.sources.poller import FeedPoller
from bot.storage import Storage, open_storage
from bot.web import create_web_app, start_web
from bot.workers import LeaderOnly, Worker, WorkerSet, wait_for_lock

logger = logging.getLogger(__name__)

SWITCH_INTERVAL = 0.001  # seconds a thread may hold the GIL while another waits for it


def build_workers(
    settings: Settings,
    storage: Storage,
    bot: Bot,
    pacer: Pacer,
    metrics: Metrics | None = None,
    ingester: Ingester | None = None,
) -> list[Worker]:
    """The background workers of a bot process, in start order.

    All of them are singletons per bot: they run on whichever instance holds the database's
    ``leader`` lock (on a lone instance, at once), and another takes over if it dies.
    """
    ingester = ingester or Ingester(storage)

    def singletons() -> list[Worker]:
        workers: list[Worker] = [
            FeedPoller.from_settings(settings, storage, metrics, ingester),
            InboxWatcher.from_settings(settings, storage, metrics, ingester),
        ]
        # The planner, then delivery on the process's shared pacer.
        workers.append(PlannerWorker(storage, settings))
        workers.append(AlertWorker(storage, settings))
        workers.append(DeliveryWorker(storage, bot, settings, pacer=pacer, metrics=metrics))
        return workers

    return [LeaderOnly(storage.lock("leader"), singletons)]


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a running bot process is made of; :func:`open_runtime` owns and closes it."""

    settings: Settings
    storage: Storage
    bot: Bot
    dispatcher: Dispatcher
    metrics: Metrics
    workers: WorkerSet

    def web_app(self, *, webhook: bool) -> web.Application:
        """/healthz and /metrics, and the webhook route when ``webhook``."""
        return create_web_app(
            self.settings,
            storage=self.storage,
            bot=self.bot,
            metrics=self.metrics,
            dispatcher=self.dispatcher if webhook else None,
        )


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Storage, bot, dispatcher and workers; workers start and stop with the dispatcher.

    One :class:`Pacer` serves the bot's replies and the digests alike, replies first.
    Workers are stopped before the storage they write to is closed.
    """
    metrics = Metrics()
    storage = await open_storage(settings)
    pacer = Pacer.from_settings(settings)
    bot = create_bot(settings, pacer=pacer, metrics=metrics)
    switch_interval = sys.getswitchinterval()
    workers = WorkerSet([])
    try:
        # One per process: its story index serves every ingest path.
        ingester = Ingester(storage)
        dispatcher = create_dispatcher(
            settings=settings, storage=storage, metrics=metrics, ingester=ingester
        )
        workers = WorkerSet(build_workers(settings, storage, bot, pacer, metrics, ingester))
        dispatcher.startup.register(workers.start)
        dispatcher.shutdown.register(workers.stop)
        # What start-up built lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stall every update in flight for tens of milliseconds.
        gc.collect()
        gc.freeze()
        # Every database call hands the GIL to aiosqlite's thread and back; while the event
        # loop is busy, each hand-off waits up to the switch interval (5 ms by default).
        sys.setswitchinterval(SWITCH_INTERVAL)
        yield Runtime(settings, storage, bot, dispatcher, metrics, workers)
    finally:
        sys.setswitchinterval(switch_interval)
        await workers.stop()  # a no-op once the dispatcher's shutdown stopped them
        await bot.session.close()
        await storage.close()


@contextlib.asynccontextmanager
async def serving(app: web.Application, host: str, port: int | None) -> AsyncIterator[None]:
    """The web server for the block's duration (nothing if ``port`` is ``None``)."""
    if port is None:
        yield
        return
    runner = await start_web(app, host, port)
    try:
        yield
    finally:
        # Stops listening, then waits for requests in flight (updates being handled).
        await runner.cleanup()


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until SIGINT/SIGTERM; close everything it opened.

    /healthz and /metrics are served only when WEB_PORT is set.
    """
    # Caught from the start: a signal during start-up lets the step under way finish (a
    # database half opened when the loop closes would leave its thread failing at exit),
    # then the process stops.
    with stop_signals() as stop:
        async with open_runtime(settings) as rt:
            me = await rt.bot.me()  # kept: deep links name the bot by its username
            if (hooked := (await rt.bot.get_webhook_info()).url) != "":
                logger.warning(
                    "a webhook is set (%s): Telegram answers long polling with 409 until it "
                    "is removed with deleteWebhook, or run with WEBHOOK_URL",
                    hooked,
                )
            # Two processes polling one token would take each other's updates (Telegram
            # answers the loser with 409): the second one on this database waits for the
            # first to stop.
            polling = rt.storage.lock(f"polling-{me.id}")
            busy = f"another instance is already polling @{me.username}"
            if stop.is_set() or not await _first(wait_for_lock(polling, busy), stop.wait()):
                logger.info("svodka stopped")
                return
            logger.info("svodka is up as @%s (id %d), long polling", me.username, me.id)
            port = settings.web_server_port
            async with serving(rt.web_app(webhook=False), settings.web_host, port):
                if not stop.is_set():
                    # aiogram's own handlers take the signals over while it polls.
                    await rt.dispatcher.start_polling(
                        rt.bot, handle_signals=True, close_bot_session=False
                    )
    logger.info("svodka stopped")


async def run_webhook(settings: Settings) -> None:
    """Serve the webhook (and /healthz, /metrics) until SIGINT/SIGTERM; close everything.

    The webhook is registered at start and left in place at exit: another instance may
    still be serving it, and Telegram keeps the updates for whoever answers next.
    """
    url, secret, port = settings.webhook_url, settings.webhook_secret, settings.web_server_port
    if url is None or secret is None or port is None:
        raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    if urlsplit(url).path != settings.webhook_path:
        logger.warning(
            "WEBHOOK_URL ends in %r but the webhook is served at WEBHOOK_PATH %r; "
            "the reverse proxy must map one to the other",
            urlsplit(url).path,
            settings.webhook_path,
        )
    # Caught from the start: a signal during start-up stops the process once it is up.
    with stop_signals() as stop:
        async with open_runtime(settings) as rt:
            me = await rt.bot.me()  # kept: deep links name the bot by its username
            dispatcher, bot = rt.dispatcher, rt.bot
            workflow = {**dispatcher.workflow_data, "dispatcher": dispatcher, "bot": bot}
            # Listening first: a port that is taken stops the process before workers start.
            async with serving(rt.web_app(webhook=True), settings.web_host, port):
                await dispatcher.emit_startup(**workflow)
                try:
                    await bot.set_webhook(
                        url,
                        secret_token=secret.get_secret_value(),
                        allowed_updates=dispatcher.resolve_used_update_types(),
                    )
                    logger.info("svodka is up as @%s (id %d), webhook %s", me.username, me.id, url)
                    await stop.wait()
                    logger.info("stopping")
                finally:
                    await dispatcher.emit_shutdown(**workflow)
    logger.info("svodka stopped")


async def _first(wanted: Awaitable[None], stop: Awaitable[bool]) -> bool:
    """Await ``wanted`` unless ``stop`` comes first; True if ``wanted`` finished."""
    tasks = [asyncio.ensure_future(wanted), asyncio.ensure_future(stop)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return tasks[0] in done


@contextlib.contextmanager
def stop_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (instead of their defaults)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
