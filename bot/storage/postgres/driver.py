"""The PostgreSQL driver: an asyncpg pool behind :class:`bot.storage.sql.Database`.

Statements outside a transaction take any pooled connection; a transaction keeps one.
Unlike SQLite, writers do not queue behind one lock: each takes the row locks it needs
(``FOR UPDATE SKIP LOCKED`` for claims), and what must be serial across processes takes a
transaction-scoped advisory lock (:meth:`PostgresDatabase.serialize`).
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

import asyncpg

from bot.errors import DataError, IntegrityError, StorageError, StorageUnavailable
from bot.storage.postgres.dialect import PostgresDialect, decode_tsvector, encode_tsvector
from bot.storage.postgres.locks import AdvisoryLock
from bot.storage.sql import Database, InstanceLock, Locks, Row, guarded

# Session advisory lock keys live in one 64-bit space per database: ours start with this.
LOCK_NAMESPACE = 0x5356  # "SV"
ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
    ValueError,
)
_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # the session was terminated, the server shuts down
    asyncpg.InsufficientResourcesError,  # disk full, too many connections
    asyncpg.TransactionRollbackError,  # a deadlock or serialization failure: try again
    asyncpg.LockNotAvailableError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.InterfaceError,  # the connection is closed
    asyncpg.InternalClientError,  # the connection broke mid-operation
    OSError,
    TimeoutError,
)
T = TypeVar("T")
_SECRETS = re.compile(r"//[^/@:]*:([^/@]*)@|password=([^&]*)")


def lock_key(scope: str, name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` within ``scope`` (the schema)."""
    return (LOCK_NAMESPACE << 48) | (zlib.crc32(f"{scope}\0{name}".encode()) << 8)


def storage_error(exc: BaseException, where: str) -> StorageError:
    """The :class:`StorageError` a driver error means."""
    message = f"{where}: {exc}"
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(message)
    client_data = isinstance(exc, asyncpg.InterfaceError) and isinstance(exc, ValueError)
    if client_data or isinstance(
        exc,
        asyncpg.DataError | asyncpg.ProgramLimitExceededError | UnicodeError | OverflowError,
    ):
        return DataError(message)
    if isinstance(exc, _UNAVAILABLE):
        return StorageUnavailable(message)
    return StorageError(message)


def scrub(text: str, url: str) -> str:
    """``text`` without the URL's passwords, should a driver message quote them."""
    for match in _SECRETS.finditer(url):
        secret = match.group(1) or match.group(2)
        if secret:
            text = text.replace(secret, "***")
    return text


async def _init(conn: asyncpg.Connection) -> None:
    # COPY speaks the binary format only: the search vectors need a binary codec.
    await conn.set_type_codec(
        "tsvector",
        schema="pg_catalog",
        encoder=encode_tsvector,
        decoder=decode_tsvector,
        format="binary",
    )


async def connect(url: str, where: str, *, max_size: int = 10) -> asyncpg.Pool:
    """A pool on ``url``; a failure is one :class:`StorageError` naming ``where``."""
    try:
        return await asyncpg.create_pool(
            url, min_size=1, max_size=max_size, command_timeout=60, init=_init
        )
    except Exception as exc:  # asyncpg raises many unrelated types for a malformed URL
        reason = scrub(str(exc), url) or type(exc).__name__
        raise StorageUnavailable(f"{where}: cannot connect to PostgreSQL: {reason}") from exc


class PostgresDatabase:
    """The pool, or one transaction on a connection of it."""

    dialect = PostgresDialect()

    def __init__(
        self,
        target: asyncpg.Pool | asyncpg.Connection,
        url: str,
        where: str,
        schema: str,
        depth: int = 0,
    ) -> None:
        self._target = target
        self.url = url
        self.where = where
        self.schema = schema  # the schema our tables live in (first on the search path)
        self._depth = depth
        self._locks = Locks(lambda name: AdvisoryLock(url, where, self.lock_key(name), name))

    def lock_key(self, name: str) -> int:
        return lock_key(self.schema, name)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        rows: Sequence[Row] = await self._call("fetch", sql, *args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = await self._call("fetchrow", sql, *args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._call("fetchval", sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        status = str(await self._call("execute", sql, *args))
        count = status.rpartition(" ")[2]  # a command tag such as "UPDATE 3"
        return int(count) if count.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self._call("executemany", sql, rows)

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if rows:
            options = {"records": rows, "columns": list(columns), "schema_name": self.schema}
            await self._call("copy_records_to_table", table, **options)

    async def serialize(self, name: str) -> None:
        await self.execute("SELECT pg_advisory_xact_lock($1)", self.lock_key(name))

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        return self._transaction()

    def snapshot(self) -> AbstractAsyncContextManager[Database]:
        return self._transaction(isolation="repeatable_read", readonly=True)

    @asynccontextmanager
    async def _transaction(self, **options: Any) -> AsyncIterator[Database]:
        """A transaction, or a savepoint inside one (asyncpg tells which by itself)."""
        target = self._target
        conn = await self._guard(target.acquire()) if isinstance(target, asyncpg.Pool) else target
        try:
            transaction = conn.transaction(**options)
            await self._guard(transaction.start())
            try:
                yield PostgresDatabase(conn, self.url, self.where, self.schema, self._depth + 1)
            except BaseException:
                try:
                    await transaction.rollback()
                except Exception:  # a broken connection: the server rolls back as it drops it
                    with contextlib.suppress(Exception):  # unless the pool dropped it already
                        conn.terminate()
                raise
            await self._guard(transaction.commit())
        finally:
            if conn is not target:
                with contextlib.suppress(*ERRORS):  # a lost connection is dropped, not reused
                    await target.release(conn)

    async def _call(self, method: str, *args: Any, **options: Any) -> Any:
        """A method of the pool or connection, its errors mapped (a connection the pool took
        back raises as the method is looked up or called, before anything is awaited)."""
        try:
            awaitable = getattr(self._target, method)(*args, **options)
        except ERRORS as exc:
            raise storage_error(exc, self.where) from exc
        return await self._guard(awaitable)

    async def _guard(self, awaitable: Awaitable[T]) -> T:
        return await guarded(awaitable, ERRORS, storage_error, self.where)

    # -- what only the owner does ------------------------------------------------------

    async def schema_version(self) -> int:
        value = await self.fetchval(
            "SELECT CASE WHEN to_regclass('svodka_schema') IS NULL THEN 0 "
            "ELSE (SELECT COALESCE(MAX(version), 0) FROM svodka_schema) END"
        )
        return int(value or 0)

    def lock(self, name: str) -> InstanceLock:
        return self._locks.get(name)

    async def close(self) -> None:
        await self._locks.release()
        if isinstance(self._target, asyncpg.Pool):
            await self._guard(self._target.close())
