"""``svodka stories [--since DATE] [-n N] [--json]``: the stored stories, biggest first.

A story is the articles of one event (see :mod:`bot.ingest`); its size is the number of
outlets that told it. Each is printed with its articles, earliest first: when, which outlet,
the headline. ``--json`` prints one object per story: ``story``, ``outlets``, and
``articles`` (``id``, ``date``, ``source``, ``title``, ``url``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.export import since_argument
from bot.config import Settings
from bot.models import Article
from bot.storage import open_storage

CHUNK = 200  # stories whose articles are read at once


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "stories",
        help="print the stored stories with their articles and outlets, biggest first",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--since",
        type=since_argument,
        metavar="DATE",
        help="only stories with articles published since DATE (YYYY-MM-DD, 00:00 UTC, or "
        "ISO 8601 time)",
    )
    parser.add_argument("-n", type=_count, metavar="N", help="at most N stories")
    parser.add_argument("--json", action="store_true", help="one JSON object per story")
    parser.set_defaults(func=run_stories)


def _count(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("expected a whole number of 1 or more")
    return int(value)


async def run_stories(args: argparse.Namespace, settings: Settings) -> int:
    storage = await open_storage(settings, create=False)
    try:
        sizes = await storage.stories.biggest(since=args.since, limit=args.n)
        for start in range(0, len(sizes), CHUNK):
            chunk = sizes[start : start + CHUNK]
            members = await storage.stories.members([size.story for size in chunk])
            for size in chunk:
                articles = members.get(size.story, [])
                if args.since is not None:
                    articles = [a for a in articles if a.published >= args.since]
                _print(size.story, size.outlets, articles, as_json=args.json)
    finally:
        await storage.close()
    sys.stdout.flush()
    return 0


def _print(story: int, outlets: int, articles: list[Article], *, as_json: bool) -> None:
    if as_json:
        record = {
            "story": story,
            "outlets": outlets,
            "articles": [
                {"id": a.id, "date": a.date, "source": a.outlet, "title": a.title, "url": a.url}
                for a in articles
            ],
        }
        print(json.dumps(record, ensure_ascii=False))
        return
    noun = "outlet" if outlets == 1 else "outlets"
    print(f"story {story}: {outlets} {noun}, {len(articles)} articles")
    for article in articles:
        print(f"  {article.date}  {article.outlet or '—'}: {article.title}")
    print()
