"""PostgreSQL digests: the same behaviour as :mod:`bot.storage.digests`."""

from __future__ import annotations

from bot.storage.postgres.db import PgDatabase


class PgDigestRepo:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
