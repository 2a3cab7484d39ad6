"""Storage: schema, migrations and repositories (SQLite by default).

Storage knows models and SQL, never aiogram. Open it with :meth:`Storage.open`; the owner
closes it.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.errors import StorageError
from bot.storage.articles import ArticleRepo, IngestResult
from bot.storage.chats import ChatRepo
from bot.storage.db import Database
from bot.storage.digests import DigestRepo
from bot.storage.feeds import Feed, FeedRepo
from bot.storage.outbox import OutboxRepo


class Storage:
    """The repositories over one database, opened and closed together."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.articles = ArticleRepo(db)
        self.chats = ChatRepo(db)
        self.feeds = FeedRepo(db)
        self.digests = DigestRepo(db)
        self.outbox = OutboxRepo(db)

    @classmethod
    async def open(cls, path: str | Path) -> Storage:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()


async def open_storage(settings: Settings) -> Storage:
    """Open the database ``DATABASE_URL`` names (a SQLite file by default)."""
    path = settings.sqlite_path
    if path is None:
        raise StorageError(f"DATABASE_URL: unsupported database {settings.database_url!r}")
    return await Storage.open(path)


__all__ = [
    "ArticleRepo",
    "ChatRepo",
    "Database",
    "Feed",
    "FeedRepo",
    "IngestResult",
    "Storage",
    "open_storage",
]
