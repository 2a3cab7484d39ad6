"""The PostgreSQL backend (asyncpg), chosen by ``DATABASE_URL=postgresql://…``.

Same repositories, same behaviour as SQLite (see :mod:`bot.storage.interface`), for a bot
that outgrows one process: several instances share the database, and instance locks are
advisory locks, so exactly one of them runs the digest sender and the feed poller.
"""

from __future__ import annotations

from bot.storage.interface import InstanceLock, Storage
from bot.storage.postgres.articles import PgArticleRepo
from bot.storage.postgres.chats import PgChatRepo
from bot.storage.postgres.db import PgDatabase
from bot.storage.postgres.digests import PgDigestRepo
from bot.storage.postgres.feeds import PgFeedRepo
from bot.storage.postgres.locks import AdvisoryLock
from bot.storage.postgres.outbox import LEASE_LOCK, PgOutboxRepo


class PostgresStorage(Storage):
    """The repositories over one PostgreSQL database (its schema on the search path)."""

    backend = "postgresql"

    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.articles = PgArticleRepo(db)
        self.chats = PgChatRepo(db)
        self.feeds = PgFeedRepo(db)
        self.digests = PgDigestRepo(db)
        self._locks: dict[str, AdvisoryLock] = {}
        # The delivery lease is an instance lock too: closing the storage frees it.
        self.outbox = PgOutboxRepo(db, self.lock(LEASE_LOCK))

    @classmethod
    async def open(cls, url: str) -> PostgresStorage:
        return cls(await PgDatabase.open(url))

    async def close(self) -> None:
        for lock in self._locks.values():
            await lock.release()
        await self.db.close()

    async def ping(self) -> None:
        await self.db.fetchval("SELECT 1")

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    def lock(self, name: str) -> InstanceLock:
        if name not in self._locks:
            self._locks[name] = AdvisoryLock(self.db, name)
        return self._locks[name]


__all__ = ["PgDatabase", "PostgresStorage"]
