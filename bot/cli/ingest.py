"""``svodka ingest PATH… [--dry-run] [--json]``: read articles into the database.

PATH is a file, a folder (searched recursively for ``*.txt`` articles; JSON Lines
``*.jsonl`` files are read when named) or ``-`` for standard input. A file that cannot be
parsed is reported on standard error as ``FILE:LINE: reason`` (a folder, link or special
file that cannot be read as ``PATH: reason``); the other files are still ingested and the
exit status is 1. Articles are written in batches bounded by count and by bytes, each new one
with its story (:mod:`bot.ingest`); ``--json`` prints each batch once it is stored, with its
``story`` and ``source`` (the outlet). Many files are parsed in worker processes, a batch
while the one before is stored (:mod:`bot.parallel`); the output is the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from tqdm import tqdm

from bot.config import Settings
from bot.errors import ArticleFormatError, SourceError
from bot.ingest import Ingester
from bot.models import Article, is_ahead
from bot.parallel import Analysis, Parsed, Parser, Text
from bot.sources.files import article_files, open_regular, read_article_file
from bot.sources.jsonl import article_to_json, read_jsonl
from bot.sources.limits import batch_full, too_large
from bot.storage import IngestResult, Storage, open_storage, source_digest
from bot.text import PARSER_VERSION

logger = logging.getLogger(__name__)

STDIN = "-"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "ingest",
        help="read article files, folders or - (stdin) into the database",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or - for stdin")
    parser.add_argument("--dry-run", action="store_true", help="parse and report, store nothing")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per article on stdout"
    )
    parser.set_defaults(func=run_ingest)


def expand(paths: list[str]) -> Iterator[str | Path | SourceError]:
    """Files to read in a stable order (folders give their ``*.txt`` files), and problems."""
    for raw in paths:
        if raw == STDIN:
            yield STDIN
        elif (path := Path(raw)).is_dir():
            yield from article_files(path)
        else:
            yield path


class Raw(NamedTuple):
    """One article text as read, before parsing; ``digest`` identifies it for dedup."""

    source: str
    data: bytes
    digest: bytes
    folder: Path | None  # where it came from (absolute); None for stdin


Problem = ArticleFormatError | SourceError
Item = Raw | Article | Problem


class Parsing(NamedTuple):
    """A batch on its way: its texts and records in the order read (known texts left out),
    the problems met reading it, and the parse of its texts."""

    items: list[Raw | Article]
    problems: list[Problem]
    parsed: asyncio.Future[list[Parsed]]


def read_source(item: str | Path | SourceError, settings: Settings) -> Iterator[Item]:
    """Raw article texts, or articles and errors (JSON Lines) from one file or stdin."""
    if isinstance(item, SourceError):
        yield item
        return
    source = "<stdin>" if item == STDIN else str(item)
    limit = settings.max_article_bytes
    try:
        if item == STDIN:
            stream: BinaryIO = sys.stdin.buffer
            if _looks_like_json_lines(stream):
                yield from _records(stream, source, settings)
                return
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise ArticleFormatError(source, 1, too_large(limit))
        elif Path(item).suffix.lower() == ".jsonl":
            with open_regular(Path(item), source) as stream:
                yield from _records(stream, source, settings)
            return
        else:
            data = read_article_file(Path(item), source, limit)
    except ArticleFormatError as exc:
        yield exc
        return
    except OSError as exc:
        yield ArticleFormatError(source, 1, f"cannot read file: {exc.strerror or exc}")
        return
    # The digest covers what shapes the result, so a new parser or length redoes the work.
    key = b"%d:%d:" % (PARSER_VERSION, settings.summary_chars)
    folder = None if item == STDIN else Path(item).absolute().parent
    yield Raw(source, data, source_digest(key + data), folder)


def _records(stream: BinaryIO, source: str, settings: Settings) -> Iterator[Item]:
    yield from read_jsonl(
        stream,
        source,
        summary_chars=settings.summary_chars,
        max_bytes=settings.max_article_bytes,
        folder=None if source == "<stdin>" else Path(source).absolute().parent,
    )


def _looks_like_json_lines(stream: BinaryIO) -> bool:
    peek = getattr(stream, "peek", None)
    head: bytes = peek(64) if peek is not None else b""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


class Ingest:
    """Parses and stores in batches; a known raw text is skipped before it is parsed.

    A batch is parsed while the one before it is stored (when a :class:`Parser` with worker
    processes does the parsing), and each is stored and reported in the order read.
    """

    def __init__(self, storage: Storage | None, parser: Parser, *, print_json: bool):
        self.storage = storage
        self.ingester = Ingester(storage) if storage is not None else None
        self.parser = parser
        self.print_json = print_json
        self.total = IngestResult()
        self.parsed = self.failed = 0
        self.ahead = 0  # dated past today: stored, held back by lists until their date
        self.pending: list[Raw | Article] = []
        self.pending_bytes = 0
        self.problems: list[Problem] = []  # of the pending batch, reported when it is stored
        self.parsing: Parsing | None = None  # the batch being parsed

    async def add(self, item: Item) -> None:
        if isinstance(item, ArticleFormatError | SourceError):
            self.problems.append(item)
            return
        self.pending.append(item)
        if isinstance(item, Raw):
            self.pending_bytes += len(item.data)
        else:
            self.pending_bytes += len(item.title) + sum(map(len, item.body))
        if batch_full(len(self.pending), self.pending_bytes):
            await self.flush()

    def report(self, error: Problem) -> None:
        self.failed += 1
        tqdm.write(str(error), file=sys.stderr)  # keeps a progress bar intact

    async def flush(self) -> None:
        """Start parsing the pending batch, and store the one parsed before it."""
        pending, self.pending, self.pending_bytes = self.pending, [], 0
        problems, self.problems = self.problems, []
        known: set[bytes] = set()
        if self.storage is not None and not self.print_json:
            digests = [item.digest for item in pending if isinstance(item, Raw)]
            known = await self.storage.articles.known_sources(digests) if digests else set()
        items = [item for item in pending if not (isinstance(item, Raw) and item.digest in known)]
        texts = [Text(i.source, i.data, i.folder) for i in items if isinstance(i, Raw)]
        self.total.unchanged += len(pending) - len(items)
        parsing = Parsing(items, problems, self.parser.parse(texts))
        await self.finish()
        self.parsing = parsing

    async def finish(self) -> None:
        """Store the batch being parsed, if any."""
        parsing, self.parsing = self.parsing, None
        if parsing is None:
            return
        for problem in parsing.problems:
            self.report(problem)
        articles: list[Article] = []
        hashes: list[bytes | None] = []
        analyses: list[Analysis | None] = []
        parsed = iter(await parsing.parsed)
        for item in parsing.items:
            analysis = digest = None
            if isinstance(item, Raw):
                found = next(parsed)
                if isinstance(found, ArticleFormatError):
                    self.report(found)
                    continue
                (article, analysis), digest = found, item.digest
            else:
                article = item
            articles.append(article)
            hashes.append(digest)
            analyses.append(analysis)
        self.parsed += len(articles)
        self.ahead += sum(is_ahead(article.published) for article in articles)
        if self.ingester is not None and articles:
            result = await self.ingester.store(articles, source_hashes=hashes, analyses=analyses)
            for field in ("added", "updated", "unchanged", "failed"):
                setattr(self.total, field, getattr(self.total, field) + getattr(result, field))
        if self.print_json:
            for article in articles:
                if self.ingester is None or article.id is not None:  # else refused, and said
                    record = article_to_json(article, story=True)
                    print(json.dumps(record, ensure_ascii=False))

    def summary(self) -> str:
        if self.storage is None:
            done = f"{self.parsed} parsed, nothing stored (dry run)"
        else:
            t = self.total
            done = f"{t.added} new, {t.updated} updated, {t.unchanged} unchanged"
        ahead = ""
        if self.ahead:
            ahead = f"; {self.ahead} dated ahead of today (lists show them from their date)"
        return f"svodka ingest: {done}; {self.failed + self.total.failed} failed{ahead}"


async def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    items = list(expand(args.paths))
    # Workers first: they start before this process has threads or a database open.
    parser = Parser.for_texts(len(items), settings.summary_chars)
    storage = None
    progress = tqdm(
        total=len(items),
        unit="file",
        disable=not sys.stderr.isatty() or len(items) < 200,
        file=sys.stderr,
    )
    try:
        storage = None if args.dry_run else await open_storage(settings)
        ingest = Ingest(storage, parser, print_json=args.json)
        for item in items:
            for result in read_source(item, settings):
                await ingest.add(result)
            progress.update()
        await ingest.flush()
        await ingest.finish()
    finally:
        progress.close()
        sys.stdout.flush()
        parser.close()
        if storage is not None:
            await storage.close()
    print(ingest.summary(), file=sys.stderr)
    return 1 if ingest.failed or ingest.total.failed else 0
