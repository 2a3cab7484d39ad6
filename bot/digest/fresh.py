"""The new articles of a planning pass, fetched once per tag and shared by every chat.

A hundred thousand chats subscribe to a few hundred tags, and after a daily run they share
one cursor; asking ``ArticleRepo.since(cursor, keys)`` per chat would repeat the same
work for each. Asking per ``(cursor, tag)`` and merging gives the same answer: the articles
above the cursor carrying any of the chat's tags, each once with the tags it matched,
newest first.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import datetime

from bot.digest.builder import Found
from bot.models import Article
from bot.storage import ArticleRepo

# A tag with more new articles than this (a first digest over a busy tag) is not cached:
# that chat asks the store directly, which counts exactly.
PER_TAG = 5_000
CACHED_TAGS = 20_000


class NewArticles:
    """``since(cursor, keys)`` for many chats, one store query per ``(cursor, tag)``."""

    def __init__(self, articles: ArticleRepo, *, per_tag: int = PER_TAG) -> None:
        self.articles = articles
        self.per_tag = per_tag
        self._tags: dict[tuple[int, str], TagArticles | None] = {}

    async def window(
        self, cursor: int, keys: Sequence[str], *, upto: int, skip: int, cap: int
    ) -> tuple[Found, int]:
        """What :func:`bot.digest.builder.window` would make of ``since(cursor, keys)``:
        the page of ``cap`` newest after ``skip``, and the count of all, ids up to ``upto``.

        Only the page is merged from the per-tag lists; the count is a union of id sets.
        """
        lists: list[tuple[str, TagArticles]] = []
        for key in dict.fromkeys(keys):
            cached = await self._tag(cursor, key)
            if cached is None:
                found = await self.articles.since(cursor, keys)
                return window(found, upto=upto, skip=skip, cap=cap)
            lists.append((key, cached))
        ids: set[int] = set()
        for _key, cached in lists:
            ids.update(cached.ids if cached.top <= upto else (i for i in cached.ids if i <= upto))
        page: list[tuple[Article, frozenset[str]]] = []
        if not ids or skip >= len(ids):
            return page, len(ids)
        merged = heapq.merge(
            *(cached.articles for _key, cached in lists), key=_newest, reverse=True
        )
        seen: set[int] = set()
        for article in merged:
            article_id = article.id or 0
            if article_id > upto or article_id in seen:
                continue
            seen.add(article_id)
            if len(seen) <= skip:
                continue
            matched = frozenset(key for key, cached in lists if article_id in cached.ids)
            page.append((article, matched))
            if len(page) >= cap:
                break
        return page, len(ids)

    async def _tag(self, cursor: int, key: str) -> TagArticles | None:
        """The tag's articles above the cursor, newest first; ``None`` if there are too many."""
        entry = (cursor, key)
        if entry not in self._tags:
            if len(self._tags) >= CACHED_TAGS:
                self._tags.clear()
            found = await self.articles.since(cursor, [key], limit=self.per_tag + 1)
            articles = [article for article, _keys in found]
            self._tags[entry] = TagArticles(articles) if len(articles) <= self.per_tag else None
        return self._tags[entry]


def window(found: Found, *, upto: int, skip: int, cap: int) -> tuple[Found, int]:
    """The page shown from what ``since()`` found, and how many articles there are in all.

    ``found`` is newest first with the tag keys each article matched. Articles above
    ``upto`` arrived after the digest was started and wait for the next one.
    """
    seen: set[int] = set()
    fresh: list[tuple[Article, frozenset[str]]] = []
    for article, keys in found:
        if article.id is None or article.id > upto or article.id in seen:
            continue
        seen.add(article.id)
        fresh.append((article, keys))
    return fresh[skip : skip + cap], len(fresh)


class TagArticles:
    """One tag's new articles, newest first, with their ids as a set."""

    __slots__ = ("articles", "ids", "top")

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        self.ids = frozenset(article.id or 0 for article in articles)
        self.top = max(self.ids, default=0)


def _newest(article: Article) -> tuple[datetime, int]:
    return article.published, article.id or 0
