"""Prometheus metrics of one bot process, on a registry of their own.

The composition root creates one :class:`Metrics` and passes it down; nothing registers into
prometheus-client's global registry, so tests may build several processes' worth side by
side. Components that take ``metrics=None`` count into a private, never-scraped instance.

Metric names (all prefixed ``svodka_``):

* ``updates_total{type}`` — updates handled, by update type (``message``, ``callback_query`` …)
* ``command_duration_seconds{command}`` — time to handle a command, a histogram; commands the
  bot does not know are counted as ``other`` so that users cannot grow the label set
* ``digest_messages_sent_total`` — digest messages Telegram accepted
* ``digest_rate_limited_total`` — 429 answers to digest messages
* ``digest_forbidden_total`` — 403 answers to digest messages (the chat blocked the bot)
* ``replies_rate_limited_total`` — 429 answers to the bot's replies (each pauses every send)
* ``outbox_open`` — outbox rows not yet sent, failed or dropped; read when scraped
* ``articles_ingested_total{source}`` — new articles stored from ``feed`` or ``inbox``
* ``feed_errors_total`` — failed feed polls
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Any, cast

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:  # the workers import this module; aiogram is loaded by the bot process
    from aiogram.types import TelegramObject, Update

# Buckets from a fast cached answer to a slow search, in seconds.
COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OTHER_COMMAND = "other"


class Metrics:
    """Every metric of the process, registered on :attr:`registry`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        reg = self.registry
        self.updates = Counter(
            "svodka_updates", "Updates handled, by update type.", ["type"], registry=reg
        )
        self.command_seconds = Histogram(
            "svodka_command_duration_seconds",
            "Time to handle a command, by command.",
            ["command"],
            buckets=COMMAND_BUCKETS,
            registry=reg,
        )
        self.sent = Counter(
            "svodka_digest_messages_sent", "Digest messages Telegram accepted.", registry=reg
        )
        self.rate_limited = Counter(
            "svodka_digest_rate_limited", "429 answers to digest messages.", registry=reg
        )
        self.forbidden = Counter(
            "svodka_digest_forbidden", "403 answers to digest messages.", registry=reg
        )
        self.replies_rate_limited = Counter(
            "svodka_replies_rate_limited", "429 answers to the bot's replies.", registry=reg
        )
        self.outbox_open = Gauge(
            "svodka_outbox_open", "Outbox rows still to be delivered.", registry=reg
        )
        self.articles = Counter(
            "svodka_articles_ingested",
            "New articles stored, by source.",
            ["source"],
            registry=reg,
        )
        self.feed_errors = Counter("svodka_feed_errors", "Failed feed polls.", registry=reg)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


Handler = Callable[["TelegramObject", dict[str, Any]], Awaitable[Any]]


class UpdateMetricsMiddleware:
    """Counts every update by type and times command messages (outer, on ``update``)."""

    def __init__(self, metrics: Metrics, commands: Collection[str]) -> None:
        self.metrics = metrics
        self.commands = frozenset(commands)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update = cast("Update", event)  # registered on the dispatcher's update observer
        command = self._command(update)
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            self.metrics.updates.labels(update.event_type).inc()
            if command is not None:
                elapsed = time.perf_counter() - started
                self.metrics.command_seconds.labels(command).observe(elapsed)

    def _command(self, update: Update) -> str | None:
        message = update.message or update.channel_post
        text = message.text if message is not None else None
        if not text or not text.startswith("/"):
            return None
        name = text.split(maxsplit=1)[0][1:].partition("@")[0].lower()
        return name if name in self.commands else OTHER_COMMAND
