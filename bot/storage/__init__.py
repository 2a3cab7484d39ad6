"""Storage: one repository layer over SQLite (the default) or PostgreSQL (for scale).

Storage knows models and SQL, never aiogram. Open it with :func:`open_storage` (from the
settings) or :func:`open_url`; the owner closes it. The repositories are written once over
the narrow :class:`~bot.storage.sql.Database` seam; ``sqlite/`` and ``postgres/`` hold only
what the engines do differently (driver, DDL types, search, locks). Every database error
is a :class:`bot.errors.StorageError`.
"""

from __future__ import annotations

from bot.config import DATABASE_URL_FORM, POSTGRES_SCHEMES, Settings, redact_url, sqlite_path
from bot.errors import StorageError
from bot.storage.articles import ArticleRepo
from bot.storage.chats import ChatRepo
from bot.storage.digests import DigestRepo
from bot.storage.feeds import FeedRepo
from bot.storage.outbox import OutboxRepo
from bot.storage.records import Feed, IngestResult
from bot.storage.rows import source_digest
from bot.storage.sql import Database, InstanceLock
from bot.storage.sqlite import SqliteStorage
from bot.storage.store import Repositories, Storage


async def open_url(url: str, *, create: bool = True) -> Storage:
    """Open ``sqlite:///PATH`` or ``postgresql://…`` and migrate it to the newest schema.

    ``create=False`` (reading commands) refuses a SQLite file that does not exist, with a
    :class:`StorageError` naming it, instead of creating an empty database.
    """
    path = sqlite_path(url)
    if path is not None:
        return await SqliteStorage.open(path, create=create)
    if url.startswith(POSTGRES_SCHEMES):
        from bot.storage.postgres import PostgresStorage

        return await PostgresStorage.open(url)
    raise StorageError(
        f"unsupported database URL {redact_url(url)!r}: expected {DATABASE_URL_FORM}"
    )


async def open_storage(settings: Settings, *, create: bool = True) -> Storage:
    """Open the database ``DATABASE_URL`` names (a SQLite file by default)."""
    return await open_url(settings.database_url, create=create)


__all__ = [
    "ArticleRepo",
    "ChatRepo",
    "Database",
    "DigestRepo",
    "Feed",
    "FeedRepo",
    "IngestResult",
    "InstanceLock",
    "OutboxRepo",
    "Repositories",
    "SqliteStorage",
    "Storage",
    "open_storage",
    "open_url",
    "source_digest",
]
