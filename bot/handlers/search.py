"""``/search WORDS``: full-text search over stored articles, paged like /latest."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.handlers.common import answer_to, chat_zone, on_command
from bot.handlers.listings import (
    DEFAULT_COUNT,
    SEARCH,
    THROTTLED,
    Listing,
    fetch,
    send_listing,
)
from bot.models import Chat
from bot.render import escape, shorten
from bot.storage import Storage

MAX_QUERY_CHARS = 200


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "search", search, flags=THROTTLED)
    return routes


async def search(
    message: Message,
    command: CommandObject,
    store: Storage,
    settings: Settings,
    chat_record: Chat | None = None,
) -> None:
    words = " ".join((command.args or "").split())[:MAX_QUERY_CHARS]
    if not words:
        await message.answer(_("search.usage"))
        return
    listing = Listing(kind=SEARCH, limit=DEFAULT_COUNT, query=words)
    page = await fetch(store, listing)
    shown = escape(shorten(words, 60))
    if not page.stories:
        await message.answer(_("search.nothing").format(query=shown))
        return
    header = _("search.header").format(query=shown)
    zone = chat_zone(chat_record, settings)
    await send_listing(answer_to(message), store, listing, page, zone=zone, header=header)
