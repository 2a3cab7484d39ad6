"""PostgreSQL outbox: the same behaviour as :mod:`bot.storage.outbox`."""

from __future__ import annotations

from bot.storage.postgres.db import PgDatabase


class PgOutboxRepo:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
