"""``svodka latest [TAG] [-n N]``, ``svodka search WORDS [-n N]`` and ``svodka tags``: what the
bot would serve, for operators.

``search`` runs the query ``/search`` runs (the same words, the same index, newest first);
like grep, it exits with status 1 when nothing is found.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.config import Settings
from bot.models import Article
from bot.sources.jsonl import article_to_json
from bot.storage import open_storage
from bot.text.tags import telegram_hashtag

MAX_LATEST = 1000
MAX_QUERY_CHARS = 200  # as /search reads at most


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

    search: argparse.ArgumentParser = sub.add_parser(
        "search", help="print the stored articles /search finds for the words, newest first"
    )
    search.add_argument("words", nargs="+", metavar="WORD", help="words to find")
    search.add_argument(
        "-n", type=_count, default=10, metavar="N", help=f"how many (1-{MAX_LATEST}, default 10)"
    )
    search.add_argument("--json", action="store_true", help="one JSON object per article")
    search.set_defaults(func=run_search)

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
    print_articles(page.articles, as_json=args.json)
    return 0


async def run_search(args: argparse.Namespace, settings: Settings) -> int:
    query = " ".join(" ".join(args.words).split())[:MAX_QUERY_CHARS]
    storage = await open_storage(settings, create=False)
    try:
        page = await storage.articles.search(query, limit=args.n)
    finally:
        await storage.close()
    if not page.articles:
        print(f"svodka search: nothing found for {query!r}", file=sys.stderr)
        return 1
    print_articles(page.articles, as_json=args.json)
    return 0


def print_articles(articles: list[Article], *, as_json: bool) -> None:
    """One JSON object a line (as ``ingest --json``), or a short block of text each."""
    for article in articles:
        if as_json:
            print(json.dumps(article_to_json(article, story=True), ensure_ascii=False))
            continue
        tags = " ".join(telegram_hashtag(t) for t in article.all_tags)
        print(f"{article.date}  {tags}".rstrip())
        print(f"  {article.title}")
        print(f"  {article.brief}")
        if article.url:
            print(f"  {article.url}")
        print()


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
