"""The new articles of a planning pass, fetched once per tag and shared by every chat.

A hundred thousand chats subscribe to a few hundred tags, and after a daily run they share
one cursor; asking ``ArticleRepo.since(cursor, keys)`` per chat would repeat the same
work for each. Asking per ``(cursor, tag)`` and merging gives the same answer: the articles
above the cursor carrying any of the chat's tags, each once with the tags it matched,
newest first — as far back as a digest reads (its window of recent news).
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

    async def recent(
        self, cursor: int, keys: Sequence[str], *, upto: int, since: datetime, cap: int
    ) -> Found:
        """What ``since(cursor, keys)`` holds of articles with ids up to ``upto`` published
        at ``since`` or later: at most ``cap``, newest first, each with the keys it matched.

        The per-tag lists are merged only as far as ``since``.
        """
        lists: list[tuple[str, TagArticles]] = []
        for key in dict.fromkeys(keys):
            cached = await self._tag(cursor, key)
            if cached is None:
                found = await self.articles.since(cursor, keys)
                return recent(found, upto=upto, since=since, cap=cap)
            lists.append((key, cached))
        page: list[tuple[Article, frozenset[str]]] = []
        if len(lists) == 1:  # one tag: its list is the answer
            key, cached = lists[0]
            matched = frozenset((key,))
            for article in cached.articles:
                if article.published < since or len(page) >= cap:
                    break
                if (article.id or 0) <= upto:
                    page.append((article, matched))
            return page
        merged = heapq.merge(
            *(cached.articles for _key, cached in lists), key=_newest, reverse=True
        )
        seen: set[int] = set()
        for article in merged:
            if article.published < since or len(page) >= cap:
                break
            article_id = article.id or 0
            if article_id > upto or article_id in seen:
                continue
            seen.add(article_id)
            matched = frozenset(key for key, cached in lists if article_id in cached.ids)
            page.append((article, matched))
        return page

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


def recent(found: Found, *, upto: int, since: datetime, cap: int) -> Found:
    """Of what ``since()`` found (newest first, with the tag keys each matched), the first
    ``cap`` with ids up to ``upto`` and published at ``since`` or later: articles above
    ``upto`` arrived after the digest was started and wait for the next one."""
    seen: set[int] = set()
    kept: list[tuple[Article, frozenset[str]]] = []
    for article, keys in found:
        if article.published < since or len(kept) >= cap:
            break
        if article.id is None or article.id > upto or article.id in seen:
            continue
        seen.add(article.id)
        kept.append((article, keys))
    return kept


class TagArticles:
    """One tag's new articles, newest first, with their ids as a set."""

    __slots__ = ("articles", "ids", "top")

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        self.ids = frozenset(article.id or 0 for article in articles)
        self.top = max(self.ids, default=0)


def _newest(article: Article) -> tuple[datetime, int]:
    return article.published, article.id or 0
