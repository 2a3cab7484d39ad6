"""Instance locks for PostgreSQL: session advisory locks on a connection of their own.

A session lock lives as long as the connection that took it: when the process holding it
dies, or its network goes, the server ends the session and frees the lock, so a waiting
instance on any host takes over at its next try.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from bot.storage.postgres.db import PgDatabase

_PROBE_TIMEOUT = 5.0


class AdvisoryLock:
    """:class:`bot.storage.interface.InstanceLock` over ``pg_try_advisory_lock``."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.name = name
        self.key = db.lock_key(name)
        self._url = db.url
        self._conn: asyncpg.Connection | None = None

    async def acquire(self) -> bool:
        if await self.held():
            return True
        conn = await asyncpg.connect(self._url)
        try:
            taken = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key))
        except BaseException:
            await conn.close()
            raise
        if not taken:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def held(self) -> bool:
        conn = self._conn
        if conn is None:
            return False
        if not conn.is_closed():
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), _PROBE_TIMEOUT)
                return True
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                pass
        # The session is gone, and the lock with it.
        self._conn = None
        conn.terminate()
        return False

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await conn.execute("SELECT pg_advisory_unlock($1)", self.key)
        with contextlib.suppress(OSError, asyncpg.InterfaceError):
            await conn.close(timeout=5)
