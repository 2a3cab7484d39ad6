"""Lists of stories: what ``/latest``, ``/search`` and ``/top`` show, each event once.

A story is shown by its **lead**, the first article stored of it (the one whose id is the
story's id), or, if that one has no lead paragraph, the earliest one that has: the original
report the others retell, and a headline that stays put as the story grows, so a listing
read twice, a digest and ``/latest`` show one event the same way. The other outlets that
told it are counted («+3 источника») and listed by a button, one article each (their
earliest).

``/latest`` and ``/search`` page through articles newest first as storage does, and show a
story where its first matching article falls (that is when it was news; its later retellings
are not): a later article only stands for a story shown further down. Each story thus has
one place in the list, and paging, with the cursor storage gives out, never shows it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from bot.models import AHEAD, Article, Page, Story, StoryPage
from bot.storage import Storage
from bot.storage.rows import encode_cursor, to_seconds
from bot.text.stem import query_words, search_words
from bot.text.tags import tag_key

TOP_PERIOD = timedelta(hours=24)  # what /top calls today
BASELINE_DAYS = 14  # a tag's usual day is its average over these days before today
RISING_FACTOR = 2.0  # a tag rises when today brings this many times its usual day …
RISING_LEAST = 3  # … and at least this many articles
_ROUNDS = 8  # pages of articles read for one page of stories, at most

Fetch = Callable[[str | None, int], Awaitable[Page]]
Matches = Callable[[Article], bool]


def tell(members: Sequence[Article]) -> Story:
    """The story told by ``members`` (one story's articles, earliest first)."""
    first = next((a for a in members if a.id == a.story), members[0])
    lead = first if first.brief else next((a for a in members if a.brief), first)
    others: dict[str, Article] = {}
    own = _outlet(lead)
    for article in members:
        key = _outlet(article)
        if key != own and key not in others:
            others[key] = article
    return Story(lead, tuple(others.values()))


def _outlet(article: Article) -> str:
    """Who told it: the outlet's name, or the article itself when that is unknown."""
    return article.outlet.casefold() if article.outlet else f"#{article.id}"


async def stories(store: Storage, articles: Sequence[Article]) -> list[Story]:
    """The stories of ``articles``, each once, in the order their first article comes."""
    found = await store.stories.members([_story(a) for a in articles])
    told: dict[int, Story] = {}
    for article in articles:
        story = _story(article)
        if story not in told:
            told[story] = tell(found.get(story) or [article])
    return list(told.values())


async def latest(
    store: Storage, tags: Sequence[str] = (), *, limit: int, cursor: str | None = None
) -> StoryPage:
    """The newest stories, overall or with any of ``tags`` (keys or written forms)."""
    keys = {key for key in map(tag_key, tags) if key}

    async def fetch(position: str | None, count: int) -> Page:
        return await store.articles.latest(tags, limit=count, cursor=position)

    def matches(article: Article) -> bool:
        return not keys or any(tag_key(tag) in keys for tag in article.all_tags)

    return await _page(store, fetch, matches, limit, cursor)


async def search(
    store: Storage, query: str, *, limit: int, cursor: str | None = None
) -> StoryPage:
    """The newest stories with articles that have every word of ``query`` (as /search)."""
    wanted = query_words(query)

    async def fetch(position: str | None, count: int) -> Page:
        return await store.articles.search(query, limit=count, cursor=position)

    def matches(article: Article) -> bool:
        words = set(search_words(article.title, "\n\n".join(article.body), article.lead).split())
        return all(words.intersection(alternatives) for alternatives in wanted)

    return await _page(store, fetch, matches, limit, cursor)


async def top(
    store: Storage, tags: Sequence[str] = (), *, limit: int, now: datetime
) -> list[Story]:
    """Today's biggest stories (the last :data:`TOP_PERIOD`), overall or with any of
    ``tags``, most outlets first: what ``/top`` lists, and the one choice of the day's main
    news for anything else that offers it."""
    sizes = await store.stories.biggest(
        since=now - TOP_PERIOD, until=now + AHEAD, tags=tags, limit=limit
    )
    found = await store.stories.members([size.story for size in sizes])
    return [tell(found[size.story]) for size in sizes if found.get(size.story)]


async def rising(store: Storage, keys: Sequence[str], *, now: datetime) -> set[str]:
    """Those of the tags ``keys`` on the rise: the last :data:`TOP_PERIOD` brought at least
    :data:`RISING_LEAST` articles and :data:`RISING_FACTOR` times their daily average over
    the :data:`BASELINE_DAYS` before (a new tag's average is naught)."""
    recent = now - TOP_PERIOD
    found = await store.stories.tag_activity(
        keys, recent=recent, before=recent - timedelta(days=BASELINE_DAYS)
    )
    return {
        key
        for key, tag in found.items()
        if tag.recent >= RISING_LEAST and tag.recent >= RISING_FACTOR * tag.before / BASELINE_DAYS
    }


async def story(store: Storage, story_id: int) -> Story | None:
    """One story by its id, for its «other outlets» button."""
    found = (await store.stories.members([story_id])).get(story_id)
    return tell(found) if found else None


async def _page(
    store: Storage, fetch: Fetch, matches: Matches, limit: int, cursor: str | None
) -> StoryPage:
    """A page of ``limit`` stories from the articles ``fetch`` pages through (see the module
    docstring); ``cursor`` is where the previous page stopped."""
    shown: list[Story] = []
    found: dict[int, list[Article]] = {}
    position, last = cursor, None
    for _ in range(_ROUNDS):
        page = await fetch(position, 2 * limit + 1)
        missing = [_story(a) for a in page.articles if _story(a) not in found]
        found.update(await store.stories.members(missing))
        for article in page.articles:
            members = found.get(_story(article)) or [article]
            first = min((m for m in members if matches(m)), key=_position, default=article)
            if _position(first) < _position(article):
                continue  # the story's place is further down
            if len(shown) == limit:
                return StoryPage(shown, _cursor(last or article))
            shown.append(tell(members))
            last = article
        if page.next_cursor is None:
            return StoryPage(shown, None)
        position = page.next_cursor
    # Long runs of retellings: the next page goes on from where reading stopped.
    return StoryPage(shown, position)


def _story(article: Article) -> int:
    return article.story or article.id or 0


def _position(article: Article) -> tuple[int, int]:
    return to_seconds(article.published), article.id or 0


def _cursor(article: Article) -> str:
    return encode_cursor(*_position(article))
