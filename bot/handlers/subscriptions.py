"""``/subscribe``, ``/unsubscribe``, ``/subscriptions`` and the tag toggle buttons."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ConfirmTag, ToggleTag, View
from bot.handlers.common import (
    edit,
    hashtag,
    hashtag_list,
    on_command,
    tag_from_ref,
    tag_picker,
    tag_refs,
    user_tag,
)
from bot.keyboards import subscriptions_keyboard, suggestions_keyboard, tag_label
from bot.models import Tag
from bot.storage import Storage
from bot.text.tags import split_tags, tag_key, telegram_hashtag


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "subscribe", subscribe, flags=ADMIN)
    on_command(routes, "unsubscribe", unsubscribe, flags=ADMIN)
    on_command(routes, "subscriptions", subscriptions)
    routes.callback_query.register(toggle_tag, ToggleTag.filter(), flags=ADMIN)
    routes.callback_query.register(confirm_tag, ConfirmTag.filter(), flags=ADMIN)
    return routes


SUGGESTIONS = 3
MAX_SUBSCRIPTIONS = 50  # keeps /subscriptions within one message and one keyboard
ADMIN = {"chat_admin": True}


async def subscribe(message: Message, command: CommandObject, store: Storage) -> None:
    chat_id = message.chat.id
    words = split_tags(command.args or "")
    if not words:
        picker = await tag_picker(store, chat_id)
        await message.answer(
            _("subscribe.pick") if picker else _("tags.none"), reply_markup=picker
        )
        return
    current = await store.chats.subscribed_keys(chat_id)
    room = MAX_SUBSCRIPTIONS - len(current)
    fresh = [word for word in words if tag_key(word) not in current]
    if len(fresh) > room:
        await message.answer(_("subscribe.too_many").format(max=MAX_SUBSCRIPTIONS))
        return
    known: dict[str, Tag] = {}
    unknown: dict[str, Tag] = {}
    for word in words:
        stored = await store.articles.tag(word)
        if stored is not None:
            known.setdefault(stored.key, Tag(key=stored.key, display=stored.display))
        else:
            tag = user_tag(word)
            if tag.key:
                unknown.setdefault(tag.key, tag)
    added = await store.chats.subscribe(chat_id, known.values())
    subscribed = await store.chats.subscribed_keys(chat_id)
    added_keys = {tag.key for tag in added}
    already = [t for t in [*known.values(), *unknown.values()] if t.key not in added_keys]
    already = [t for t in already if t.key in subscribed]
    lines = []
    if added:
        lines.append(_("subscribe.added").format(tags=hashtag_list(added)))
    if already:
        lines.append(_("subscribe.already").format(tags=hashtag_list(already)))
    pending = [tag for tag in unknown.values() if tag.key not in subscribed]
    suggested: dict[str, Tag] = {}
    for tag in pending:
        closest = await store.articles.suggest_tags(tag.display, limit=SUGGESTIONS)
        if closest:
            lines.append(
                _("subscribe.unknown").format(tag=hashtag(tag.display), tags=hashtag_list(closest))
            )
        else:
            lines.append(_("subscribe.unknown_no_suggestions").format(tag=hashtag(tag.display)))
        for suggestion in closest:
            suggested.setdefault(suggestion.key, suggestion)
    markup = None
    if pending:
        pending_refs = await tag_refs(store, pending)
        suggested_refs = await tag_refs(store, list(suggested.values()))
        markup = suggestions_keyboard(
            list(zip(pending, pending_refs, strict=True)),
            list(zip(suggested.values(), suggested_refs, strict=True)),
            subscribed,
        )
    await message.answer("\n\n".join(lines), reply_markup=markup)


async def unsubscribe(message: Message, command: CommandObject, store: Storage) -> None:
    words = split_tags(command.args or "")
    if not words:
        await subscriptions(message, store)
        return
    keys = list(dict.fromkeys(tag_key(word) for word in words))
    removed = await store.chats.unsubscribe(message.chat.id, keys)
    removed_keys = {tag.key for tag in removed}
    missing = [user_tag(w) for w in words if tag_key(w) not in removed_keys]
    lines = []
    if removed:
        lines.append(_("unsubscribe.removed").format(tags=hashtag_list(removed)))
    if missing:
        unique = list({tag.key: tag for tag in missing}.values())
        lines.append(_("unsubscribe.not_subscribed").format(tags=hashtag_list(unique)))
    await message.answer("\n\n".join(lines))


async def _subscriptions_view(
    store: Storage, chat_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    tags = await store.chats.subscriptions(chat_id)
    if not tags:
        return _("subscriptions.none"), None
    refs = await tag_refs(store, tags)
    text = _("subscriptions.header").format(tags=hashtag_list(tags))
    return text, subscriptions_keyboard(tags, refs)


async def subscriptions(message: Message, store: Storage) -> None:
    text, markup = await _subscriptions_view(store, message.chat.id)
    await message.answer(text, reply_markup=markup)


async def toggle_tag(query: CallbackQuery, callback_data: ToggleTag, store: Storage) -> None:
    tag = await tag_from_ref(store, callback_data.ref)
    if tag is None or query.message is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    chat_id = query.message.chat.id
    subscribed = await store.chats.subscribed_keys(chat_id)
    if tag.key not in subscribed and len(subscribed) >= MAX_SUBSCRIPTIONS:
        await query.answer(_("subscribe.too_many").format(max=MAX_SUBSCRIPTIONS), show_alert=True)
        return
    if tag.key in subscribed:
        await store.chats.unsubscribe(chat_id, [tag.key])
        await query.answer(_("toast.unsubscribed").format(tag=telegram_hashtag(tag.display)))
        now_subscribed = False
    else:
        await store.chats.subscribe(chat_id, [tag])
        await query.answer(_("toast.subscribed").format(tag=telegram_hashtag(tag.display)))
        now_subscribed = True
    if callback_data.view is View.TAGS:
        await edit(query, None, await tag_picker(store, chat_id, offset=callback_data.offset))
    elif callback_data.view is View.SUBSCRIPTIONS:
        text, markup = await _subscriptions_view(store, chat_id)
        await edit(query, text, markup)
    else:
        label = tag_label(tag, subscribed=now_subscribed, count=False)
        await edit(query, None, _relabel(query, label, callback_data.pack()))


async def confirm_tag(query: CallbackQuery, callback_data: ConfirmTag, store: Storage) -> None:
    tag = await tag_from_ref(store, callback_data.ref)
    if tag is None or query.message is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    subscribed = await store.chats.subscribed_keys(query.message.chat.id)
    if tag.key not in subscribed and len(subscribed) >= MAX_SUBSCRIPTIONS:
        await query.answer(_("subscribe.too_many").format(max=MAX_SUBSCRIPTIONS), show_alert=True)
        return
    await store.chats.subscribe(query.message.chat.id, [tag])
    await query.answer(_("toast.subscribed").format(tag=telegram_hashtag(tag.display)))
    toggle = ToggleTag(ref=callback_data.ref, view=View.SUGGESTIONS).pack()
    await edit(query, None, _relabel(query, tag_label(tag, subscribed=True, count=False), toggle))


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
