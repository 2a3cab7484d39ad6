"""The PostgreSQL connection pool: migrations and write transactions.

asyncpg keeps a pool of connections; reads take any of them, a write takes one for a
transaction (:meth:`PgDatabase.write`). Unlike SQLite, writers do not queue behind one
lock: each write takes the row locks it needs (``SELECT … FOR UPDATE SKIP LOCKED`` for
claims), so several processes can share the database.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.config import redact_url as redact
from bot.errors import StorageError
from bot.storage.postgres.migrations import MIGRATIONS

logger = logging.getLogger(__name__)

# Session advisory lock keys live in one 64-bit space per database: ours start with this.
LOCK_NAMESPACE = 0x5356  # "SV"
_MIGRATION_LOCK = "schema-migration"


def lock_key(scope: str, name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` within ``scope`` (the schema)."""
    return (LOCK_NAMESPACE << 48) | (zlib.crc32(f"{scope}\0{name}".encode()) << 8)


class PgDatabase:
    """Owns the asyncpg pool; repositories borrow it."""

    def __init__(self, pool: asyncpg.Pool, url: str, schema: str) -> None:
        self.pool = pool
        self.url = url
        self.schema = schema  # the schema our tables live in (first on the search path)

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> PgDatabase:
        """Connect and migrate to the newest schema; a failure is one :class:`StorageError`."""
        try:
            pool = await asyncpg.create_pool(
                url, min_size=min_size, max_size=max_size, command_timeout=60
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise StorageError(f"{redact(url)}: cannot connect to PostgreSQL: {exc}") from exc
        try:
            schema = str(await pool.fetchval("SELECT current_schema()"))
            db = cls(pool, url, schema)
            await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        await self.pool.close()

    async def schema_version(self) -> int:
        value = await self.pool.fetchval(
            "SELECT CASE WHEN to_regclass('svodka_schema') IS NULL THEN 0 "
            "ELSE (SELECT COALESCE(MAX(version), 0) FROM svodka_schema) END"
        )
        return int(value or 0)

    async def migrate(self) -> None:
        """Apply the migrations not yet applied; instances starting together take turns."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", self.lock_key(_MIGRATION_LOCK))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS svodka_schema ("
                "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            current = int(
                await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM svodka_schema")
            )
            if current > len(MIGRATIONS):
                raise StorageError(
                    f"{redact(self.url)}: schema version {current} is newer than this "
                    f"program knows ({len(MIGRATIONS)}); upgrade Svodka"
                )
            for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
                logger.info("migrating %s to schema version %d", redact(self.url), version)
                await conn.execute(script)
                await conn.execute("INSERT INTO svodka_schema (version) VALUES ($1)", version)

    def lock_key(self, name: str) -> int:
        return lock_key(self.schema, name)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[asyncpg.Connection]:
        """A write transaction on one pooled connection: commit on success, else roll back."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(await self.pool.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self.pool.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.pool.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        return str(await self.pool.execute(sql, *args))
