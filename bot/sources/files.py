"""Article files on disk: the files a folder holds, and opening one without surprises.

``svodka ingest`` and the inbox read through here, so a path is refused the same way
wherever it comes from:

- only regular files are read: a FIFO, a device such as ``/dev/zero`` or a socket is opened
  without blocking and refused before a byte is read;
- an article file is never read past ``MAX_ARTICLE_BYTES``; a larger one is refused;
- a folder is walked recursively in name order, skipping names that start with ``.`` and
  following symbolic links; a folder that cannot be read, a broken link and a link that
  leads back to a folder above it are each named in one line, and the rest is read. A folder
  reached twice through links is read once.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bot.errors import ArticleFormatError, SourceError
from bot.sources.limits import too_large

ARTICLE_SUFFIX = ".txt"


class PathProblem(SourceError):
    """A path met while walking a folder that cannot be read; ``str()`` is ``PATH: reason``."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def open_regular(path: Path, source: str, *, follow_links: bool = True) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, else :class:`ArticleFormatError`.

    ``OSError`` (a missing or unreadable file) is left to the caller, who may try again.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags if follow_links else flags | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_links:
            raise ArticleFormatError(source, 1, "a symbolic link; not followed") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ArticleFormatError(source, 1, f"not a regular file ({_kind(mode)}); not read")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_article_file(path: Path, source: str, limit: int, *, follow_links: bool = True) -> bytes:
    """The bytes of a file of at most ``limit`` bytes, else :class:`ArticleFormatError`."""
    with open_regular(path, source, follow_links=follow_links) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ArticleFormatError(source, 1, too_large(limit))
    return data


def article_files(root: Path) -> Iterator[Path | PathProblem]:
    """The ``*.txt`` files under the folder ``root``, and a problem for each part not read."""
    top = root.stat()
    seen = {(top.st_dev, top.st_ino)}
    # Iterative, so that however deep the folders go no recursion limit is met.
    listing = _listing(root)
    if isinstance(listing, PathProblem):
        yield listing
        return
    stack = [(iter(listing), frozenset(seen))]
    while stack:
        entries, ancestors = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            info = entry.stat()  # through symbolic links
        except OSError as exc:
            yield _unreachable(path, exc)
            continue
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                yield PathProblem(path, "symbolic link loop (leads back to a folder above it)")
            elif key not in seen:
                seen.add(key)
                listing = _listing(path)
                if isinstance(listing, PathProblem):
                    yield listing
                else:
                    stack.append((iter(listing), ancestors | {key}))
        elif entry.name.lower().endswith(ARTICLE_SUFFIX):
            yield path  # anything but a regular file is refused when it is opened


def _listing(folder: Path) -> list[os.DirEntry[str]] | PathProblem:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        return PathProblem(folder, f"cannot read folder: {exc.strerror or exc}")


def _unreachable(path: Path, exc: OSError) -> PathProblem:
    if exc.errno == errno.ENOENT and path.is_symlink():
        return PathProblem(path, f"broken symbolic link (to {os.readlink(path)})")
    if exc.errno == errno.ELOOP:
        return PathProblem(path, "symbolic link loop")
    return PathProblem(path, f"cannot read: {exc.strerror or exc}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
