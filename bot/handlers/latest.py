"""``/latest [TAG] [N]``, the "more" button of listings, and "latest for this tag" buttons."""

from __future__ import annotations

import re
from dataclasses import replace

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LatestForTag, MorePage
from bot.config import Settings
from bot.errors import UserInputError
from bot.follows import Mute, hides
from bot.handlers.common import (
    answer_to,
    chat_zone,
    hashtag,
    hashtag_list,
    in_channel,
    on_command,
    query_chat_id,
    tag_from_ref,
    tag_refs,
)
from bot.handlers.links import tag_link_row
from bot.handlers.listings import (
    DEFAULT_COUNT,
    LATEST,
    MAX_COUNT,
    THROTTLED,
    Listing,
    fetch,
    send_listing,
)
from bot.keyboards import latest_suggestions_keyboard, without_more
from bot.models import Article, Chat, StoryPage
from bot.render import echo
from bot.storage import Storage
from bot.text.tags import tag_key


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "latest", latest, flags=THROTTLED)
    routes.callback_query.register(latest_for_tag, LatestForTag.filter(), flags=THROTTLED)
    routes.callback_query.register(more, MorePage.filter(), flags=THROTTLED)
    return routes


SUGGESTIONS = 3
MUTED_PAGES = 5  # pages read past those the chat's mutes empty, before it is told "no more"

_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d*)?")


class BadCount(ValueError):
    """N in ``/latest [TAG] [N]`` is not a whole number from 1 to MAX_COUNT."""


def parse_latest_args(args: str | None) -> tuple[str | None, int]:
    """``"#Политика 10"`` → ``("#Политика", 10)``; the tag may have spaces (a rubric)."""
    words = (args or "").split()
    count = DEFAULT_COUNT
    if words and _NUMBER.fullmatch(words[-1]):
        token = words.pop()
        if not token.isdigit() or not 1 <= int(token) <= MAX_COUNT:
            raise BadCount(token)
        count = int(token)
    return (" ".join(words) or None), count


async def latest(
    message: Message,
    command: CommandObject,
    store: Storage,
    settings: Settings,
    chat_record: Chat | None = None,
) -> None:
    try:
        tag_text, count = parse_latest_args(command.args)
    except BadCount as exc:
        await message.answer(_("latest.bad_count").format(value=echo(str(exc)), max=MAX_COUNT))
        return
    zone = chat_zone(chat_record, settings)
    footer = []
    if tag_text is not None:
        tag = await store.articles.tag(tag_text)
        if tag is None:
            await _unknown_tag(message, store, tag_text)
            return
        listing = Listing(kind=LATEST, limit=count, tags=(tag.key,))
        header = _("latest.header_tag").format(tag=hashtag(tag.display))
        footer = await tag_link_row(store, tag)
    else:
        # /mute hides what the chat does not want from its own news, not from a tag asked for
        subscribed = await store.chats.subscriptions(message.chat.id)
        keys = tuple(t.key for t in subscribed)
        listing = Listing(kind=LATEST, limit=count, tags=keys, hide_muted=True)
        header = _("latest.header_subscriptions") if subscribed else _("latest.header_all")
    page = await _fetch(store, listing, message.chat.id)
    if not page.stories:
        await message.answer(_("latest.empty"))
        return
    answer = answer_to(message)
    await send_listing(answer, store, listing, page, zone=zone, header=header, footer=footer)


async def _fetch(store: Storage, listing: Listing, chat_id: int) -> StoryPage:
    """A page of the listing as the chat sees it: its mutes hide stories of its own news
    (``listing.hide_muted``), and a page they empty gives way to the next, a few at most."""
    page = await fetch(store, listing)
    mutes = await store.follows.mutes(chat_id) if listing.hide_muted else []
    if not mutes:
        return page
    stories = [s for s in page.stories if not _hidden(mutes, s.lead)]
    skipped = 0
    while not stories and page.next_cursor is not None and skipped < MUTED_PAGES:
        page = await fetch(store, replace(listing, cursor=page.next_cursor))
        stories = [s for s in page.stories if not _hidden(mutes, s.lead)]
        skipped += 1
    return replace(page, stories=stories)


def _hidden(mutes: list[Mute], article: Article) -> bool:
    return hides(mutes, article.title, article.lead, article.all_tags)


async def _unknown_tag(message: Message, store: Storage, text: str) -> None:
    """No article carries the tag: no news yet if the chat follows it, else suggestions."""
    followed = {tag.key: tag for tag in await store.chats.subscriptions(message.chat.id)}
    if tag_key(text) in followed:
        shown = hashtag(followed[tag_key(text)].display)
        await message.answer(_("latest.no_news_yet").format(tag=shown))
        return
    shown = hashtag(text) or echo(text)
    closest = await store.articles.suggest_tags(text, limit=SUGGESTIONS)
    if not closest:
        await message.answer(_("latest.unknown_tag").format(tag=shown))
        return
    refs = await tag_refs(store, closest)
    await message.answer(
        _("latest.unknown_tag_suggest").format(tag=shown, tags=hashtag_list(closest)),
        reply_markup=latest_suggestions_keyboard(list(zip(closest, refs, strict=True))),
    )


async def latest_for_tag(
    query: CallbackQuery,
    callback_data: LatestForTag,
    store: Storage,
    settings: Settings,
    chat_record: Chat | None = None,
) -> None:
    tag = await tag_from_ref(store, callback_data.ref)
    if tag is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    await query.answer()
    listing = Listing(kind=LATEST, limit=DEFAULT_COUNT, tags=(tag.key,))
    page = await fetch(store, listing)
    answer = answer_to(query)
    if not page.stories:
        await answer(_("latest.empty"), None)
        return
    header = _("latest.header_tag").format(tag=hashtag(tag.display))
    zone = chat_zone(chat_record, settings)
    footer = await tag_link_row(store, tag)
    await send_listing(answer, store, listing, page, zone=zone, header=header, footer=footer)


async def more(
    query: CallbackQuery,
    callback_data: MorePage,
    store: Storage,
    settings: Settings,
    chat_record: Chat | None = None,
) -> None:
    listing = Listing.load(await store.chats.deref(callback_data.ref), callback_data)
    try:
        page = await _fetch(store, listing, query_chat_id(query)) if listing else None
    except UserInputError:  # a paging cursor we never gave out
        page = None
    if listing is None or page is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    await query.answer()
    answer = answer_to(query)
    if isinstance(query.message, Message) and not in_channel(query):  # a post all see stays
        await query.message.edit_reply_markup(
            reply_markup=without_more(query.message.reply_markup)
        )
    if not page.stories:
        await answer(_("latest.no_more"), None)
        return
    await send_listing(answer, store, listing, page, zone=chat_zone(chat_record, settings))
