"""Listings of articles — /latest, /search and their "more" buttons — and how they page."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton

from bot.callbacks import MorePage
from bot.handlers.common import Answer
from bot.keyboards import items_keyboard
from bot.models import Page
from bot.render import PART_SEPARATOR, plan_messages, render_item
from bot.storage import Storage

LATEST = "latest"
SEARCH = "search"
DEFAULT_COUNT = 5
MAX_COUNT = 20  # items a page may ask for
THROTTLED = {"throttle": "listing"}  # a handler flag: each serves a page of articles


@dataclass(frozen=True, slots=True)
class Listing:
    """A query (kind, tags or words) with its paging state (limit, cursor, items shown).

    A "more" button stores the query once, server-side and shared by everyone asking the
    same (:meth:`query_value`), and carries the paging state in its payload; should that
    not fit in 64 bytes, the whole listing is stored instead (:meth:`dump`).
    """

    kind: str  # LATEST or SEARCH
    limit: int
    tags: tuple[str, ...] = ()  # tag keys for LATEST; empty means overall
    query: str = ""  # words for SEARCH
    cursor: str | None = None
    shown: int = 0  # items already shown, to continue the numbering

    def dump(self) -> str:
        return "page:" + json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    def query_value(self) -> str:
        query = {"kind": self.kind, "tags": self.tags, "query": self.query}
        return "query:" + json.dumps(query, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, value: str | None, button: MorePage) -> Listing | None:
        """The listing behind a "more" button; ``None`` if its reference was pruned or the
        button was not one of ours."""
        if value is not None and value.startswith("page:"):
            data = json.loads(value.removeprefix("page:"))
            data["tags"] = tuple(data.get("tags", ()))
            return cls(**data)
        if not 1 <= button.limit <= MAX_COUNT:
            return None
        if value is not None and value.startswith("query:") and button.cursor:
            data = json.loads(value.removeprefix("query:"))
            return cls(
                kind=data["kind"],
                tags=tuple(data["tags"]),
                query=data["query"],
                limit=button.limit,
                cursor=button.cursor,
                shown=button.shown,
            )
        return None


async def more_button(store: Storage, listing: Listing) -> MorePage:
    """The payload of a "more" button for ``listing`` (whose cursor is the next page's)."""
    assert listing.cursor is not None
    ref = await store.chats.ref(listing.query_value())
    button = MorePage(ref=ref, limit=listing.limit, shown=listing.shown, cursor=listing.cursor)
    try:
        button.pack()  # refuses a separator in a value or more than 64 bytes
    except ValueError:
        button = MorePage(ref=await store.chats.ref(listing.dump()))
    return button


async def fetch(store: Storage, listing: Listing) -> Page:
    if listing.kind == SEARCH:
        return await store.articles.search(
            listing.query, limit=listing.limit, cursor=listing.cursor
        )
    return await store.articles.latest(listing.tags, limit=listing.limit, cursor=listing.cursor)


async def send_listing(
    answer: Answer,
    store: Storage,
    listing: Listing,
    page: Page,
    *,
    zone: ZoneInfo,
    header: str | None = None,
    footer: Sequence[InlineKeyboardButton] = (),
) -> None:
    """Send a page of items (split to Telegram's limit) with "read" and "more" buttons, and
    the ``footer`` row under the last message."""
    more = None
    if page.next_cursor is not None:
        following = replace(
            listing, cursor=page.next_cursor, shown=listing.shown + len(page.articles)
        )
        more = await more_button(store, following)
    numbered = [
        (listing.shown + i, article.id, render_item(article, number=listing.shown + i, tz=zone))
        for i, article in enumerate(page.articles, start=1)
        if article.id is not None
    ]
    parts = [header] if header else []
    first_item = len(parts)
    parts.extend(text for _n, _id, text in numbered)
    plan = plan_messages(parts)
    for index, group in enumerate(plan):
        items = [numbered[i - first_item] for i in group if i >= first_item]
        last = index == len(plan) - 1
        markup = items_keyboard(
            [(n, article_id) for n, article_id, _text in items],
            more if last else None,
            footer if last else (),
        )
        await answer(PART_SEPARATOR.join(parts[i] for i in group), markup)
