"""Storage: schema, migrations and repositories (SQLite by default, PostgreSQL for scale).

Storage knows models and SQL, never aiogram. Open it with :func:`open_storage` (from the
settings) or :func:`open_url`; the owner closes it. What both backends provide is in
:mod:`bot.storage.interface`.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import DATABASE_URL_FORM, POSTGRES_SCHEMES, Settings, sqlite_path
from bot.errors import StorageError
from bot.storage.articles import ArticleRepo
from bot.storage.chats import ChatRepo
from bot.storage.db import Database
from bot.storage.digests import DigestRepo
from bot.storage.feeds import FeedRepo
from bot.storage.interface import DATABASE_ERRORS, InstanceLock, Storage
from bot.storage.locks import FileLock
from bot.storage.outbox import OutboxRepo
from bot.storage.records import Feed, IngestResult


class SqliteStorage(Storage):
    """The repositories over one SQLite file."""

    backend = "sqlite"

    def __init__(self, db: Database) -> None:
        self.db = db
        self.articles = ArticleRepo(db)
        self.chats = ChatRepo(db)
        self.feeds = FeedRepo(db)
        self.digests = DigestRepo(db)
        self.outbox = OutboxRepo(db)
        self._locks: dict[str, FileLock] = {}

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStorage:
        return cls(await Database.open(path))

    async def close(self) -> None:
        for lock in self._locks.values():
            await lock.release()
        await self.db.close()

    async def ping(self) -> None:
        await self.db.conn.execute("SELECT 1")

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    def lock(self, name: str) -> InstanceLock:
        if name not in self._locks:
            self._locks[name] = FileLock(self.db.path.resolve(), name)
        return self._locks[name]


async def open_url(url: str) -> Storage:
    """Open ``sqlite:///PATH`` or ``postgresql://…`` and migrate it to the newest schema."""
    path = sqlite_path(url)
    if path is not None:
        return await SqliteStorage.open(path)
    if url.startswith(POSTGRES_SCHEMES):
        from bot.storage.postgres import PostgresStorage

        return await PostgresStorage.open(url)
    raise StorageError(f"unsupported database URL {url!r}: expected {DATABASE_URL_FORM}")


async def open_storage(settings: Settings) -> Storage:
    """Open the database ``DATABASE_URL`` names (a SQLite file by default)."""
    return await open_url(settings.database_url)


__all__ = [
    "DATABASE_ERRORS",
    "ArticleRepo",
    "ChatRepo",
    "Database",
    "Feed",
    "FeedRepo",
    "IngestResult",
    "InstanceLock",
    "SqliteStorage",
    "Storage",
    "open_storage",
    "open_url",
]
