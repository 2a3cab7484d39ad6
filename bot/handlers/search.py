"""``/search WORDS``: full-text search over stored articles, paged like /latest."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.handlers.common import SEARCH, Listing, answer_to, chat_zone, fetch, send_listing
from bot.handlers.latest import DEFAULT_COUNT, THROTTLED
from bot.models import Chat
from bot.render import escape, shorten
from bot.storage import Storage

router = Router(name=__name__)

MAX_QUERY_CHARS = 200


@router.message(Command("search"), flags=THROTTLED)
@router.channel_post(Command("search"), flags=THROTTLED)
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
    if not page.articles:
        await message.answer(_("search.nothing").format(query=shown))
        return
    header = _("search.header").format(query=shown)
    zone = chat_zone(chat_record, settings)
    await send_listing(answer_to(message), store, listing, page, zone=zone, header=header)
