"""Instance locks for SQLite: ``flock`` on a file next to the database.

The operating system frees a ``flock`` when its process dies, however it dies, so a
waiting process takes over at its next try. Locks are per process: two
:class:`FileLock` objects of one process on one name are separate open files, and the
second is refused like any other process would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path

from bot.errors import StorageUnavailable


class FileLock:
    """:class:`bot.storage.sql.InstanceLock` over ``<database>.<name>.lock``."""

    def __init__(self, database: Path, name: str) -> None:
        self.name = name
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
        self.path = database.with_name(f"{database.name}.{safe}.lock")
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        return await asyncio.to_thread(self._try)

    def _try(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageUnavailable(f"{self.path}: cannot open the lock file: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
