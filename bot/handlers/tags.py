"""``/tags``: every tag with its article count, paged, each a subscribe/unsubscribe toggle
(for ``target``: the chat, or the channel it runs — see :mod:`bot.channels`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import TagsPage
from bot.handlers.common import SHOWS_CHAT, TAGS_PAGE_SIZE, edit, on_command, tag_picker
from bot.models import Chat
from bot.storage import Storage


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "tags", tags, flags=SHOWS_CHAT)
    routes.callback_query.register(tags_page, TagsPage.filter(), flags=SHOWS_CHAT)
    return routes


def _page_text(offset: int) -> str:
    return _("tags.header").format(page=offset // TAGS_PAGE_SIZE + 1)


async def tags(message: Message, store: Storage, target: Chat) -> None:
    picker = await tag_picker(store, target.id)
    if picker is None:
        await message.answer(_("tags.none"))
        return
    await message.answer(_page_text(0), reply_markup=picker)


async def tags_page(
    query: CallbackQuery, callback_data: TagsPage, store: Storage, target: Chat
) -> None:
    if query.message is None:
        await query.answer()
        return
    picker = await tag_picker(store, target.id, offset=callback_data.offset)
    if picker is None:
        await query.answer(_("tags.none"))
        return
    await query.answer()
    await edit(query, _page_text(callback_data.offset), picker)
