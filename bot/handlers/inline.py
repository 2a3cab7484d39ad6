"""Inline mode: ``@<bot> выборы`` in any chat offers the stored articles ``/search`` finds.

The same search and word forms as ``/search``, newest first, a page at a time (Telegram asks
for the next with the ``next_offset`` we gave: our paging cursor). Choosing a result sends
the item as ``/latest`` shows it — headline, date and tags, summary, link — from the user,
via the bot. An empty query offers :func:`top_items`: today's biggest stories.

Telegram sends a query per keystroke, at most :data:`QUERY_CHARS` characters long; a longer
one (forged) is cut, never refused. Each page is kept for :data:`CACHE_SECONDS` (and Telegram
is told it may do the same), so the same words typed by many users are searched once; each
article's result is kept as long, since different words find the same newest articles and
building a result costs more than finding it (``benchmarks/inline.py``). The throttle of
every command (:class:`bot.middlewares.ThrottleMiddleware`) holds here too, per user.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.enums import ParseMode
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultUnion,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from cachetools import TTLCache

from bot import pages
from bot.errors import UserInputError
from bot.handlers.search import MAX_QUERY_CHARS as SEARCH_CHARS  # what /search reads
from bot.models import Article, Page
from bot.render import render_item, safe_url, shorten
from bot.storage import Storage

QUERY_CHARS = 256  # what Telegram sends at most
PAGE = 20  # results a page (Telegram takes up to 50)
CACHE_SECONDS = 30
CACHE_PAGES = 4096
CACHE_RESULTS = 20_000
OFFSET_CHARS = 64  # Telegram's limit of next_offset
TITLE_CHARS = 120
DESCRIPTION_CHARS = 160

Results = tuple[list[InlineQueryResultUnion], str]


def router() -> Router:
    routes = Router(name=__name__)
    # A bound method: aiogram runs a callable object that is not a coroutine function in a
    # thread.
    routes.inline_query.register(InlineSearch().answer)
    return routes


async def top_items(store: Storage, *, limit: int, cursor: str | None) -> Page:
    """What an empty query offers: today's biggest stories, as ``/top`` lists them (one page),
    each by its lead article; on a day without any, the newest items, paged."""
    if cursor is None:
        stories = await pages.top(store, limit=limit, now=datetime.now(UTC))
        if stories:
            return Page([story.lead for story in stories], None)
    return await store.articles.latest(limit=limit, cursor=cursor)


def query_words(text: str) -> str:
    """The words searched for: spaces collapsed, at most what ``/search`` reads, in whole
    words (a word cut short would have to match as well, and would not)."""
    words = " ".join(text[:QUERY_CHARS].split())
    if len(words) <= SEARCH_CHARS:
        return words
    cut = words[: SEARCH_CHARS + 1]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut[:SEARCH_CHARS]


def result(article: Article) -> InlineQueryResultArticle:
    """An article as an inline result, sending the item as ``/latest`` shows it."""
    assert article.id is not None
    date = article.published.date().isoformat()
    brief = " ".join(article.brief.split())
    return InlineQueryResultArticle(
        id=str(article.id),
        title=shorten(article.title, TITLE_CHARS),
        description=shorten(f"{date} · {brief}" if brief else date, DESCRIPTION_CHARS),
        url=safe_url(article.url),
        input_message_content=InputTextMessageContent(
            message_text=render_item(article),
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )


class InlineSearch:
    """Answers inline queries, keeping each page of results briefly."""

    def __init__(self) -> None:
        self._pages: TTLCache[tuple[str, str], Results] = TTLCache(
            maxsize=CACHE_PAGES, ttl=CACHE_SECONDS
        )
        self._results: TTLCache[int, InlineQueryResultArticle] = TTLCache(
            maxsize=CACHE_RESULTS, ttl=CACHE_SECONDS
        )

    async def answer(self, inline_query: InlineQuery, store: Storage) -> None:
        words = query_words(inline_query.query)
        offset = inline_query.offset[:OFFSET_CHARS]
        key = (words.casefold(), offset)
        found = self._pages.get(key)
        if found is None:
            found = self._pages[key] = await self._page(store, words, offset or None)
        results, next_offset = found
        await inline_query.answer(
            results, cache_time=int(CACHE_SECONDS), is_personal=False, next_offset=next_offset
        )

    def _result(self, article: Article) -> InlineQueryResultArticle:
        assert article.id is not None
        found = self._results.get(article.id)
        if found is None:
            found = self._results[article.id] = result(article)
        return found

    async def _page(self, store: Storage, words: str, cursor: str | None) -> Results:
        try:
            if words:
                page = await store.articles.search(words, limit=PAGE, cursor=cursor)
            else:
                page = await top_items(store, limit=PAGE, cursor=cursor)
        except UserInputError:  # an offset we never gave out
            return [], ""
        results: list[InlineQueryResultUnion] = [
            self._result(article) for article in page.articles if article.id is not None
        ]
        return results, page.next_cursor or ""
