"""``/tags``: every tag with its article count, paged, each a subscribe/unsubscribe toggle."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import TagsPage
from bot.handlers.common import TAGS_PAGE_SIZE, edit, on_command, tag_picker
from bot.storage import Storage


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "tags", tags)
    routes.callback_query.register(tags_page, TagsPage.filter())
    return routes


def _page_text(offset: int) -> str:
    return _("tags.header").format(page=offset // TAGS_PAGE_SIZE + 1)


async def tags(message: Message, store: Storage) -> None:
    picker = await tag_picker(store, message.chat.id)
    if picker is None:
        await message.answer(_("tags.none"))
        return
    await message.answer(_page_text(0), reply_markup=picker)


async def tags_page(query: CallbackQuery, callback_data: TagsPage, store: Storage) -> None:
    if query.message is None:
        await query.answer()
        return
    picker = await tag_picker(store, query.message.chat.id, offset=callback_data.offset)
    if picker is None:
        await query.answer(_("tags.none"))
        return
    await query.answer()
    await edit(query, _page_text(callback_data.offset), picker)
