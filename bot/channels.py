"""Channels run from a private chat: the rights Telegram must grant, and the private chat
acting for a channel.

A channel is served like any chat (subscriptions, schedule, zone, digests); what differs is
who may change it and from where. An administrator picks the channel in the private chat
(``/channels``, a ``request_chat`` button): the bot and the user must both be able to post
in it. From then on, until the user goes back, every handler flagged ``chat_admin`` or
``shows_chat`` — the commands and buttons that change or show a chat's settings (``/subscribe``,
``/unsubscribe``, ``/subscriptions``, ``/tags``, ``/settings``, ``/time``, ``/timezone``,
``/pause``, ``/resume`` …) — acts for the channel: :class:`ActingForMiddleware` gives such
a handler the channel as ``target``, where it would otherwise find the private chat.

Telegram is asked again before each of them whether the user may still post in the channel
(remembered for :data:`RIGHTS_SECONDS`, so a burst of taps costs one request); a user who
may not is no longer paired with the channel, and is told so.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.flags import get_flag
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    CallbackQuery,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ReplyKeyboardRemove,
    TelegramObject,
    User,
)
from aiogram.utils.i18n import gettext as _
from cachetools import TTLCache

from bot.models import Chat
from bot.render import escape
from bot.storage import Storage

logger = logging.getLogger(__name__)

RIGHTS_SECONDS = 30.0

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def can_post(member: ChatMember) -> bool:
    """The channel's owner, or an administrator allowed to post messages."""
    if isinstance(member, ChatMemberOwner):
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)


class ChannelRights:
    """Whether someone (the bot included) may post in a channel, asked of Telegram and
    remembered for ``seconds``."""

    def __init__(self, seconds: float = RIGHTS_SECONDS) -> None:
        self._known: TTLCache[tuple[int, int], bool] = TTLCache(maxsize=10_000, ttl=seconds)

    async def may_post(
        self, bot: Bot, channel_id: int, user_id: int, *, fresh: bool = False
    ) -> bool:
        """``fresh`` asks Telegram even if the answer is remembered."""
        key = (channel_id, user_id)
        known = None if fresh else self._known.get(key)
        if known is not None:
            return known
        try:
            member = await bot.get_chat_member(channel_id, user_id)
        except TelegramAPIError as exc:  # not a member, or the bot is not in the channel
            logger.info("getChatMember of %d in channel %d: %s", user_id, channel_id, exc)
            allowed = False
        else:
            allowed = can_post(member)
        self._known[key] = allowed
        return allowed


class ActingForMiddleware(BaseMiddleware):
    """Puts in ``target`` the chat a handler's change is for: the event's chat, or the
    channel a private chat acts for (for handlers flagged ``chat_admin`` or ``shows_chat``)."""

    def __init__(self, rights: ChannelRights) -> None:
        self.rights = rights

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["target"] = data.get("chat_record")
        chat = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        store: Storage | None = data.get("store")
        if (
            not (get_flag(data, "chat_admin") or get_flag(data, "shows_chat"))
            or chat is None
            or chat.type != ChatType.PRIVATE
            or user is None
            or store is None
        ):
            return await handler(event, data)
        channel = await store.channels.selected(user.id)
        if channel is None:
            return await handler(event, data)
        bot: Bot = data["bot"]
        if not await self.rights.may_post(bot, channel.id, user.id):
            await store.channels.forget(user.id, channel.id)
            await lost_rights(bot, chat.id, channel)
            if isinstance(event, CallbackQuery):
                await event.answer()
            return None
        data["target"] = channel
        return await handler(event, data)


async def lost_rights(bot: Bot, chat_id: int, channel: Chat) -> None:
    """Tell the user they may no longer change the channel (and put its keyboard away)."""
    text = _("channels.lost_rights").format(title=escape(channel.title or str(channel.id)))
    await bot.send_message(chat_id, text, reply_markup=ReplyKeyboardRemove())
