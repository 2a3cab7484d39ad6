"""``/subscribe``, ``/unsubscribe``, ``/subscriptions`` and the tag toggle buttons.

The rules (how a list is read, the cap, known and unknown tags) are
:mod:`bot.subscriptions`'; this module turns their results into replies and keyboards.
Each acts for ``target``: the chat it is used in, or the channel that chat runs
(:mod:`bot.channels`).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from bot import subscriptions as rules
from bot.callbacks import ConfirmTag, ToggleTag, View
from bot.handlers.common import (
    CHANGES_CHAT,
    HASHTAG_CHARS,
    VIEWS_CHAT,
    edit,
    forum_thread,
    hashtag,
    hashtag_list,
    on_command,
    tag_from_ref,
    tag_picker,
    tag_refs,
)
from bot.handlers.overview import subscriptions_view
from bot.keyboards import suggestions_keyboard, tag_label
from bot.models import Chat, Tag
from bot.render import echo, shorten
from bot.storage import Storage
from bot.text.tags import telegram_hashtag

SUGGESTIONS = 3  # closest known tags offered for an unknown one
UNKNOWN_EXPLAINED = 3  # unknown tags explained one by one; the others are only named


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "subscribe", subscribe, flags=CHANGES_CHAT)
    on_command(routes, "unsubscribe", unsubscribe, flags=CHANGES_CHAT)
    on_command(routes, "subscriptions", subscriptions, flags=VIEWS_CHAT)
    routes.callback_query.register(toggle_tag, ToggleTag.filter(), flags=CHANGES_CHAT)
    routes.callback_query.register(confirm_tag, ConfirmTag.filter(), flags=CHANGES_CHAT)
    return routes


def _too_many() -> str:
    return _("subscribe.too_many").format(max=rules.MAX_SUBSCRIPTIONS)


async def subscribe(
    message: Message, command: CommandObject, store: Storage, target: Chat
) -> None:
    chat_id = target.id
    typed = command.args or ""
    if not typed.strip():
        picker = await tag_picker(store, chat_id)
        await message.answer(
            _("subscribe.pick") if picker else _("tags.none"), reply_markup=picker
        )
        return
    forum, thread = forum_thread(message, target)
    try:
        done = await rules.subscribe(store, chat_id, typed, thread_id=thread, forum=forum)
    except rules.TooManySubscriptions:
        await message.answer(_too_many())
        return
    if not (done.added or done.already or done.unknown):
        await message.answer(_("subscribe.no_tags").format(value=echo(typed)))
        return
    lines = []
    if done.added:
        lines.append(_("subscribe.added").format(tags=hashtag_list(done.added)))
    if done.already:
        lines.append(_("subscribe.already").format(tags=hashtag_list(done.already)))
    if thread is not None and (done.added or done.already):
        lines.append(_("subscribe.in_topic"))
    explained = done.unknown[:UNKNOWN_EXPLAINED]
    suggested: dict[str, Tag] = {}
    for tag in explained:
        closest = await store.articles.suggest_tags(tag.display, limit=SUGGESTIONS)
        if closest:
            lines.append(
                _("subscribe.unknown").format(tag=hashtag(tag.display), tags=hashtag_list(closest))
            )
        else:
            lines.append(_("subscribe.unknown_no_suggestions").format(tag=hashtag(tag.display)))
        for suggestion in closest:
            suggested.setdefault(suggestion.key, suggestion)
    if len(done.unknown) > len(explained):
        rest = done.unknown[len(explained) :]
        lines.append(_("subscribe.unknown_more").format(tags=hashtag_list(rest)))
    markup = None
    if explained:
        subscribed = await store.chats.subscribed_keys(chat_id)
        explained_refs = await tag_refs(store, explained)
        suggested_refs = await tag_refs(store, list(suggested.values()))
        markup = suggestions_keyboard(
            list(zip(explained, explained_refs, strict=True)),
            list(zip(suggested.values(), suggested_refs, strict=True)),
            subscribed,
        )
    await message.answer("\n\n".join(lines), reply_markup=markup)


async def unsubscribe(
    message: Message, command: CommandObject, store: Storage, target: Chat
) -> None:
    typed = command.args or ""
    if not typed.strip():
        await subscriptions(message, store, target)  # the flag let only those who may change in
        return
    done = await rules.unsubscribe(store, target.id, typed)
    lines = []
    if done.removed:
        lines.append(_("unsubscribe.removed").format(tags=hashtag_list(done.removed)))
    if done.missing:
        lines.append(_("unsubscribe.not_subscribed").format(tags=hashtag_list(done.missing)))
    if not lines:
        lines.append(_("subscribe.no_tags").format(value=echo(typed)))
    await message.answer("\n\n".join(lines))


async def _subscriptions_view(
    store: Storage, chat: Chat, *, may_change: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A private chat's own subscriptions, or a group's; buttons for who may use them."""
    return await subscriptions_view(store, chat, may_change=may_change)


async def subscriptions(
    message: Message, store: Storage, target: Chat, chat_admin: bool = True
) -> None:
    text, markup = await _subscriptions_view(store, target, may_change=chat_admin)
    await message.answer(text, reply_markup=markup)


async def toggle_tag(
    query: CallbackQuery, callback_data: ToggleTag, store: Storage, target: Chat
) -> None:
    tag = await tag_from_ref(store, callback_data.ref)
    if tag is None or query.message is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    chat_id = target.id
    try:
        _forum, thread = forum_thread(query.message, target)
        now_subscribed = await rules.toggle(store, chat_id, tag, thread)
    except rules.TooManySubscriptions:
        await query.answer(_too_many(), show_alert=True)
        return
    toast = _("toast.subscribed") if now_subscribed else _("toast.unsubscribed")
    await query.answer(toast.format(tag=_toast_tag(tag)))
    if callback_data.view is View.TAGS:
        await edit(query, None, await tag_picker(store, chat_id, offset=callback_data.offset))
    elif callback_data.view is View.SUBSCRIPTIONS:
        text, markup = await _subscriptions_view(store, target, may_change=True)
        await edit(query, text, markup)
    else:
        label = tag_label(tag, subscribed=now_subscribed, count=False)
        await edit(query, None, _relabel(query, label, callback_data.pack()))


async def confirm_tag(
    query: CallbackQuery, callback_data: ConfirmTag, store: Storage, target: Chat
) -> None:
    tag = await tag_from_ref(store, callback_data.ref)
    if tag is None or query.message is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    try:
        await rules.follow(store, target.id, tag, forum_thread(query.message, target)[1])
    except rules.TooManySubscriptions:
        await query.answer(_too_many(), show_alert=True)
        return
    await query.answer(_("toast.subscribed").format(tag=_toast_tag(tag)))
    toggle = ToggleTag(ref=callback_data.ref, view=View.SUGGESTIONS).pack()
    await edit(query, None, _relabel(query, tag_label(tag, subscribed=True, count=False), toggle))


def _toast_tag(tag: Tag) -> str:
    """The tag in a toast: plain text, short enough for Telegram's 200 characters."""
    return shorten(telegram_hashtag(tag.display), HASHTAG_CHARS)


def _relabel(query: CallbackQuery, label: str, data: str) -> InlineKeyboardMarkup | None:
    """The pressed button's keyboard with that button relabelled (and its payload replaced)."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return None
    rows = [
        [
            InlineKeyboardButton(text=label, callback_data=data)
            if button.callback_data == query.data
            else button
            for button in row
        ]
        for row in markup.inline_keyboard
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
