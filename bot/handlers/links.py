"""Deep links that subscribe a chat to a tag in one tap, and the «🔗» buttons that give them.

A link ``t.me/<bot>?start=t_<id>`` (``startgroup=`` for a group) names a tag by its id:
Telegram allows 64 characters of ``A-Za-z0-9_-`` in a payload, which a tag's own name may
not fit. ``/start`` with one (:mod:`bot.handlers.start`) offers the subscription as one
button; the tap subscribes the chat — in a group, for its administrators only. A «🔗»
button under a tag's items (:func:`tag_link_row`, :func:`bot.keyboards.tag_link_button`)
answers with the links and a button to share them.
"""

from __future__ import annotations

import re

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.deep_linking import create_start_link, create_startgroup_link
from aiogram.utils.i18n import gettext as _

from bot import subscriptions as rules
from bot.callbacks import FollowLink, TagLink
from bot.handlers.common import CHANGES_CHAT, answer_to, edit, hashtag, query_chat_id
from bot.keyboards import follow_link_keyboard, share_keyboard, tag_link_button
from bot.models import Chat, Tag
from bot.render import escape
from bot.storage import Storage
from bot.text.tags import telegram_hashtag

TAG_PAYLOAD = re.compile(r"t_([0-9]{1,18})")  # ``t_<id>``: a tag's id, as a number fits


def router() -> Router:
    routes = Router(name=__name__)
    routes.callback_query.register(follow_link, FollowLink.filter(), flags=CHANGES_CHAT)
    routes.callback_query.register(give_link, TagLink.filter())
    return routes


def tag_payload(tag_id: int) -> str:
    """The deep-link payload naming the tag with this id."""
    return f"t_{tag_id}"


async def linked_tag(store: Storage, payload: str) -> tuple[Tag, int] | None:
    """The tag a payload names, with its id, while articles carry it; else ``None``."""
    found = TAG_PAYLOAD.fullmatch(payload)
    if found is None:
        return None
    tag = await store.articles.tag_by_id(int(found[1]))
    return (tag, int(found[1])) if tag is not None else None


async def tag_link_row(store: Storage, tag: Tag) -> list[InlineKeyboardButton]:
    """A row with the tag's «🔗» button, for a listing's keyboard (empty if it has no id)."""
    tag_id = (await store.articles.tag_ids([tag.key])).get(tag.key)
    return [tag_link_button(tag, tag_id)] if tag_id is not None else []


async def offer_tag(message: Message, store: Storage, tag: Tag, tag_id: int) -> None:
    """``/start`` with a link: the welcome, and the link's subscription as one button."""
    text = _("start.welcome") + "\n\n"
    if tag.key in await store.chats.subscribed_keys(message.chat.id):
        await message.answer(text + _("link.already").format(tag=hashtag(tag.display)))
        return
    offer = _("link.offer").format(tag=hashtag(tag.display), count=tag.count)
    await message.answer(text + offer, reply_markup=follow_link_keyboard(tag, tag_id))


async def _tag_or_stale(query: CallbackQuery, store: Storage, tag_id: int) -> Tag | None:
    """The button's tag, or ``None`` once the press is answered as stale (the tag is gone)."""
    tag = await store.articles.tag_by_id(tag_id)
    if tag is None:
        await query.answer(_("button.expired"), show_alert=True)
    return tag


async def follow_link(
    query: CallbackQuery, callback_data: FollowLink, store: Storage, target: Chat
) -> None:
    """The link's one tap: subscribe the chat (or the channel it acts for)."""
    tag = await _tag_or_stale(query, store, callback_data.tag)
    if tag is None:
        return
    try:
        await rules.follow(store, target.id, tag)
    except rules.TooManySubscriptions:
        too_many = _("subscribe.too_many").format(max=rules.MAX_SUBSCRIPTIONS)
        await query.answer(too_many, show_alert=True)
        return
    shown = hashtag(tag.display)
    if target.id == query_chat_id(query):
        done = _("link.done").format(tag=shown)
    else:  # the private chat acts for a channel (see bot.channels)
        done = _("link.done_for").format(tag=shown, title=escape(target.title or ""))
    await query.answer()
    await edit(query, done, None)


async def give_link(
    query: CallbackQuery, callback_data: TagLink, store: Storage, bot: Bot
) -> None:
    """«🔗»: the links that subscribe a private chat or a group to the tag, to share."""
    tag = await _tag_or_stale(query, store, callback_data.tag)
    if tag is None:
        return
    await query.answer()
    payload = tag_payload(callback_data.tag)
    link = await create_start_link(bot, payload)
    text = _("link.text").format(
        tag=hashtag(tag.display),
        link=escape(link),
        group_link=escape(await create_startgroup_link(bot, payload)),
    )
    invite = _("link.share_text").format(tag=telegram_hashtag(tag.display))
    await answer_to(query)(text, share_keyboard(link, invite))
