"""``/start`` (welcome and the tag picker) and ``/help``."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.handlers.common import START_TAGS, on_command, tag_picker
from bot.i18n import locale_for
from bot.storage import Storage


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "start", start)
    on_command(routes, "help", help_)
    return routes


async def start(message: Message, store: Storage) -> None:
    if message.from_user is not None and message.chat.type != "private":
        # A group speaks the language of whoever started it; private chats follow the user.
        await store.chats.set_language(
            message.chat.id, locale_for(message.from_user.language_code)
        )
    picker = await tag_picker(store, message.chat.id, page_size=START_TAGS)
    text = _("start.welcome")
    if picker is not None:
        text += "\n\n" + _("start.pick_tags")
    await message.answer(text, reply_markup=picker)


async def help_(message: Message, settings: Settings) -> None:
    text = _("help.text")
    if message.from_user is not None and message.from_user.id in settings.admin_ids:
        text += "\n\n" + _("help.admin")
    await message.answer(text)
