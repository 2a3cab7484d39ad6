"""The new articles of a planning pass, fetched once per tag and shared by every chat.

A hundred thousand chats subscribe to a few hundred tags, and after a daily run they share
one cursor; asking ``ArticleRepo.since(cursor, keys)`` per chat would repeat the same
work for each. Asking per ``(cursor, tag)`` and merging gives the same answer: the articles
above the cursor carrying any of the chat's tags, each once with the tags it matched,
newest first — as far back as a digest reads (its window of recent news, :data:`MAX_BACKLOG`).

Followed phrases (in digest mode) join the same merge, each under the key of its digest
section. A phrase's articles are found once per ``(cursor, phrase key, since)`` — chats of
one schedule share ``since`` in a pass — as the alert worker matches: every word in the
headline or lead in some form, no excluded word there (:func:`bot.follows.meets`). The first
:data:`WINDOW_AFTER` searches of a pass ask the search index
(:meth:`bot.storage.ArticleRepo.holding`) for at most :data:`PER_PHRASE` candidates each,
newest first, and confirm them (the index holds the whole text); a pass that asks for more
(a scheduled run over many chats) reads its window once instead and indexes the headlines
and leads itself (:class:`bot.digest.window.WindowIndex`): then each phrase costs what it
finds, and nothing is capped. Both give the same articles while a phrase's index matches in
the window are fewer than :data:`PER_PHRASE`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.digest.builder import Found
from bot.digest.window import WindowIndex
from bot.follows import article_words, meets, parse_key
from bot.models import Article
from bot.storage import ArticleRepo

# A tag with more new articles than this (a first digest over a busy tag) is not cached:
# that chat asks the store directly, which counts exactly.
PER_TAG = 5_000
CACHED_TAGS = 20_000
# A digest looks back over at most this many newest article ids, so the first digest of a
# new chat, or one after a long pause, reads a bounded window and not the whole archive.
MAX_BACKLOG = 10_000
PER_PHRASE = 500
"""Search matches read for one phrase at most, newest first, on the search index's path: a
digest shows 30 stories, and a phrase whose words fill more than this of a day's news is a
commonplace, not a subject; its older matches in the window are left out. Whole-text matches
count here, before the headline and lead are checked, so a word common in bodies leaves fewer
than this to the digest. The window index (past :data:`WINDOW_AFTER` searches) has no cap."""
WINDOW_AFTER = 150
"""Distinct phrase searches a pass asks of the search index before it indexes its window
instead: reading and lemmatising a full window (10,000 articles) takes about half a second of
CPU, as long as some 150 searches on PostgreSQL. One chat's ``/digest``, a preview or a small
run stays on the index."""
CACHED_PHRASES = 50_000
CACHED_WORDS = 50_000  # articles' headline and lead lemmas kept in a pass


class NewArticles:
    """``since(cursor, keys)`` for many chats, one store query per ``(cursor, tag)``.

    ``window_after``: the distinct phrase searches past which the window is indexed (see the
    module docstring); ``backlog``: how far below ``upto`` that window reaches.
    """

    def __init__(
        self,
        articles: ArticleRepo,
        *,
        per_tag: int = PER_TAG,
        per_phrase: int = PER_PHRASE,
        window_after: int = WINDOW_AFTER,
        backlog: int = MAX_BACKLOG,
    ) -> None:
        self.articles = articles
        self.per_tag = per_tag
        self.per_phrase = per_phrase
        self.window_after = window_after
        self.backlog = backlog
        self._searches = 0  # distinct phrase searches asked so far
        self._window: WindowIndex | None = None
        self._tags: dict[tuple[int, str], TagArticles | None] = {}
        self._phrases: dict[tuple[int, str, datetime, int], TagArticles] = {}
        self._words: dict[int, frozenset[str]] = {}  # headline and lead lemmas, by article

    async def recent(
        self,
        cursor: int,
        keys: Sequence[str],
        *,
        upto: int,
        since: datetime,
        cap: int,
        phrases: Mapping[str, str] | None = None,
    ) -> Found:
        """What ``since(cursor, keys)`` holds of articles with ids up to ``upto`` published
        at ``since`` or later: at most ``cap``, newest first, each with the keys it matched.
        ``phrases`` maps more keys (a digest's sections) to followed phrases' keys: the
        articles whose headline or lead holds one match that key too.

        The per-tag and per-phrase lists are merged only as far as ``since``.
        """
        followed = [
            (name, await self._phrase(cursor, phrase, upto=upto, since=since))
            for name, phrase in (phrases or {}).items()
        ]
        lists = list(followed)
        for key in dict.fromkeys(keys):
            cached = await self._tag(cursor, key)
            if cached is None:
                found = await self.articles.since(cursor, keys)
                tagged = recent(found, upto=upto, since=since, cap=cap)
                return _with_phrases(tagged, followed, since=since, cap=cap)
            lists.append((key, cached))
        page: list[tuple[Article, frozenset[str]]] = []
        if len(lists) == 1:  # one tag or phrase: its list is the answer
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

    async def _phrase(self, cursor: int, key: str, *, upto: int, since: datetime) -> TagArticles:
        """The articles of ids in (``cursor``, ``upto``] published at ``since`` or later whose
        headline or lead holds the phrase of this key, newest first."""
        entry = (cursor, key, since, upto)
        found = self._phrases.get(entry)
        if found is None:
            if len(self._phrases) >= CACHED_PHRASES:
                self._phrases.clear()
            words, excluded = parse_key(key)
            window = await self._window_for(cursor, upto)
            if window is not None:
                matched = window.holding(words, excluded, after=cursor, since=since)
            else:
                self._searches += 1
                candidates = await self.articles.holding(
                    words, after=cursor, upto=upto, since=since, limit=self.per_phrase
                )
                matched = [a for a in candidates if meets(words, excluded, self._held(a))]
            found = self._phrases[entry] = TagArticles(matched)
        return found

    async def _window_for(self, cursor: int, upto: int) -> WindowIndex | None:
        """The window index if it covers (``cursor``, ``upto``], built once the pass has asked
        for more than ``window_after`` searches; ``None`` while the search index serves."""
        window = self._window
        if window is None:
            if self._searches < self.window_after:
                return None
            after = max(upto - self.backlog, 0)
            articles = await self.articles.between(after, upto)
            words = [self._held(article) for article in articles]
            window = self._window = WindowIndex(articles, words, after=after, upto=upto)
        return window if window.covers(cursor, upto) else None

    def _held(self, article: Article) -> frozenset[str]:
        """The lemmas of the article's headline and lead, once a pass."""
        article_id = article.id or 0
        found = self._words.get(article_id)
        if found is None:
            if len(self._words) >= CACHED_WORDS:
                self._words.clear()
            found = self._words[article_id] = article_words(article.title, article.lead)
        return found


def _with_phrases(
    found: Found, lists: Sequence[tuple[str, TagArticles]], *, since: datetime, cap: int
) -> Found:
    """``found`` (newest first, each with its keys) and the phrases' articles merged: each
    article once with every key it matched, newest first, at most ``cap``."""
    if not lists:
        return found
    merged: dict[int, tuple[Article, frozenset[str]]] = {
        article.id or 0: (article, keys) for article, keys in found
    }
    for name, cached in lists:
        for article in cached.articles:
            if article.published < since:
                break
            article_id = article.id or 0
            known = merged.get(article_id)
            keys = frozenset((name,)) if known is None else known[1] | {name}
            merged[article_id] = (article if known is None else known[0], keys)
    ordered = sorted(merged.values(), key=lambda item: _newest(item[0]), reverse=True)
    return ordered[:cap]


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
