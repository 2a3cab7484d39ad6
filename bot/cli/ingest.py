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
from typing import Any

from tqdm import tqdm

from bot.config import Settings
from bot.errors import ArticleFormatError
from bot.models import Article
from bot.sources.jsonl import article_to_json, read_jsonl
from bot.storage import IngestResult, Storage, open_storage
from bot.text import parse_article

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


def read_source(item: str | Path, summary_chars: int) -> Iterator[Article | ArticleFormatError]:
    """Articles (or errors naming FILE:LINE) from one file, JSON Lines file or stdin."""
    if item == STDIN:
        data = sys.stdin.buffer.read()
        if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            yield from read_jsonl(data.decode("utf-8", "replace").splitlines(), "<stdin>")
        else:
            yield _parse(data, "<stdin>", summary_chars)
        return
    path = Path(item)
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield ArticleFormatError(str(path), 1, f"cannot read file: {exc.strerror or exc}")
        return
    if path.suffix.lower() == ".jsonl":
        yield from read_jsonl(data.decode("utf-8", "replace").splitlines(), str(path))
    else:
        yield _parse(data, str(path), summary_chars)


def _parse(data: bytes, source: str, summary_chars: int) -> Article | ArticleFormatError:
    try:
        return parse_article(data, source, summary_chars=summary_chars)
    except ArticleFormatError as exc:
        return exc


async def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    items = list(expand(args.paths))
    storage: Storage | None = None if args.dry_run else await open_storage(settings)
    total = IngestResult()
    parsed = failed = 0
    batch: list[Article] = []
    progress = tqdm(
        total=len(items),
        unit="file",
        disable=not sys.stderr.isatty() or len(items) < 200,
        file=sys.stderr,
    )
    try:
        for item in items:
            for result in read_source(item, settings.summary_chars):
                if isinstance(result, ArticleFormatError):
                    failed += 1
                    progress.clear()
                    print(result, file=sys.stderr)
                    continue
                parsed += 1
                if args.json:
                    print(json.dumps(article_to_json(result), ensure_ascii=False))
                if storage is not None:
                    batch.append(result)
                    if len(batch) >= BATCH:
                        _add(total, await storage.articles.upsert_many(batch))
                        batch.clear()
            progress.update()
        if storage is not None and batch:
            _add(total, await storage.articles.upsert_many(batch))
    finally:
        progress.close()
        sys.stdout.flush()
        if storage is not None:
            await storage.close()
    if storage is None:
        summary = f"{parsed} parsed, nothing stored (dry run)"
    else:
        summary = f"{total.added} new, {total.updated} updated, {total.unchanged} unchanged"
    print(f"svodka ingest: {summary}; {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def _add(total: IngestResult, part: IngestResult) -> None:
    total.added += part.added
    total.updated += part.updated
    total.unchanged += part.unchanged
