"""The seam between the repositories and the engines: :class:`Database` and :class:`Dialect`.

The repositories are written once over :class:`Database`, a few methods wide. SQL is one
string for both engines, with numbered parameters (``$1``, ``$2`` …; the SQLite driver
rewrites them to ``?1``, ``?2`` once per statement). A row indexes by position and by column
name (``sqlite3.Row`` and ``asyncpg.Record`` both do). Every driver error is raised as one of
:class:`bot.errors.StorageError`'s subtree at this edge, so nothing above it names a driver.

What the engines truly do differently is in :class:`Dialect`: array parameters, row locks,
and search (FTS5 beside the table, or a ``tsvector`` column in it). The drivers add what
only an engine can: bulk inserts (``executemany`` or ``COPY``), transaction-scoped locks
(the SQLite writer lock, or an advisory lock) and instance locks (``flock`` or a session
advisory lock).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, NamedTuple, Protocol, TypeVar

from bot.errors import StorageError

T = TypeVar("T")

# Placeholder for "no limit" in a ``LIMIT $n``: SQLite refuses NULL and PostgreSQL -1.
NO_LIMIT = 1 << 62


class Row(Protocol):
    """A result row: by position or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


class Window(NamedTuple):
    """Where a search for new articles looks: ids in (``after``, ``upto``], published at
    ``since`` (Unix seconds) or later."""

    after: int
    upto: int
    since: int


class Search(NamedTuple):
    """A search of the index: articles holding one alternative of each of ``words``, older
    than ``below`` (published, id), at most ``limit``, inside ``window`` when it is given."""

    words: list[tuple[str, ...]]
    below: tuple[int, int]
    limit: int
    window: Window | None = None


class SearchEntry(Protocol):
    """What the search index needs of an article: its position and its words."""

    @property
    def id(self) -> int: ...

    @property
    def published(self) -> int: ...

    @property
    def words(self) -> str | None: ...


class Dialect(Protocol):
    """What differs between the engines' SQL, and their search index."""

    name: str  # "sqlite" or "postgresql"
    for_update: str  # " FOR UPDATE" where rows can be locked, else ""
    skip_locked: str  # " FOR UPDATE SKIP LOCKED" where rows can be locked, else ""
    binary: str  # the collation that orders text by code point
    search_columns: tuple[str, ...]  # articles columns the search index keeps in the row

    def ddl(self, script: str) -> str:
        """A migration's shared DDL (:mod:`bot.storage.migrations`) in this engine's words."""
        ...

    def any(self, param: int, *, blob: bool = False) -> str:
        """``= ANY($n)``: membership in an array parameter made by :meth:`array`."""
        ...

    def array(self, values: Sequence[Any]) -> Any:
        """A list as an array parameter."""
        ...

    def join_pairs(self, param: int, table: str, key: tuple[str, str]) -> str:
        """A ``FROM`` clause: the rows of ``table`` whose two-column ``key`` is one of the
        integer pairs of a JSON list parameter (``[[a, b], …]``), one key look-up a pair."""
        ...

    def keyset(self, *, older: bool) -> str:
        """``id, published`` of the $3 articles past position ($1 published, $2 id), newest
        (``older``) or oldest first, from the index alone."""
        ...

    def search_values(self, words: str) -> tuple[Any, ...]:
        """Values of :attr:`search_columns` for an article with these index words."""
        ...

    async def index(self, db: Database, entries: Sequence[SearchEntry]) -> None:
        """Add new or changed articles' words (written with their rows: nothing to do)."""
        ...

    async def unindex(self, db: Database, stored: Sequence[Row]) -> None:
        """Remove the words of articles about to change: ``stored`` are their rows
        (``id, published, title, body, lead``) as they are now."""
        ...

    async def clear(self, db: Database) -> None:
        """Empty the index before a rebuild."""
        ...

    async def reindex(self, db: Database, entries: Sequence[SearchEntry]) -> None:
        """Write stored articles' words anew, in a rebuild."""
        ...

    async def search(self, db: Database, search: Search) -> Sequence[Row]:
        """Articles (:data:`~bot.storage.rows.ARTICLE_COLUMNS`) the search finds, newest
        first (inside a window, it walks no further back than its ``since``)."""
        ...

    # What `db copy` needs of an engine's catalogue.

    async def columns(self, db: Database, table: str) -> list[str]:
        """The table's columns, in order (generated ones left out)."""
        ...

    async def high_water(self, db: Database) -> dict[str, int]:
        """The highest id each table's id generator issued, by table."""
        ...

    async def raise_sequences(self, db: Database, high_water: dict[str, int]) -> None:
        """New ids start past the rows present and past ``high_water``."""
        ...


class Database(Protocol):
    """A connection pool, a connection, or one transaction on it."""

    @property
    def dialect(self) -> Dialect: ...

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def fetchval(self, sql: str, *args: Any) -> Any: ...

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows in bulk (``COPY`` where the engine has it)."""
        ...

    async def serialize(self, name: str) -> None:
        """In a transaction: wait until no other transaction holding ``name`` is open."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        """A transaction (a savepoint inside one): commit on success, else roll back."""
        ...


class InstanceLock(Protocol):
    """A named lock held by one process at a time on one database, freed when it dies.

    The bot's singletons (digest delivery and planning, the feed poller, long polling of
    one token) run only while their process holds the lock; the others wait and take over.
    """

    name: str

    async def acquire(self) -> bool:
        """Take the lock if it is free (never waits); True if this process holds it now."""
        ...

    async def held(self) -> bool:
        """Whether this process still holds the lock (False after a lost connection)."""
        ...

    async def release(self) -> None:
        """Give the lock up (a no-op if it is not held)."""
        ...


class Engine(Database, Protocol):
    """The database a storage owns: what only its owner does besides queries."""

    @property
    def where(self) -> str:
        """The file, or the URL with credentials masked, for messages."""
        ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    def snapshot(self) -> AbstractAsyncContextManager[Database]:
        """A read-only transaction that writers meanwhile (other processes too) do not change."""
        ...

    def lock(self, name: str) -> InstanceLock:
        """The instance lock called ``name``, freed when the engine closes."""
        ...


class Locks:
    """The instance locks an engine gave out, one per name, released when it closes."""

    def __init__(self, make: Callable[[str], InstanceLock]) -> None:
        self._make = make
        self._locks: dict[str, InstanceLock] = {}

    def get(self, name: str) -> InstanceLock:
        if name not in self._locks:
            self._locks[name] = self._make(name)
        return self._locks[name]

    async def release(self) -> None:
        for lock in self._locks.values():
            await lock.release()


async def guarded(
    awaitable: Awaitable[T],
    errors: tuple[type[BaseException], ...],
    mapped: Callable[[BaseException, str], StorageError],
    where: str,
) -> T:
    """``await awaitable``, a driver's ``errors`` raised as what ``mapped`` makes of them."""
    try:
        return await awaitable
    except errors as exc:
        raise mapped(exc, where) from exc
