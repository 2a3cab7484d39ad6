"""``/follow``, ``/unfollow``, ``/mute``, ``/unmute``, ``/mode`` and their buttons.

Phrases are read by :mod:`bot.follows` (no patterns, only words and their forms); this module
turns the results into replies. Each acts for ``target``: the chat it is used in, or the
channel that chat runs (:mod:`bot.channels`), and in groups only administrators change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FollowAction, FollowButton, TagMode, Unmute
from bot.follows import (
    MAX_FOLLOWS,
    MAX_PHRASE_CHARS,
    MAX_WORDS,
    Follow,
    PhraseError,
    mute_key,
    parse_follow,
)
from bot.handlers.common import (
    CHANGES_CHAT,
    edit,
    forum_thread,
    hashtag,
    on_command,
    tag_from_ref,
)
from bot.handlers.overview import phrase_text, subscriptions_view
from bot.models import Chat, Tag
from bot.render import echo
from bot.storage import Storage
from bot.subscriptions import typed_tag

MUTE_DAYS_MAX = 365
_DURATION = re.compile(r"(\d{1,4})\s*(d|д|дн|дней|дня|день|h|ч)", re.IGNORECASE)
_MODES = {
    "instant": "instant",
    "сразу": "instant",
    "мгновенно": "instant",
    "digest": "digest",
    "дайджест": "digest",
}


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "follow", follow, flags=CHANGES_CHAT)
    on_command(routes, "unfollow", unfollow, flags=CHANGES_CHAT)
    on_command(routes, "mute", mute, flags=CHANGES_CHAT)
    on_command(routes, "unmute", unmute, flags=CHANGES_CHAT)
    on_command(routes, "mode", mode, flags=CHANGES_CHAT)
    routes.callback_query.register(tag_mode, TagMode.filter(), flags=CHANGES_CHAT)
    routes.callback_query.register(follow_button, FollowButton.filter(), flags=CHANGES_CHAT)
    routes.callback_query.register(unmute_button, Unmute.filter(), flags=CHANGES_CHAT)
    return routes


def _phrase_error(error: PhraseError, typed: str) -> str:
    if error.reason == "empty":
        return _("follow.usage")
    if error.reason == "long":
        return _("follow.too_long").format(max=MAX_PHRASE_CHARS)
    if error.reason == "words":
        return _("follow.too_many_words").format(max=MAX_WORDS)
    if error.reason == "only_excluded":
        return _("follow.only_excluded")
    return _("follow.no_words").format(value=echo(typed))


async def follow(message: Message, command: CommandObject, store: Storage, target: Chat) -> None:
    typed = command.args or ""
    try:
        phrase = parse_follow(typed)
    except PhraseError as error:
        await message.answer(_phrase_error(error, typed))
        return
    forum, thread = forum_thread(message, target)
    done = await store.follows.add(target.id, phrase, limit=MAX_FOLLOWS, thread_id=thread)
    if done.status == "exists" and done.follow is not None and forum:
        await store.follows.bind(target.id, done.follow.key, thread)  # moved to this topic
    if done.status == "full":
        await message.answer(_("follow.too_many").format(max=MAX_FOLLOWS))
    elif done.status == "exists" and done.follow is not None:
        await message.answer(_("follow.already").format(phrase=phrase_text(done.follow.phrase)))
    else:
        await message.answer(_("follow.added").format(phrase=phrase_text(phrase.text)))


async def _find_follow(store: Storage, chat_id: int, typed: str) -> Follow | None:
    """The chat's follow written as ``typed``, or of the same lemmas."""
    follows = await store.follows.follows(chat_id)
    written = " ".join(typed.split()).casefold()
    for found in follows:
        if found.phrase.casefold() == written:
            return found
    try:
        key = parse_follow(typed).key
    except PhraseError:
        return None
    return next((found for found in follows if found.key == key), None)


async def unfollow(message: Message, command: CommandObject, store: Storage, target: Chat) -> None:
    typed = command.args or ""
    if not typed.strip():
        text, markup = await subscriptions_view(store, target, may_change=True)
        await message.answer(text, reply_markup=markup)
        return
    found = await _find_follow(store, target.id, typed)
    if found is None or await store.follows.remove(target.id, found.key) is None:
        await message.answer(_("unfollow.not_following").format(value=echo(typed)))
        return
    await message.answer(_("unfollow.removed").format(phrase=phrase_text(found.phrase)))


def _split_duration(typed: str) -> tuple[str, timedelta | None, bool]:
    """The target and the duration at the end (``7d``, ``30 дней``, ``12h``); False when the
    duration is out of range."""
    words = typed.split()
    for take in (2, 1):
        if len(words) > take:
            tail = " ".join(words[-take:])
            if (found := _DURATION.fullmatch(tail)) is not None:
                number, unit = int(found[1]), found[2].casefold()
                span = timedelta(hours=number) if unit in ("h", "ч") else timedelta(days=number)
                ok = timedelta(hours=1) <= span <= timedelta(days=MUTE_DAYS_MAX)
                return " ".join(words[:-take]), span, ok
    return typed.strip(), None, True


async def _mute_target(store: Storage, chat_id: int, typed: str) -> tuple[str, str, str] | None:
    """(kind, key, display) of what ``typed`` names: a tag (written with ``#``, subscribed or
    stored), else words; None for only function words."""
    text = typed.strip()
    if not text.startswith("#"):
        subscribed = await store.chats.subscriptions(chat_id)
        tag = typed_tag(text)
        known = next((t for t in subscribed if t.key == tag.key), None)
        stored = known or await store.articles.tag(text)
        if stored is not None:
            return "tag", stored.key, stored.display
        key = mute_key(text)
        return None if key is None else ("word", key, " ".join(text.split()))
    tag = typed_tag(text)
    if not tag.key:
        return None
    stored = await store.articles.tag(text)
    return "tag", tag.key, (stored.display if stored is not None else tag.display)


