"""The repositories over one database: :class:`Storage`, and one transaction's of it.

Adding a table is adding a repository: a class over :class:`bot.storage.sql.Database`
(SQL with ``$n`` parameters, the dialect for what differs), named here in
:class:`Repositories`, its rows' encodings in :mod:`bot.storage.rows`, and its DDL a new
entry at the end of :mod:`bot.storage.migrations`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType

from bot.storage.alerts import AlertRepo
from bot.storage.articles import ArticleRepo
from bot.storage.channels import ChannelRepo
from bot.storage.chats import ChatRepo
from bot.storage.digests import DigestRepo
from bot.storage.feeds import FeedRepo
from bot.storage.follows import FollowRepo
from bot.storage.outbox import LEASE_LOCK, DeliveryLease, OutboxRepo
from bot.storage.received import ReceivedRepo
from bot.storage.sql import Database, Engine, InstanceLock
from bot.storage.stories import StoryRepo


class Repositories:
    """Every repository over one :class:`Database`: a storage's, or one transaction's."""

    def __init__(
        self, db: Database, lease: DeliveryLease, listeners: list[Callable[[], None]]
    ) -> None:
        self.articles = ArticleRepo(db)
        self.chats = ChatRepo(db)
        self.feeds = FeedRepo(db)
        self.digests = DigestRepo(db)
        self.outbox = OutboxRepo(db, lease, listeners)
        self.received = ReceivedRepo(db)
        self.stories = StoryRepo(db)
        self.channels = ChannelRepo(db)
        self.follows = FollowRepo(db)
        self.alerts = AlertRepo(db)


class Storage(Repositories):
    """The repositories over one database, opened and closed together.

    Use cases that must be atomic open a :meth:`transaction` and call the repositories it
    gives; storage never calls back into a use case.
    """

    def __init__(self, db: Engine) -> None:
        self.db = db
        self.backend = db.dialect.name  # "sqlite" or "postgresql"
        super().__init__(db, DeliveryLease(db, db.lock(LEASE_LOCK)), [])

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repositories]:
        """The repositories inside one transaction: committed if the block ends well."""
        async with self.db.transaction() as tx:
            yield Repositories(tx, self.outbox.lease, self.outbox.listeners)

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def ping(self) -> None:
        """Raise a :class:`bot.errors.StorageError` if the database does not answer."""
        await self.db.fetchval("SELECT 1")

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    def lock(self, name: str) -> InstanceLock:
        """The instance lock called ``name`` on this database (see :class:`InstanceLock`)."""
        return self.db.lock(name)
