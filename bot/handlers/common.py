"""Helpers shared by the handler modules: registering commands, filters and flags,
answering, zones on the reader's clock, tag references and the tag picker.

A new handler module follows the others: handler functions, and a ``router()`` factory
that registers them (commands with :func:`on_command`, so ``/Latest`` works and channels
are served) and is added to :func:`bot.handlers.get_routers`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.dispatcher.event.handler import CallbackType
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, Filter
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    User,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.magic_filter import MagicFilter

from bot import pages
from bot.config import Settings
from bot.digest.schedule import zone
from bot.handlers.clock import zone_label
from bot.i18n import current_locale
from bot.keyboards import tags_keyboard
from bot.models import Chat, Tag
from bot.render import escape, shorten
from bot.storage import Storage
from bot.subscriptions import typed_tag
from bot.text.tags import telegram_hashtag

logger = logging.getLogger(__name__)

TAGS_PAGE_SIZE = 10
START_TAGS = 8
TAGS_NAMED = 12  # tags named in one line of a reply; any more are counted
HASHTAG_CHARS = 64

Answer = Callable[[str, InlineKeyboardMarkup | None], Awaitable[Any]]

# Handler flags read by bot.middlewares.ChatAdminMiddleware: in groups, a change is for the
# chat's administrators; a view is for everyone, told whether they may change the chat.
CHANGES_CHAT = {"chat_admin": True}
VIEWS_CHAT = {"chat_admin": "ask"}
# A handler flag read by bot.channels.ActingForMiddleware: shows a chat's settings, to anyone
# (a private chat acting for a channel is shown the channel's, as with the flags above).
SHOWS_CHAT = {"shows_chat": True}


def thread_of(message: Message | InaccessibleMessage | None) -> int | None:
    """The forum topic a message was sent in: ``None`` in the general topic or a chat without
    topics. A command sent in a topic binds what it changes there (``/subscribe``; follows
    and modes likewise): the digest sections and alerts it makes go to that topic."""
    if not isinstance(message, Message) or not message.is_topic_message:
        return None
    return message.message_thread_id


def forum_thread(
    message: Message | InaccessibleMessage | None, target: Chat
) -> tuple[bool, int | None]:
    """Whether ``message`` was sent in the forum it changes (not from a private chat acting
    for a channel), and its topic: where that change binds."""
    if message is None or message.chat.id != target.id:
        return False, None
    forum = isinstance(message, Message) and bool(message.chat.is_forum)
    return forum, thread_of(message) if forum else None


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


class BotAdmin(Filter):
    """The sender (of a message or a button press) is one of ``ADMIN_IDS``."""

    async def __call__(
        self, event: TelegramObject, settings: Settings, event_from_user: User | None = None
    ) -> bool:
        return event_from_user is not None and event_from_user.id in settings.admin_ids


def command_filter(*names: str) -> Command:
    """A command filter that takes ``/Latest`` or ``/LATEST`` for ``/latest``, as people type."""
    return Command(*names, ignore_case=True)


def on_command(
    router: Router,
    name: str,
    callback: CallbackType,
    *filters: CallbackType,
    flags: dict[str, Any] | None = None,
) -> None:
    """Register ``/name`` for chats and for channels (a channel's commands come as posts)."""
    router.message.register(callback, command_filter(name), *filters, flags=flags)
    router.channel_post.register(callback, command_filter(name), *filters, flags=flags)


def query_chat_id(query: CallbackQuery) -> int:
    """The chat a button was pressed in (the user's own, for a message too old to reach)."""
    return query.message.chat.id if query.message is not None else query.from_user.id


def in_channel(query: CallbackQuery) -> bool:
    """Whether the pressed button is under a channel's post, which every subscriber sees."""
    message = query.message
    return isinstance(message, Message) and message.chat.type == ChatType.CHANNEL


def answer_to(event: Message | CallbackQuery) -> Answer:
    """Send a new message to the chat an event came from (same forum topic, if any).

    A button pressed under a channel's post is answered to the reader who pressed it, in
    private: what one reader asked for («read», «more», other outlets) must not be posted to
    every subscriber. A reader who never started the bot cannot be written to; that is logged.
    """
    message = event.message if isinstance(event, CallbackQuery) else event
    channel = isinstance(event, CallbackQuery) and in_channel(event)
    if not isinstance(message, Message) or channel:  # a message too old, or a channel's post
        assert isinstance(event, CallbackQuery)
        user_id = event.from_user.id

        async def to_user(text: str, markup: InlineKeyboardMarkup | None) -> Any:
            assert event.bot is not None
            try:
                return await event.bot.send_message(user_id, text, reply_markup=markup)
            except TelegramForbiddenError:
                logger.info("user %d pressed a button but has not started the bot", user_id)
                return None

        return to_user

    async def to_chat(text: str, markup: InlineKeyboardMarkup | None) -> Any:
        return await message.answer(text, reply_markup=markup)

    return to_chat


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


def chat_zone(chat: Chat | None, settings: Settings) -> ZoneInfo:
    return zone(chat.timezone if chat else None, settings.default_timezone)


def zone_name(tz: ZoneInfo | str) -> str:
    """The zone as the reader's language names it: ``Москва (UTC+03:00)``."""
    return zone_label(tz if isinstance(tz, str) else tz.key, current_locale())


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-03-05 14:30``: a moment on the reader's clock (name the zone nearby)."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def hashtag(text: str) -> str:
    """A tag as an escaped Telegram hashtag for use inside HTML, cut to a sensible length."""
    return escape(shorten(telegram_hashtag(text), HASHTAG_CHARS))


def hashtag_list(tags: Sequence[Tag], *, limit: int = TAGS_NAMED) -> str:
    """``#А, #Б, #В`` — or the first ``limit`` of them and how many more there are."""
    named = ", ".join(hashtag(tag.display) for tag in tags[:limit])
    if len(tags) > limit:
        named += " " + _("list.more").format(n=len(tags) - limit)
    return named


# -- references for buttons -------------------------------------------------------------

_TAG_REF = "tag:"


async def tag_refs(store: Storage, tags: Sequence[Tag]) -> list[int]:
    return await store.chats.refs([_TAG_REF + tag.display for tag in tags])


async def tag_from_ref(store: Storage, ref: int) -> Tag | None:
    value = await store.chats.deref(ref)
    if value is None or not value.startswith(_TAG_REF):
        return None
    return typed_tag(value.removeprefix(_TAG_REF))


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
    up = await pages.rising(store, [tag.key for tag in tags], now=datetime.now(UTC))
    return tags_keyboard(
        tags, refs, subscribed, offset=offset, page_size=page_size, has_next=has_next, rising=up
    )
