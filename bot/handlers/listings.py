"""Listings of stories — /latest, /search, /top and their "more" buttons — and how they page.

Each story is one item (see :mod:`bot.pages`): its lead's headline and summary, «+N
источников» when other outlets told it too, a "read" button and one listing those outlets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import ngettext

from bot import pages
from bot.callbacks import MorePage
from bot.handlers.common import Answer
from bot.keyboards import items_keyboard
from bot.models import Story, StoryPage
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
    # The chat's own news (/latest without a tag): every page hides what the chat muted.
    hide_muted: bool = False

    def dump(self) -> str:
        return "page:" + json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    def query_value(self) -> str:
        query: dict[str, object] = {"kind": self.kind, "tags": self.tags, "query": self.query}
        if self.hide_muted:  # only then: the queries stored before it keep their references
            query["hide_muted"] = True
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
                hide_muted=data.get("hide_muted", False),
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


async def fetch(store: Storage, listing: Listing) -> StoryPage:
    if listing.kind == SEARCH:
        return await pages.search(store, listing.query, limit=listing.limit, cursor=listing.cursor)
    return await pages.latest(store, listing.tags, limit=listing.limit, cursor=listing.cursor)


def sources_label(story: Story) -> str:
    """«+2 источника» for a story other outlets told too, else empty."""
    others = story.outlets - 1
    return ngettext("story.sources", "story.sources", others).format(n=others) if others else ""


async def send_listing(
    answer: Answer,
    store: Storage,
    listing: Listing,
    page: StoryPage,
    *,
    zone: ZoneInfo,
    header: str | None = None,
    footer: Sequence[InlineKeyboardButton] = (),
) -> None:
    """Send a page of stories with "read", "other outlets" and "more" buttons, and the
    ``footer`` row (such as a tag's «🔗») under the last message."""
    more = None
    if page.next_cursor is not None:
        following = replace(
            listing, cursor=page.next_cursor, shown=listing.shown + len(page.stories)
        )
        more = await more_button(store, following)
    first = listing.shown + 1
    await send_stories(
        answer, page.stories, zone=zone, header=header, first=first, more=more, footer=footer
    )


async def send_stories(
    answer: Answer,
    stories: Sequence[Story],
    *,
    zone: ZoneInfo,
    header: str | None = None,
    first: int = 1,
    more: MorePage | None = None,
    footer: Sequence[InlineKeyboardButton] = (),
) -> None:
    """Send numbered stories (split to Telegram's limit between items) with their buttons;
    ``more`` and the ``footer`` row go under the last message."""
    numbered = [
        (
            number,
            story,
            render_item(story.lead, number=number, tz=zone, sources=sources_label(story)),
        )
        for number, story in enumerate(stories, start=first)
        if story.lead.id is not None
    ]
    parts = [header] if header else []
    first_item = len(parts)
    parts.extend(text for _n, _story, text in numbered)
    plan = plan_messages(parts)
    for index, group in enumerate(plan):
        items = [numbered[i - first_item] for i in group if i >= first_item]
        last = index == len(plan) - 1
        markup = items_keyboard(
            [(n, story.lead.id or 0) for n, story, _text in items],
            more if last else None,
            [(n, story.id, story.outlets - 1) for n, story, _text in items if story.others],
            footer if last else (),
        )
        await answer(PART_SEPARATOR.join(parts[i] for i in group), markup)
