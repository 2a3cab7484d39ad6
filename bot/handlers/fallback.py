"""Catch-alls, registered last: a short hint instead of silence.

Private chats get a hint for any unknown command or message. In groups and channels the
bot answers only commands addressed to it by name and replies to its own messages, and
stays quiet otherwise; commands for other bots (``/cmd@otherbot``) are ignored everywhere.

A button press no other router took — a payload that does not unpack (a forged one, or a
button of an older release) — is answered that the button is stale: an unanswered press
keeps the client's spinner running until it times out.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import Check

logger = logging.getLogger(__name__)


def router() -> Router:
    routes = Router(name=__name__)
    for observer in (routes.message, routes.channel_post):
        observer.register(unknown_command, Check(F.text.startswith("/")))
    routes.message.register(private_message, Check(F.chat.type == ChatType.PRIVATE))
    routes.message.register(reply_in_group, Check(F.reply_to_message.from_user))
    routes.callback_query.register(stale_button)
    return routes


def _mention(text: str) -> str | None:
    """``"/cmd@name args"`` → ``"name"``; ``None`` for a command without a mention."""
    command = text.split(maxsplit=1)[0]
    _name, at, mention = command.partition("@")
    return mention if at else None


async def unknown_command(message: Message, bot: Bot) -> None:
    assert message.text is not None
    mention = _mention(message.text)
    me = await bot.me()
    if mention is not None and mention.lower() != (me.username or "").lower():
        return  # addressed to another bot
    if message.chat.type != ChatType.PRIVATE and mention is None:
        return  # in a group, a bare unknown command may be another bot's
    await message.answer(_("fallback.unknown_command"))


async def private_message(message: Message) -> None:
    await message.answer(_("fallback.private"))


async def reply_in_group(message: Message, bot: Bot) -> None:
    """A reply to one of our messages in a group: hint; any other group chatter: silence."""
    replied = message.reply_to_message
    assert replied is not None
    assert replied.from_user is not None
    if replied.from_user.id == bot.id:
        await message.answer(_("fallback.private"))


async def stale_button(query: CallbackQuery) -> None:
    logger.debug("button payload nothing takes: %.80r", query.data)
    await query.answer(_("button.expired"), show_alert=True)
