"""``svodka latest [TAG] [-n N]`` and ``svodka tags``: what the bot would serve, for operators."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.config import Settings
from bot.sources.jsonl import article_to_json
from bot.storage import open_storage
from bot.text.tags import telegram_hashtag

MAX_LATEST = 1000


def register(sub: Any) -> None:
    latest: argparse.ArgumentParser = sub.add_parser(
        "latest", help="print the newest stored articles, overall or for a tag"
    )
    latest.add_argument("tag", nargs="?", help="a hashtag or rubric, with or without #")
    latest.add_argument(
        "-n", type=_count, default=10, metavar="N", help=f"how many (1-{MAX_LATEST}, default 10)"
    )
    latest.add_argument("--json", action="store_true", help="one JSON object per article")
    latest.set_defaults(func=run_latest)

    tags: argparse.ArgumentParser = sub.add_parser(
        "tags", help="print the tags with their article counts"
    )
    tags.add_argument("--json", action="store_true", help="one JSON object per tag")
    tags.set_defaults(func=run_tags)


def _count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_LATEST:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_LATEST}")
    return int(value)


async def run_latest(args: argparse.Namespace, settings: Settings) -> int:
    storage = await open_storage(settings, create=False)
    try:
        if args.tag is not None and await storage.articles.tag(args.tag) is None:
            suggestions = await storage.articles.suggest_tags(args.tag)
            hint = ", ".join(telegram_hashtag(t.display) for t in suggestions)
            suffix = f"; did you mean {hint}?" if hint else ""
            print(f"svodka latest: no tag {args.tag!r}{suffix}", file=sys.stderr)
            return 1
        page = await storage.articles.latest(
            (args.tag,) if args.tag is not None else (), limit=args.n
        )
    finally:
        await storage.close()
    for article in page.articles:
        if args.json:
            print(json.dumps(article_to_json(article), ensure_ascii=False))
            continue
        tags = " ".join(telegram_hashtag(t) for t in article.all_tags)
        print(f"{article.date}  {tags}".rstrip())
        print(f"  {article.title}")
        print(f"  {article.brief}")
        if article.url:
            print(f"  {article.url}")
        print()
    return 0


async def run_tags(args: argparse.Namespace, settings: Settings) -> int:
    storage = await open_storage(settings, create=False)
    try:
        tags = await storage.articles.tags()
    finally:
        await storage.close()
    for tag in tags:
        if args.json:
            print(
                json.dumps(
                    {"tag": tag.display, "key": tag.key, "count": tag.count}, ensure_ascii=False
                )
            )
        else:
            print(f"{tag.count:>7}  {telegram_hashtag(tag.display)}")
    return 0
