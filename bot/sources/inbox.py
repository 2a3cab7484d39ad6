"""The inbox folder: article files dropped into ``INBOX_DIR`` are ingested while the bot runs.

The rule for files still being written: a file is read only once its size and modification
time have stayed the same across two scans (``scan_interval_s`` apart, 2 s by default). An
empty file is given a minute before it counts as finished. Names starting with ``.`` or
``~`` and names ending in ``~``, ``.tmp``, ``.part``, ``.partial``, ``.crdownload``,
``.swp`` or ``.lock`` are never read, so the safe way to drop a file from a program is to
write it under such a name and rename it when done.

Only regular files directly in the folder are read: ``*.jsonl`` as JSON Lines (a record at a
time, stored in batches bounded by count and bytes), anything else as the article text
format (at most ``MAX_ARTICLE_BYTES``). A file whose articles are stored moves to ``done/``;
a file that cannot be parsed moves to ``failed/`` with ``NAME.error`` beside it, one
``FILE:LINE: reason`` a line. A JSON Lines file with some bad lines has its good records
stored all the same and goes to ``failed/`` with the bad lines named, so that it can be
mended and dropped again (the records already stored come back unchanged). Symbolic links
are not followed (a link would let whoever writes to the inbox make the bot read any file)
and go to ``failed/`` like FIFOs and other special files. A name already taken there gets a
``-1``, ``-2`` … suffix.

If the database refuses, the file stays and is tried again; so does a file that cannot be
read (its permissions, say), with one warning until that changes. A subfolder is never read,
and said so once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.errors import ArticleFormatError, StorageError
from bot.ingest import Ingester
from bot.metrics import Metrics
from bot.models import Article, is_ahead
from bot.sources.files import open_regular, read_article_file
from bot.sources.jsonl import read_jsonl
from bot.sources.limits import DEFAULT_MAX_ARTICLE_BYTES, batch_full
from bot.storage import IngestResult, Storage
from bot.stories import file_outlet
from bot.text import parse_article

logger = logging.getLogger(__name__)

DONE = "done"
FAILED = "failed"
IGNORED_PREFIXES = (".", "~")
IGNORED_SUFFIXES = ("~", ".tmp", ".part", ".partial", ".crdownload", ".swp", ".lock", ".error")
EMPTY_GRACE_S = 60.0

_Signature = tuple[int, int, int]  # size, mtime in ns, file type (stat.S_IFMT)


@dataclass(slots=True)
class ScanResult:
    """What one scan did, by file name."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


