"""The SQLite driver: one aiosqlite connection behind :class:`bot.storage.sql.Database`.

One connection serves the whole process (aiosqlite runs it on its own thread). aiogram runs
handlers concurrently, so writers take turns on one lock: a transaction holds it from
``BEGIN IMMEDIATE`` to ``COMMIT``, and a statement that writes outside a transaction holds
it while it runs. Reads never wait for it. Each call is one trip to the database thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.errors import DataError, IntegrityError, StorageError, StorageUnavailable
from bot.storage.sql import Database, InstanceLock, Locks, Row, guarded
from bot.storage.sqlite.dialect import SqliteDialect
from bot.storage.sqlite.locks import FileLock

_PARAM = re.compile(r"\$(\d+)")
_CACHE_LIMIT = 2000
_TRANSLATED: dict[str, tuple[str, bool]] = {}  # SQL as written -> (SQLite's, writes)

# Result codes (the low byte of sqlite_errorcode) of a database that cannot serve now.
_UNAVAILABLE = {
    5,  # SQLITE_BUSY: locked by another connection past the busy timeout
    6,  # SQLITE_LOCKED
    7,  # SQLITE_NOMEM
    8,  # SQLITE_READONLY
    10,  # SQLITE_IOERR
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
}
ERRORS = (sqlite3.Error, OSError, ValueError, OverflowError)
_UNLOCKED = contextlib.nullcontext()
T = TypeVar("T")


def storage_error(exc: BaseException, where: str) -> StorageError:
    """The :class:`StorageError` a driver error means."""
    message = f"{where}: {exc}"
    if isinstance(exc, sqlite3.IntegrityError):
        return IntegrityError(message)
    if isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError) and "closed" in str(exc):
        return StorageUnavailable(message)
    if isinstance(
        exc,
        sqlite3.DataError
        | sqlite3.ProgrammingError  # a value of a type SQLite cannot bind
        | sqlite3.InterfaceError
        | OverflowError
        | UnicodeError,
    ):
        return DataError(message)
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _UNAVAILABLE:
            return StorageUnavailable(message)
        return StorageError(message)
    return StorageUnavailable(message)  # OSError; aiosqlite's ValueError once closed


def translate(sql: str) -> tuple[str, bool]:
    """``$n`` parameters as SQLite's ``?n``, and whether the statement may write."""
    found = _TRANSLATED.get(sql)
    if found is None:
        if len(_TRANSLATED) >= _CACHE_LIMIT:
            _TRANSLATED.clear()
        writes = not sql.lstrip()[:6].upper().startswith("SELECT")
        found = _TRANSLATED[sql] = (_PARAM.sub(r"?\1", sql), writes)
    return found


class SqliteDatabase:
    """The connection, or one transaction on it (``depth`` > 0)."""

    dialect = SqliteDialect()

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path,
        writer: asyncio.Lock | None = None,
        depth: int = 0,
    ) -> None:
        self.conn = conn
        self.path = path
        self.where = str(path)
        self._writer = writer or asyncio.Lock()
        self._depth = depth
        # What a write outside a transaction waits for; a transaction holds it already.
        self._lock: AbstractAsyncContextManager[Any] = _UNLOCKED if depth else self._writer
        self._locks = Locks(lambda name: FileLock(path.resolve(), name))

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        text, writes = translate(sql)
        async with self._lock if writes else _UNLOCKED:
            rows = await self._guard(self.conn.execute_fetchall(text, args))
        return cast("list[Row]", rows)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None

    async def execute(self, sql: str, *args: Any) -> int:
        async with self._lock:
            return (await self._guard(self.conn.execute(translate(sql)[0], args))).rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            async with self._lock:
                await self._guard(self.conn.executemany(translate(sql)[0], rows))

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        await self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    async def serialize(self, name: str) -> None:
        """Nothing to do: a transaction holds the one writer lock already."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        if self._depth:
            async with self._savepoint() as inner:
                yield inner
            return
        async with self._writer:
            await self._run("BEGIN IMMEDIATE")
            try:
                yield SqliteDatabase(self.conn, self.path, self._writer, 1)
            except BaseException:
                with contextlib.suppress(StorageError):  # SQLite may have rolled back itself
                    await self._run("ROLLBACK")
                raise
            await self._run("COMMIT")

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Database]:
        async with self._writer:  # no write of this process may join the read
            await self._run("BEGIN")  # deferred: WAL gives it the state at its first read
            try:
                yield SqliteDatabase(self.conn, self.path, self._writer, 1)
            finally:
                with contextlib.suppress(StorageError):
                    await self._run("ROLLBACK")

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[Database]:
        name = f"s{self._depth}"
        await self._run(f"SAVEPOINT {name}")
        try:
            yield SqliteDatabase(self.conn, self.path, self._writer, self._depth + 1)
        except BaseException:
            await self._run(f"ROLLBACK TO {name}")
            await self._run(f"RELEASE {name}")
            raise
        await self._run(f"RELEASE {name}")

    async def _run(self, sql: str) -> None:
        await self._guard(self.conn.execute(sql))

    async def _guard(self, awaitable: Awaitable[T]) -> T:
        return await guarded(awaitable, ERRORS, storage_error, self.where)

    # -- what only the owner does ------------------------------------------------------

    async def schema_version(self) -> int:
        return int(await self.fetchval("PRAGMA user_version") or 0)

    def lock(self, name: str) -> InstanceLock:
        return self._locks.get(name)

    async def close(self) -> None:
        await self._locks.release()
        await self._guard(self.conn.close())
