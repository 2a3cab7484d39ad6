"""Helpers shared by the handler modules: a magic-filter wrapper, tag references, the tag
picker, time zones, and sending a page of articles (for /latest, /search and their "more"
buttons).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.magic_filter import MagicFilter

from bot.callbacks import MorePage
from bot.config import Settings
from bot.keyboards import items_keyboard, tags_keyboard
from bot.models import Chat, Page, Tag
from bot.render import PART_SEPARATOR, escape, plan_messages, render_item
from bot.storage import Storage
from bot.text.tags import tag_display, tag_key, telegram_hashtag

TAGS_PAGE_SIZE = 10
START_TAGS = 8

Answer = Callable[[str, InlineKeyboardMarkup | None], Awaitable[Any]]


class Check(Filter):
    """A magic filter (``F.…``) checked on the event loop: ``Check(F.migrate_to_chat_id)``.

    aiogram runs a bare ``F`` filter through ``asyncio.to_thread`` (it is not a coroutine):
    two thread hand-offs, contending for the GIL, for every message a router looks at.
    """

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool | dict[str, Any]:
        result = self.magic.resolve(event)
        return result if isinstance(result, dict) else bool(result)


def answer_to(event: Message | CallbackQuery) -> Answer:
    """Send a new message to the chat an event came from (same forum topic, if any)."""
    message = event.message if isinstance(event, CallbackQuery) else event
    if not isinstance(message, Message):  # a callback on a message too old to reach
        assert isinstance(event, CallbackQuery)
        user_id = event.from_user.id

        async def to_user(text: str, markup: InlineKeyboardMarkup | None) -> Any:
            assert event.bot is not None
            return await event.bot.send_message(user_id, text, reply_markup=markup)

        return to_user

    async def to_chat(text: str, markup: InlineKeyboardMarkup | None) -> Any:
        return await message.answer(text, reply_markup=markup)

    return to_chat


def chat_zone(chat: Chat | None, settings: Settings) -> ZoneInfo:
    return ZoneInfo((chat.timezone if chat else None) or settings.default_timezone)


def hashtag(text: str) -> str:
    """A tag as an escaped Telegram hashtag, for use inside HTML."""
    return escape(telegram_hashtag(text))


def hashtag_list(tags: Sequence[Tag]) -> str:
    return ", ".join(hashtag(tag.display) for tag in tags)


def user_tag(text: str) -> Tag:
    """A tag as a user typed it, before we know whether it exists."""
    return Tag(key=tag_key(text), display=tag_display(text))


# -- references for buttons -------------------------------------------------------------

_TAG_REF = "tag:"


async def tag_refs(store: Storage, tags: Sequence[Tag]) -> list[int]:
    return await store.chats.refs([_TAG_REF + tag.display for tag in tags])


async def tag_from_ref(store: Storage, ref: int) -> Tag | None:
    value = await store.chats.deref(ref)
    if value is None or not value.startswith(_TAG_REF):
        return None
    return user_tag(value.removeprefix(_TAG_REF))


async def tag_picker(
    store: Storage, chat_id: int, *, offset: int = 0, page_size: int = TAGS_PAGE_SIZE
) -> InlineKeyboardMarkup | None:
    """The page of the most active tags at ``offset``, as subscribe/unsubscribe toggles."""
    tags = await store.articles.tags(limit=page_size + 1, offset=offset)
    if not tags:
        return None
    has_next = len(tags) > page_size
    tags = tags[:page_size]
    refs = await tag_refs(store, tags)
    subscribed = await store.chats.subscribed_keys(chat_id)
    return tags_keyboard(
        tags, refs, subscribed, offset=offset, page_size=page_size, has_next=has_next
    )


# -- listings: /latest, /search and "more" ------------------------------------------------

LATEST = "latest"
SEARCH = "search"


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
        """The listing behind a "more" button, or ``None`` if its reference was pruned."""
        if value is not None and value.startswith("page:"):
            data = json.loads(value.removeprefix("page:"))
            data["tags"] = tuple(data.get("tags", ()))
            return cls(**data)
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
) -> None:
    """Send a page of items (split to Telegram's limit) with "read" and "more" buttons."""
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
        markup = items_keyboard(
            [(n, article_id) for n, article_id, _text in items],
            more if index == len(plan) - 1 else None,
        )
        await answer(PART_SEPARATOR.join(parts[i] for i in group), markup)


async def edit(
    query: CallbackQuery, text: str | None, markup: InlineKeyboardMarkup | None
) -> None:
    """Redraw the message a button belongs to (text and keyboard, or just the keyboard)."""
    message = query.message
    if not isinstance(message, Message):
        return
    try:
        if text is None:
            await message.edit_reply_markup(reply_markup=markup)
        else:
            await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            raise