class InboxWatcher:
    """A worker scanning the inbox folder until cancelled (see the module docstring)."""

    name = "inbox"

    def __init__(
        self,
        store: Storage,
        inbox: Path,
        *,
        scan_interval_s: float = 2.0,
        summary_chars: int = 300,
        max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
        ingester: Ingester | None = None,
    ) -> None:
        self.store = store
        self.ingester = ingester or Ingester(store)
        self.metrics = metrics or Metrics()
        self.inbox = inbox
        self.scan_interval_s = scan_interval_s
        self.summary_chars = summary_chars
        self.max_article_bytes = max_article_bytes
        self.clock = clock
        self._seen: dict[str, tuple[_Signature, float]] = {}
        # The last warning given about each name: a problem that lasts is told once.
        self._told: dict[str, str] = {}
        self._folders: set[str] = set()  # subfolders at the last listing, as "NAME/"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: Storage,
        metrics: Metrics | None = None,
        ingester: Ingester | None = None,
    ) -> InboxWatcher:
        return cls(
            store,
            settings.inbox_dir,
            summary_chars=settings.summary_chars,
            max_article_bytes=settings.max_article_bytes,
            metrics=metrics,
            ingester=ingester,
        )

    async def run(self) -> None:
        logger.info("watching %s for article files", self.inbox)
        while True:
            try:
                await self.scan()
            except OSError as exc:
                self._warn_once("", "inbox %s cannot be read: %s", self.inbox, exc)
            else:
                self._told.pop("", None)
            await asyncio.sleep(self.scan_interval_s)

    def _warn_once(self, name: str, message: str, *args: object) -> None:
        """Log ``message`` unless the same was last said about ``name``."""
        text = message % args
        if self._told.get(name) != text:
            self._told[name] = text
            logger.warning("%s", text)

    async def scan(self) -> ScanResult:
        """Process the files that have been still since the previous scan."""
        result = ScanResult()
        listing = await asyncio.to_thread(self._list)
        now = self.clock()
        seen: dict[str, tuple[_Signature, float]] = {}
        for path, signature in listing:
            previous = self._seen.get(path.name)
            since = previous[1] if previous and previous[0] == signature else now
            seen[path.name] = (signature, since)
            stable = previous is not None and previous[0] == signature
            empty = signature[0] == 0 and stat.S_ISREG(signature[2])
            if not stable or (empty and now - since < EMPTY_GRACE_S):
                result.waiting.append(path.name)
                continue
            outcome = await self._process(path)
            if outcome is not None:
                (result.done if outcome else result.failed).append(path.name)
                seen.pop(path.name, None)
        self._seen = seen
        for name in self._told.keys() - seen.keys() - self._folders - {""}:
            del self._told[name]  # gone, or read at last: a new problem is news again
        return result

    def _list(self) -> list[tuple[Path, _Signature]]:
        for folder in (self.inbox, self.inbox / DONE, self.inbox / FAILED):
            folder.mkdir(parents=True, exist_ok=True)
        found = []
        self._folders = set()
        with os.scandir(self.inbox) as entries:
            for entry in entries:
                if entry.name.startswith(IGNORED_PREFIXES) or entry.name.endswith(
                    IGNORED_SUFFIXES
                ):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    if entry.name not in (DONE, FAILED):
                        self._folders.add(entry.name + "/")
                        self._warn_once(
                            entry.name + "/",
                            "inbox: %s/ is a folder and is not read; only files directly in "
                            "%s are",
                            entry.name,
                            self.inbox,
                        )
                    continue
                # Links and special files are listed too, to be moved to failed/ with why.
                kind = stat.S_IFMT(info.st_mode)
                found.append((Path(entry.path), (info.st_size, info.st_mtime_ns, kind)))
        found.sort(key=lambda item: item[1][1])  # oldest first
        return found

    async def _process(self, path: Path) -> bool | None:
        """True: stored and moved to done/; False: moved to failed/; None: left to retry."""
        errors: list[ArticleFormatError] = []
        total = IngestResult()
        ahead = 0
        batches = self._read(path, errors)
        try:
            while True:
                try:
                    batch = await asyncio.to_thread(next, batches, None)
                except OSError as exc:
                    self._warn_once(
                        path.name, "inbox: cannot read %s, will retry: %s", path.name, exc
                    )
                    return None
                except Exception as exc:  # a parser bug must not stop the inbox; logged in full
                    logger.exception("inbox: unexpected error parsing %s", path.name)
                    reason = f"unexpected error: {type(exc).__name__}"
                    errors.append(ArticleFormatError(path.name, 1, reason))
                    break
                if batch is None:
                    break
                try:
                    result = await self.ingester.store(batch)
                except StorageError as exc:
                    logger.warning("inbox: %s not stored, will retry: %s", path.name, exc)
                    return None
                ahead += sum(is_ahead(article.published) for article in batch)
                total.added += result.added
                total.updated += result.updated
                total.unchanged += result.unchanged
                self.metrics.articles.labels("inbox").inc(result.added)
        finally:
            batches.close()
        if ahead:
            logger.warning(
                "inbox: %s: %d dated ahead of today; lists show them from their date",
                path.name,
                ahead,
            )
        if total.added or total.updated or total.unchanged:
            logger.info(
                "inbox: %s: %d new, %d updated, %d unchanged",
                path.name,
                total.added,
                total.updated,
                total.unchanged,
            )
        try:
            if errors:
                await asyncio.to_thread(self._move_failed, path, errors)
                for error in errors[:10]:
                    logger.warning("inbox: %s", error)
                if len(errors) > 10:
                    logger.warning(
                        "inbox: %s: %d more in its .error file", path.name, len(errors) - 10
                    )
                return False
            await asyncio.to_thread(self._move, path, self.inbox / DONE)
        except OSError as exc:
            logger.warning("inbox: cannot move %s: %s", path, exc)
            return None
        return True

    def _read(
        self, path: Path, errors: list[ArticleFormatError]
    ) -> Generator[list[Article], None, None]:
        """The file's articles in batches (run a step at a time in a worker thread).

        What cannot be parsed goes to ``errors``; ``OSError`` (an unreadable file) is raised.
        """
        try:
            if path.suffix.lower() != ".jsonl":
                data = read_article_file(
                    path, path.name, self.max_article_bytes, follow_links=False
                )
                article = parse_article(data, path.name, summary_chars=self.summary_chars)
                article.outlet = file_outlet(article, data, self.inbox.absolute())
                yield [article]
                return
            with open_regular(path, path.name, follow_links=False) as stream:
                batch: list[Article] = []
                size = records = 0
                for item in read_jsonl(
                    stream,
                    path.name,
                    summary_chars=self.summary_chars,
                    max_bytes=self.max_article_bytes,
                    folder=self.inbox.absolute(),
                ):
                    if isinstance(item, ArticleFormatError):
                        errors.append(item)
                        continue
                    batch.append(item)
                    records += 1
                    size += len(item.title) + sum(map(len, item.body))
                    if batch_full(len(batch), size):
                        yield batch
                        batch, size = [], 0
                if batch:
                    yield batch
            if not records and not errors:
                errors.append(ArticleFormatError(path.name, 1, "no articles in the file"))
        except ArticleFormatError as exc:
            errors.append(exc)

    def _move_failed(self, path: Path, errors: list[ArticleFormatError]) -> None:
        target = _free_name(self.inbox / FAILED, path.name)
        # The reason is written first: a crash in between leaves the file in the inbox.
        report = "".join(f"{error}\n" for error in errors)
        target.with_name(target.name + ".error").write_text(report, encoding="utf-8")
        os.replace(path, target)

    @staticmethod
    def _move(path: Path, folder: Path) -> None:
        os.replace(path, _free_name(folder, path.name))


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-N.ext`` with the first free N."""
    target = folder / name
    stem, dot, ext = name.partition(".") if not name.startswith(".") else (name, "", "")
    n = 0
    while target.exists() or target.with_name(target.name + ".error").exists():
        n += 1
        target = folder / f"{stem}-{n}{dot}{ext}"
    return target
