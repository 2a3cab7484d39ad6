"""The SQLite connection: pragmas, migrations and write transactions.

One connection serves the whole process (aiosqlite runs it on its own thread). aiogram runs
handlers concurrently, so every multi-statement write goes through :meth:`Database.write`,
which serialises writers with a lock and wraps them in ``BEGIN IMMEDIATE … COMMIT``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.errors import StorageError
from bot.storage.migrations import MIGRATIONS

logger = logging.getLogger(__name__)

PRAGMAS = (
    # Only a new, empty file takes this (an existing one keeps its page size). An article row
    # (about 4-5 KB of text) overflows a 4 KiB page but fits in a 16 KiB one: a bulk ingest
    # spends about a third less time in SQLite.
    "PRAGMA page_size=16384",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",  # 64 MiB page cache
)


class Database:
    """Owns the aiosqlite connection; repositories borrow it."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating folders and file as needed) and migrate to the newest schema."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except Exception as exc:  # sqlite3 raises several unrelated types here
            raise StorageError(f"{path}: cannot open database: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            for pragma in PRAGMAS:
                await conn.execute(pragma)
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply the migrations not yet applied, each in its own transaction."""
        current = await self.schema_version()
        if current > len(MIGRATIONS):
            raise StorageError(
                f"{self.path}: schema version {current} is newer than this program "
                f"knows ({len(MIGRATIONS)}); upgrade Svodka"
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            logger.info("migrating %s to schema version %d", self.path, version)
            # executescript commits first; the script's own BEGIN…COMMIT makes it atomic.
            await self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={version};\nCOMMIT;"
            )

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A serialised write transaction: commit on success, roll back on error."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()
