"""PostgreSQL chats: the same behaviour as :mod:`bot.storage.chats`."""

from __future__ import annotations

from bot.storage.postgres.db import PgDatabase


class PgChatRepo:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
