"""``svodka ingest PATH… [--dry-run] [--json]``: read articles into the database.

PATH is a file, a folder (searched recursively for ``*.txt`` articles; JSON Lines
``*.jsonl`` files are read when named) or ``-`` for standard input. A file that cannot be
parsed is reported on standard error as ``FILE:LINE: reason``; the other files are still
ingested and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from tqdm import tqdm

from bot.config import Settings
from bot.errors import ArticleFormatError
from bot.models import Article
from bot.sources.jsonl import article_to_json, read_jsonl
from bot.storage import IngestResult, Storage, open_storage, source_digest
from bot.text import PARSER_VERSION, parse_article

BATCH = 1000
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


def expand(paths: list[str]) -> Iterator[str | Path]:
    """Files to read, in a stable order: folders give their ``*.txt`` files, sorted."""
    for raw in paths:
        if raw == STDIN:
            yield STDIN
            continue
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*.txt") if p.is_file() and not _hidden(p, path)
            )
        else:
            yield path


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


class Raw(NamedTuple):
    """One article text as read, before parsing; ``digest`` identifies it for dedup."""

    source: str
    data: bytes
    digest: bytes


def read_source(
    item: str | Path, summary_chars: int
) -> Iterator[Raw | Article | ArticleFormatError]:
    """Raw article texts, or articles and errors (JSON Lines) from one file or stdin."""
    if item == STDIN:
        source, data = "<stdin>", sys.stdin.buffer.read()
    else:
        source = str(item)
        try:
            data = Path(item).read_bytes()
        except OSError as exc:
            yield ArticleFormatError(source, 1, f"cannot read file: {exc.strerror or exc}")
            return
    jsonl = item == STDIN and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
    if jsonl or Path(item).suffix.lower() == ".jsonl":
        yield from read_jsonl(data.decode("utf-8", "replace").splitlines(), source)
        return
    # The digest covers what shapes the result, so a new parser or length redoes the work.
    yield Raw(source, data, source_digest(b"%d:%d:" % (PARSER_VERSION, summary_chars) + data))


class Ingest:
    """Parses and stores in batches; a known raw text is skipped before it is parsed."""

    def __init__(self, storage: Storage | None, settings: Settings, *, print_json: bool):
        self.storage = storage
        self.summary_chars = settings.summary_chars
        self.print_json = print_json
        self.total = IngestResult()
        self.parsed = self.failed = 0
        self.pending: list[Raw | Article] = []

    async def add(self, item: Raw | Article | ArticleFormatError) -> None:
        if isinstance(item, ArticleFormatError):
            self.report(item)
            return
        self.pending.append(item)
        if len(self.pending) >= BATCH:
            await self.flush()

    def report(self, error: ArticleFormatError) -> None:
        self.failed += 1
        tqdm.write(str(error), file=sys.stderr)  # keeps a progress bar intact

    async def flush(self) -> None:
        pending, self.pending = self.pending, []
        known: set[bytes] = set()
        if self.storage is not None and not self.print_json:
            digests = [item.digest for item in pending if isinstance(item, Raw)]
            known = await self.storage.articles.known_sources(digests) if digests else set()
        articles: list[Article] = []
        hashes: list[bytes | None] = []
        for item in pending:
            if isinstance(item, Raw):
                if item.digest in known:
                    self.total.unchanged += 1
                    continue
                try:
                    article = parse_article(
                        item.data, item.source, summary_chars=self.summary_chars
                    )
                except ArticleFormatError as exc:
                    self.report(exc)
                    continue
                articles.append(article)
                hashes.append(item.digest)
            else:
                articles.append(item)
                hashes.append(None)
        self.parsed += len(articles)
        if self.print_json:
            for article in articles:
                print(json.dumps(article_to_json(article), ensure_ascii=False))
        if self.storage is not None and articles:
            result = await self.storage.articles.upsert_many(articles, source_hashes=hashes)
            for field in ("added", "updated", "unchanged", "failed"):
                setattr(self.total, field, getattr(self.total, field) + getattr(result, field))

    def summary(self) -> str:
        if self.storage is None:
            done = f"{self.parsed} parsed, nothing stored (dry run)"
        else:
            t = self.total
            done = f"{t.added} new, {t.updated} updated, {t.unchanged} unchanged"
        return f"svodka ingest: {done}; {self.failed + self.total.failed} failed"


async def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    items = list(expand(args.paths))
    storage = None if args.dry_run else await open_storage(settings)
    ingest = Ingest(storage, settings, print_json=args.json)
    progress = tqdm(
        total=len(items),
        unit="file",
        disable=not sys.stderr.isatty() or len(items) < 200,
        file=sys.stderr,
    )
    try:
        for item in items:
            for result in read_source(item, settings.summary_chars):
                await ingest.add(result)
            progress.update()
        await ingest.flush()
    finally:
        progress.close()
        sys.stdout.flush()
        if storage is not None:
            await storage.close()
    print(ingest.summary(), file=sys.stderr)
    return 1 if ingest.failed or ingest.total.failed else 0
