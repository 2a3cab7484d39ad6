"""Instant alerts: new articles matched once against every instant tag and followed phrase,
gathered per chat for a few seconds, and put in the outbox like digests."""

from __future__ import annotations

from bot.alerts.worker import GATHER_SECONDS, MAX_ITEMS, AlertWorker

__all__ = ["GATHER_SECONDS", "MAX_ITEMS", "AlertWorker"]
