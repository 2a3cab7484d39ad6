"""PostgreSQL feeds: the same behaviour as :mod:`bot.storage.feeds`."""

from __future__ import annotations

from bot.storage.postgres.db import PgDatabase


class PgFeedRepo:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
