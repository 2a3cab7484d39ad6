"""The inbox folder: article files dropped into ``INBOX_DIR`` are ingested while the bot runs.

The rule for files still being written: a file is read only once its size and modification
time have stayed the same across two scans (``scan_interval_s`` apart, 2 s by default). An
empty file is given a minute before it counts as finished. Names starting with ``.`` or
``~`` and names ending in ``~``, ``.tmp``, ``.part``, ``.partial``, ``.crdownload``,
``.swp`` or ``.lock`` are never read, so the safe way to drop a file from a program is to
write it under such a name and rename it when done.

Only files directly in the folder are read: ``*.jsonl`` as JSON Lines, anything else as the
article text format. A file whose articles are stored moves to ``done/``; a file that cannot
be parsed moves to ``failed/`` with ``NAME.error`` beside it, one ``FILE:LINE: reason`` a
line (good records of a JSON Lines file are stored even so). A name already taken there
gets a ``-1``, ``-2`` … suffix. If the database refuses, the file stays and is tried again.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.errors import ArticleFormatError, StorageError
from bot.metrics import Metrics
from bot.models import Article
from bot.sources.jsonl import read_jsonl
from bot.storage import Storage
from bot.text import parse_article

logger = logging.getLogger(__name__)

DONE = "done"
FAILED = "failed"
IGNORED_PREFIXES = (".", "~")
IGNORED_SUFFIXES = ("~", ".tmp", ".part", ".partial", ".crdownload", ".swp", ".lock", ".error")
EMPTY_GRACE_S = 60.0

_Signature = tuple[int, int]  # size, mtime in ns


@dataclass(slots=True)
class ScanResult:
    """What one scan did, by file name."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Parsed:
    articles: list[Article]
    errors: list[ArticleFormatError]


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
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.inbox = inbox
        self.scan_interval_s = scan_interval_s
        self.summary_chars = summary_chars
        self.clock = clock
        self._seen: dict[str, tuple[_Signature, float]] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, store: Storage, metrics: Metrics | None = None
    ) -> InboxWatcher:
        return cls(
            store, settings.inbox_dir, summary_chars=settings.summary_chars, metrics=metrics
        )

    async def run(self) -> None:
        logger.info("watching %s for article files", self.inbox)
        while True:
            try:
                await self.scan()
            except OSError as exc:
                logger.warning("inbox %s: %s", self.inbox, exc)
            await asyncio.sleep(self.scan_interval_s)

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
            if not stable or (signature[0] == 0 and now - since < EMPTY_GRACE_S):
                result.waiting.append(path.name)
                continue
            outcome = await self._process(path)
            if outcome is not None:
                (result.done if outcome else result.failed).append(path.name)
                seen.pop(path.name, None)
        self._seen = seen
        return result

    def _list(self) -> list[tuple[Path, _Signature]]:
        for folder in (self.inbox, self.inbox / DONE, self.inbox / FAILED):
            folder.mkdir(parents=True, exist_ok=True)
        found = []
        with os.scandir(self.inbox) as entries:
            for entry in entries:
                if entry.name.startswith(IGNORED_PREFIXES) or entry.name.endswith(
                    IGNORED_SUFFIXES
                ):
                    continue
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    stat = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                found.append((Path(entry.path), (stat.st_size, stat.st_mtime_ns)))
        found.sort(key=lambda item: item[1][1])  # oldest first
        return found

    async def _process(self, path: Path) -> bool | None:
        """True: stored and moved to done/; False: moved to failed/; None: left to retry."""
        try:
            parsed = await asyncio.to_thread(self._parse, path)
        except OSError as exc:
            logger.warning("inbox: cannot read %s: %s", path, exc)
            return None
        except Exception as exc:  # a parser bug must not stop the inbox; logged in full
            logger.exception("inbox: unexpected error parsing %s", path.name)
            reason = f"unexpected error: {type(exc).__name__}"
            parsed = _Parsed([], [ArticleFormatError(path.name, 1, reason)])
        if parsed.articles:
            try:
                result = await self.store.articles.upsert_many(parsed.articles)
            except StorageError as exc:
                logger.warning("inbox: %s not stored, will retry: %s", path.name, exc)
                return None
            self.metrics.articles.labels("inbox").inc(result.added)
            logger.info(
                "inbox: %s: %d new, %d updated, %d unchanged",
                path.name,
                result.added,
                result.updated,
                result.unchanged,
            )
        try:
            if parsed.errors:
                await asyncio.to_thread(self._move_failed, path, parsed.errors)
                for error in parsed.errors:
                    logger.warning("inbox: %s", error)
                return False
            await asyncio.to_thread(self._move, path, self.inbox / DONE)
        except OSError as exc:
            logger.warning("inbox: cannot move %s: %s", path, exc)
            return None
        return True

    def _parse(self, path: Path) -> _Parsed:
        data = path.read_bytes()
        if path.suffix.lower() == ".jsonl":
            parsed = _Parsed([], [])
            lines = io.BytesIO(data)
            for item in read_jsonl(lines, path.name, summary_chars=self.summary_chars):
                if isinstance(item, ArticleFormatError):
                    parsed.errors.append(item)
                else:
                    parsed.articles.append(item)
            if not parsed.articles and not parsed.errors:
                parsed.errors.append(ArticleFormatError(path.name, 1, "no articles in the file"))
            return parsed
        try:
            article = parse_article(data, path.name, summary_chars=self.summary_chars)
        except ArticleFormatError as exc:
            return _Parsed([], [exc])
        return _Parsed([article], [])

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