def _shown(kind: str, display: str) -> str:
    return hashtag(display) if kind == "tag" else phrase_text(display)


async def mute(message: Message, command: CommandObject, store: Storage, target: Chat) -> None:
    typed = command.args or ""
    text, span, ok = _split_duration(typed)
    if not text:
        await message.answer(_("mute.usage"))
        return
    if not ok:
        await message.answer(_("mute.bad_duration").format(max=MUTE_DAYS_MAX))
        return
    if len(text) > MAX_PHRASE_CHARS:
        await message.answer(_("follow.too_long").format(max=MAX_PHRASE_CHARS))
        return
    found = await _mute_target(store, target.id, text)
    if found is None:
        await message.answer(_("follow.no_words").format(value=echo(text)))
        return
    kind, key, display = found
    until = None if span is None else datetime.now(UTC) + span
    await store.follows.mute(target.id, kind, key, display, until)
    shown = _shown(kind, display)
    if until is None:
        await message.answer(_("mute.done").format(target=shown))
    else:
        date = until.strftime("%d.%m.%Y %H:%M UTC")
        await message.answer(_("mute.done_until").format(target=shown, date=date))


async def unmute(message: Message, command: CommandObject, store: Storage, target: Chat) -> None:
    typed = (command.args or "").strip()
    if not typed:
        await message.answer(_("mute.usage"))
        return
    written = " ".join(typed.lstrip("#").split()).casefold()
    mutes = await store.follows.mutes(target.id, datetime.now(UTC))
    named = next((m for m in mutes if m.display.casefold() == written), None)
    found = (named.kind, named.key) if named else await _mute_target(store, target.id, typed)
    lifted = None if found is None else await store.follows.unmute(target.id, *found[:2])
    if lifted is None:
        await message.answer(_("unmute.not_muted").format(value=echo(typed)))
        return
    await message.answer(_("unmute.done").format(target=_shown(lifted.kind, lifted.display)))


async def mode(message: Message, command: CommandObject, store: Storage, target: Chat) -> None:
    words = (command.args or "").split()
    wanted = _MODES.get(words[-1].casefold()) if words else None
    if wanted is None or len(words) < 2:
        await message.answer(_("mode.usage"))
        return
    typed = " ".join(words[:-1])
    if len(typed) > MAX_PHRASE_CHARS:
        await message.answer(_("mode.unknown").format(value=echo(typed)))
        return
    shown: str | None = None
    tag = typed_tag(typed)
    subscribed = {t.key: t for t in await store.chats.subscriptions(target.id)}
    # Sent inside a forum topic, /mode also binds the subscription's alerts to that topic.
    forum, thread = forum_thread(message, target)
    if tag.key in subscribed:
        await store.follows.set_subscription_mode(target.id, tag.key, wanted)
        if forum:
            await store.chats.bind(target.id, [tag.key], thread)
        shown = hashtag(subscribed[tag.key].display)
    else:
        found = await _find_follow(store, target.id, typed)
        if found is not None:
            await store.follows.set_mode(target.id, found.key, wanted)
            if forum:
                await store.follows.bind(target.id, found.key, thread)
            shown = phrase_text(found.phrase)
    if shown is None:
        await message.answer(_("mode.unknown").format(value=echo(typed)))
        return
    done = _("mode.instant") if wanted == "instant" else _("mode.digest")
    await message.answer(done.format(target=shown))


# -- buttons of /subscriptions ---------------------------------------------------------


def _other(mode_: str) -> str:
    return "digest" if mode_ == "instant" else "instant"


async def _redraw(query: CallbackQuery, store: Storage, target: Chat) -> None:
    text, markup = await subscriptions_view(store, target, may_change=True)
    await edit(query, text, markup)


async def tag_mode(
    query: CallbackQuery, callback_data: TagMode, store: Storage, target: Chat
) -> None:
    tag: Tag | None = await tag_from_ref(store, callback_data.ref)
    modes = await store.follows.subscription_modes(target.id)
    if tag is None or tag.key not in modes:
        await query.answer(_("button.expired"), show_alert=True)
        return
    wanted = _other(modes[tag.key])
    await store.follows.set_subscription_mode(target.id, tag.key, wanted)
    await query.answer(_("toast.instant") if wanted == "instant" else _("toast.digest"))
    await _redraw(query, store, target)


async def follow_button(
    query: CallbackQuery, callback_data: FollowButton, store: Storage, target: Chat
) -> None:
    found = await store.follows.get(target.id, callback_data.follow)
    if found is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    if callback_data.action is FollowAction.REMOVE:
        await store.follows.remove(target.id, found.key)
        await query.answer(_("toast.unfollowed"))
    else:
        wanted = _other(found.mode)
        await store.follows.set_mode(target.id, found.key, wanted)
        await query.answer(_("toast.instant") if wanted == "instant" else _("toast.digest"))
    await _redraw(query, store, target)


async def unmute_button(
    query: CallbackQuery, callback_data: Unmute, store: Storage, target: Chat
) -> None:
    value = await store.chats.deref(callback_data.ref)
    parts = value.split(":", 2) if value is not None else []
    if len(parts) != 3 or parts[0] != "mute":
        await query.answer(_("button.expired"), show_alert=True)
        return
    await store.follows.unmute(target.id, parts[1], parts[2])
    await query.answer(_("toast.unmuted"))
    await _redraw(query, store, target)
