"""``svodka export [--since DATE] [--tag TAG] [-o FILE]``: the stored articles as JSON Lines.

One article a line, oldest first, with the fields ``ingest --json`` prints plus ``body``
and ``author``, so ``svodka ingest FILE.jsonl`` into an empty database gives the same
articles back. Standard output by default; ``-o FILE`` writes a file atomically.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.sources.jsonl import dumps
from bot.storage import Storage, open_storage


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write the stored articles as JSON Lines (stdout by default)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--since",
        type=since_argument,
        metavar="DATE",
        help="only articles published since DATE (YYYY-MM-DD, 00:00 UTC, or ISO 8601 time)",
    )
    parser.add_argument("--tag", metavar="TAG", help="only articles with this tag or rubric")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    parser.set_defaults(func=run_export)


def since_argument(value: str) -> datetime:
    """A ``--since`` value: a date (its 00:00 UTC) or an ISO 8601 time."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected YYYY-MM-DD or an ISO 8601 time, got {value!r}"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def run_export(args: argparse.Namespace, settings: Settings) -> int:
    storage = await open_storage(settings, create=False)
    try:
        if args.tag is not None and await storage.articles.tag(args.tag) is None:
            print(f"svodka export: no tag {args.tag!r}", file=sys.stderr)
            return 1
        if args.output is None:
            count = await _write(storage, args, sys.stdout)
            sys.stdout.flush()
        else:
            count = await _write_file(storage, args, args.output)
    finally:
        await storage.close()
    print(f"svodka export: {count} article(s)", file=sys.stderr)
    return 0


async def _write(storage: Storage, args: argparse.Namespace, out: TextIO) -> int:
    count = 0
    async for article in storage.articles.export(since=args.since, tag=args.tag):
        out.write(dumps(article) + "\n")
        count += 1
    return count


async def _write_file(storage: Storage, args: argparse.Namespace, path: Path) -> int:
    """Write beside the target and rename, so a failed export never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            count = await _write(storage, args, out)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return count
