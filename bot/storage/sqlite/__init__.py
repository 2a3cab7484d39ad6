"""The SQLite backend (the default): one file, WAL, migrations by ``PRAGMA user_version``.

Opening checks the file before anything could write to it: a file that is not a SQLite
database (random bytes, zeroes, a truncated copy) or holds another application's tables is
refused with one line naming it, and is never switched to WAL or migrated. A reading command
may ask not to create a missing file (``create=False``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import aiosqlite

from bot.errors import StorageError, StorageUnavailable
from bot.storage.migrations import MIGRATIONS, scripts
from bot.storage.sqlite.driver import ERRORS, SqliteDatabase, storage_error
from bot.storage.store import Storage

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
_HEADER = b"SQLite format 3\0"


class SqliteStorage(Storage):
    """The repositories over one SQLite file."""

    db: SqliteDatabase

    @classmethod
    async def open(cls, path: str | Path, *, create: bool = True) -> SqliteStorage:
        """Open (creating folders and file, unless ``create`` is False) and migrate."""
        storage = cls(await _open(Path(path), create=create))
        try:
            await storage.articles.check_search_index()
        except BaseException:
            await storage.close()
            raise
        return storage


async def _open(path: Path, *, create: bool) -> SqliteDatabase:
    memory = str(path) == ":memory:"
    if not memory:
        _check_file(path, create=create)
    try:
        if not memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
    except ERRORS as exc:
        raise storage_error(exc, f"{path}: cannot open the database") from exc
    conn.row_factory = sqlite3.Row
    db = SqliteDatabase(conn, path)
    try:
        if sqlite3.sqlite_version_info < (3, 41):  # json arrays of blobs travel as hex
            await _unhex(db)
        version = await _check_ours(db)
        for pragma in PRAGMAS:
            await db.execute(pragma)
        await _migrate(db, version)
    except BaseException:
        await conn.close()
        raise
    return db


async def _unhex(db: SqliteDatabase) -> None:
    try:
        await db.conn.create_function("unhex", 1, bytes.fromhex, deterministic=True)
    except ERRORS as exc:
        raise storage_error(exc, db.where) from exc


def _check_file(path: Path, *, create: bool) -> None:
    """Refuse, before SQLite touches it, a file that is not a whole SQLite database."""
    try:
        with path.open("rb") as file:
            header = file.read(100)
            size = os.fstat(file.fileno()).st_size
    except FileNotFoundError:
        if not create:
            raise StorageError(f"{path}: no such database file") from None
        return
    except IsADirectoryError:
        raise StorageError(f"{path}: is a folder, not a database file") from None
    except OSError as exc:
        raise StorageUnavailable(f"{path}: cannot read the database: {exc.strerror}") from exc
    for where in (path, path.parent):
        if not os.access(where, os.W_OK):
            kind = "file" if where == path else "folder"
            raise StorageUnavailable(f"{where}: the database {kind} is read-only")
    if size == 0:
        return  # a new database
    if len(header) < 100 or not header.startswith(_HEADER):
        raise StorageError(f"{path}: not a SQLite database; nothing was changed")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    size_valid = header[24:28] == header[92:96]  # the header's page count is current
    if not page_size or size % page_size or (size_valid and pages * page_size > size):
        raise StorageError(f"{path}: the database file is truncated or damaged")


async def _check_ours(db: SqliteDatabase) -> int:
    """The schema version, after checking (reading only) that the file is ours to migrate."""
    version = await db.schema_version()
    rows = await db.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")
    tables = sorted(str(row[0]) for row in rows)
    if tables and (version == 0 or "articles" not in tables):
        shown = ", ".join(tables[:3]) + (" …" if len(tables) > 3 else "")
        raise StorageError(
            f"{db.path}: not a Svodka database (it holds tables {shown}); nothing was changed"
        )
    if version > len(MIGRATIONS):
        raise StorageError(
            f"{db.path}: schema version {version} is newer than this program knows "
            f"({len(MIGRATIONS)}); upgrade Svodka"
        )
    return version


async def _migrate(db: SqliteDatabase, current: int) -> None:
    """Apply the migrations not yet applied, each in its own transaction."""
    for version, script in enumerate(scripts(db.dialect)[current:], start=current + 1):
        logger.info("migrating %s to schema version %d", db.path, version)
        try:
            # executescript commits first; the script's own BEGIN…COMMIT makes it atomic.
            await db.conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={version};\nCOMMIT;"
            )
        except ERRORS as exc:
            raise storage_error(exc, str(db.path)) from exc


__all__ = ["SqliteDatabase", "SqliteStorage"]
