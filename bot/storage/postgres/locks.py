"""Instance locks for PostgreSQL: session advisory locks on a connection of their own.

A session lock lives as long as the connection that took it: when the process holding it
dies, or its network goes, the server ends the session and frees the lock, so a waiting
instance on any host takes over at its next try.
"""

from __future__ import annotations

import asyncio

import asyncpg

from bot.errors import StorageUnavailable

_PROBE_TIMEOUT = 5.0


class AdvisoryLock:
    """:class:`bot.storage.sql.InstanceLock` over ``pg_try_advisory_lock``.

    The connection stays open between tries, so a waiting instance asks every few seconds
    without reconnecting each time.
    """

    def __init__(self, url: str, where: str, key: int, name: str) -> None:
        self.name = name
        self.key = key
        self._url = url
        self._where = where
        self._conn: asyncpg.Connection | None = None
        self._held = False

    async def acquire(self) -> bool:
        if self._held:
            return await self.held()
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self._url)
            self._held = bool(
                await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key)
            )
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            self._drop()
            raise StorageUnavailable(
                f"{self._where}: cannot take lock {self.name}: {exc}"
            ) from exc
        except BaseException:
            self._drop()
            raise
        return self._held

    async def held(self) -> bool:
        conn = self._conn
        if not self._held or conn is None:
            return False
        if not conn.is_closed():
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), _PROBE_TIMEOUT)
                return True
            except Exception:  # any failure to confirm it means the lock is not held
                pass
        # The session is gone, and the lock with it.
        self._drop()
        return False

    async def release(self) -> None:
        # Ending the session frees the lock; no unlock call that a cancelled query on the
        # same connection could be in the way of.
        conn, self._conn, self._held = self._conn, None, False
        if conn is None:
            return
        try:
            await conn.close(timeout=5)
        except Exception:  # busy, or already broken: drop the socket, the server frees the lock
            conn.terminate()

    def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            conn.terminate()
