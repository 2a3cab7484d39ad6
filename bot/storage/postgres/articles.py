"""PostgreSQL articles: the same behaviour as :mod:`bot.storage.articles`."""

from __future__ import annotations

from bot.storage.postgres.db import PgDatabase


class PgArticleRepo:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
