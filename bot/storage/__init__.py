"""Storage: schema, migrations and repositories (SQLite by default).

Storage knows models and SQL, never aiogram. Open it with :meth:`Storage.open`; the owner
closes it.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.articles import ArticleRepo
from bot.storage.chats import ChatRepo
from bot.storage.db import Database


class Storage:
    """The repositories over one database, opened and closed together."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.articles = ArticleRepo(db)
        self.chats = ChatRepo(db)

    @classmethod
    async def open(cls, path: str | Path) -> Storage:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()


__all__ = ["ArticleRepo", "ChatRepo", "Database", "Storage"]
