"""Admin feed lists as OPML: ``/importopml`` (a reply to an OPML file) and the «export OPML»
button under ``/feeds``.

Only the ``ADMIN_IDS`` get through this router; for anyone else the command falls through
as an unknown one and the button as a stale one. The rules (one transaction, what is skipped
and why) are :func:`bot.sources.manage.import_opml`'s.
"""

from __future__ import annotations

import io
import logging

from aiogram import Bot, Router
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ExportFeeds
from bot.handlers.common import BotAdmin, command_filter, query_chat_id
from bot.render import escape, shorten
from bot.sources.limits import size_text
from bot.sources.manage import export_opml, import_opml
from bot.sources.opml import MAX_OPML_BYTES, OpmlError
from bot.storage import Storage

logger = logging.getLogger(__name__)

LINES_SHOWN = 20  # skipped outlines named in the reply; the rest are counted
LINE_CHARS = 150
EXPORT_NAME = "svodka-feeds.opml"


def router() -> Router:
    """The OPML commands; the filters let only ``ADMIN_IDS`` in."""
    routes = Router(name=__name__)
    routes.message.filter(BotAdmin())
    routes.callback_query.filter(BotAdmin())
    routes.message.register(import_feeds, command_filter("importopml"))
    routes.callback_query.register(export_feeds, ExportFeeds.filter())
    return routes


def _code(lines: list[str]) -> str:
    return "<code>" + "\n".join(escape(shorten(line, LINE_CHARS)) for line in lines) + "</code>"


async def import_feeds(message: Message, bot: Bot, store: Storage) -> None:
    replied = message.reply_to_message
    document = replied.document if replied is not None else None
    if document is None:
        await message.answer(_("opml.usage"))
        return
    name = document.file_name or "feeds.opml"
    if (document.file_size or 0) > MAX_OPML_BYTES:
        refused = f"{name}:1: larger than {size_text(MAX_OPML_BYTES)}, the limit of a file"
        await message.answer(_("opml.refused").format(error=_code([refused])))
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    try:
        done = await import_opml(store, buffer.getvalue(), name)
    except OpmlError as exc:
        await message.answer(_("opml.refused").format(error=_code([str(exc)])))
        return
    logger.info(
        "imported %s from Telegram: %d feeds added, %d present, %d bad",
        name,
        len(done.added),
        len(done.present),
        len(done.bad),
    )
    text = _("opml.imported").format(
        added=len(done.added), present=len(done.present), bad=len(done.bad)
    )
    lines = done.lines()
    if lines:
        text += "\n\n" + _code(lines[:LINES_SHOWN])
    if len(lines) > LINES_SHOWN:
        text += "\n" + _("list.more").format(n=len(lines) - LINES_SHOWN)
    await message.answer(text)


async def export_feeds(query: CallbackQuery, bot: Bot, store: Storage) -> None:
    await query.answer()
    document = BufferedInputFile(await export_opml(store), filename=EXPORT_NAME)
    await bot.send_document(query_chat_id(query), document, caption=_("opml.exported"))
