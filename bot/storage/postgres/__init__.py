"""The PostgreSQL backend (asyncpg), chosen by ``DATABASE_URL=postgresql://…``.

The same repositories as SQLite, for a bot that outgrows one process: several instances
share the database, claims lock rows, and instance locks are advisory locks, so exactly
one of them runs the digest sender and the feed poller. Migrations are tracked in
``svodka_schema`` and applied once however many instances start together.
"""

from __future__ import annotations

import logging

from bot.config import redact_url
from bot.errors import StorageError
from bot.storage.migrations import scripts
from bot.storage.postgres.driver import PostgresDatabase, connect, storage_error
from bot.storage.store import Storage

logger = logging.getLogger(__name__)

_MIGRATION_LOCK = "schema-migration"


class PostgresStorage(Storage):
    """The repositories over one PostgreSQL database (its schema on the search path)."""

    db: PostgresDatabase

    @classmethod
    async def open(cls, url: str) -> PostgresStorage:
        """Connect and migrate to the newest schema; a failure is one StorageError."""
        where = redact_url(url)
        pool = await connect(url, where)
        try:
            try:
                schema = str(await pool.fetchval("SELECT current_schema()"))
            except Exception as exc:  # the driver's own types, mapped at once
                raise storage_error(exc, where) from exc
            db = PostgresDatabase(pool, url, where, schema)
            await _migrate(db)
            storage = cls(db)
            await storage.articles.check_search_index()
        except BaseException:
            await pool.close()
            raise
        return storage


async def _migrate(db: PostgresDatabase) -> None:
    """Apply the migrations not yet applied; instances starting together take turns."""
    async with db.transaction() as tx:
        await tx.serialize(_MIGRATION_LOCK)
        await tx.execute(
            "CREATE TABLE IF NOT EXISTS svodka_schema ("
            "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        migrations = scripts(db.dialect)
        current = int(await tx.fetchval("SELECT COALESCE(MAX(version), 0) FROM svodka_schema"))
        if current > len(migrations):
            raise StorageError(
                f"{db.where}: schema version {current} is newer than this program knows "
                f"({len(migrations)}); upgrade Svodka"
            )
        for version, script in enumerate(migrations[current:], start=current + 1):
            logger.info("migrating %s to schema version %d", db.where, version)
            await tx.execute(script)
            await tx.execute("INSERT INTO svodka_schema (version) VALUES ($1)", version)


__all__ = ["PostgresDatabase", "PostgresStorage"]
