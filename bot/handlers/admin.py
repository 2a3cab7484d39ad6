"""Bot administrators' commands (``ADMIN_IDS``): ``/stats`` and ``/ingest``.

Other users get the ordinary unknown-command hint: the router filter lets only admins in.
"""

from __future__ import annotations

import io
import logging
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.errors import ArticleFormatError
from bot.handlers.common import BotAdmin, chat_zone, command_filter, local_time, zone_name
from bot.ingest import Ingester
from bot.models import Article, Chat
from bot.render import escape, shorten
from bot.sources.jsonl import read_jsonl
from bot.storage import Storage
from bot.storage.records import Stats
from bot.stories import file_outlet
from bot.text import parse_article

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download
MAX_ERRORS_SHOWN = 20


def router() -> Router:
    """Bot administrators' commands; the filter lets only ``ADMIN_IDS`` in."""
    routes = Router(name=__name__)
    routes.message.filter(BotAdmin())
    routes.message.register(stats, command_filter("stats"))
    routes.message.register(ingest, command_filter("ingest"))
    return routes


def _digest_line(s: Stats, tz: ZoneInfo) -> str:
    if s.last_run_started_at is None:
        return _("stats.digest_never")
    started = local_time(s.last_run_started_at, tz)
    if s.last_run_finished_at is None:
        return _("stats.digest_running").format(
            started=started, sent=s.last_run_sent, failed=s.last_run_failed
        )
    return _("stats.digest_ran").format(
        started=started,
        finished=local_time(s.last_run_finished_at, tz),
        sent=s.last_run_sent,
        failed=s.last_run_failed,
    )


async def stats(
    message: Message, store: Storage, settings: Settings, chat_record: Chat | None = None
) -> None:
    """The bot's figures, times on the admin's clock with the zone named."""
    s = await store.chats.stats()
    tz = chat_zone(chat_record, settings)
    last_ingest = local_time(s.last_ingest_at, tz) if s.last_ingest_at else _("stats.never")
    await message.answer(
        _("stats.text").format(
            chats=s.chats,
            active=s.active_chats,
            private=s.private_chats,
            groups=s.group_chats,
            subscriptions=s.subscriptions,
            articles=s.articles,
            tags=s.tags,
            last_ingest=last_ingest,
            digest=_digest_line(s, tz),
            pending=s.outbox_pending,
            failed=s.outbox_failed,
            zone=escape(zone_name(tz)),
        )
    )


async def _articles_from(
    message: Message, bot: Bot, settings: Settings
) -> tuple[list[Article | ArticleFormatError], str] | None:
    """Articles in the replied-to message (text or document), with the source name."""
    target = message.reply_to_message
    if target is None:
        return None
    if target.document is not None:
        name = target.document.file_name or f"document-{target.message_id}.txt"
        if (target.document.file_size or 0) > MAX_DOCUMENT_BYTES:
            return [ArticleFormatError(name, 1, "file is larger than 20 MB")], name
        buffer = io.BytesIO()
        await bot.download(target.document, destination=buffer)
        data = buffer.getvalue()
    elif target.text:
        name = f"message-{target.message_id}.txt"
        data = target.text.encode("utf-8")
    else:
        return None
    if name.lower().endswith(".jsonl"):
        return list(
            read_jsonl(data.splitlines(), name, summary_chars=settings.summary_chars)
        ), name
    try:
        article = parse_article(data, name, summary_chars=settings.summary_chars)
    except ArticleFormatError as exc:
        return [exc], name
    article.outlet = file_outlet(article, data, None)
    return [article], name


async def ingest(
    message: Message, bot: Bot, store: Storage, settings: Settings, ingester: Ingester
) -> None:
    found = await _articles_from(message, bot, settings)
    if found is None:
        await message.answer(_("ingest.usage"))
        return
    results, name = found
    articles = [r for r in results if isinstance(r, Article)]
    errors = [r for r in results if isinstance(r, ArticleFormatError)]
    lines = []
    if articles:
        stored = await ingester.store(articles)
        logger.info(
            "ingested %s from Telegram: %d new, %d updated, %d unchanged",
            name,
            stored.added,
            stored.updated,
            stored.unchanged,
        )
        lines.append(
            _("ingest.done").format(
                added=stored.added, updated=stored.updated, unchanged=stored.unchanged
            )
        )
        if len(articles) == 1:
            lines.append(f"<b>{escape(shorten(articles[0].title, 200))}</b>")
    if errors:
        shown = "\n".join(escape(shorten(str(e), 150)) for e in errors[:MAX_ERRORS_SHOWN])
        lines.append(_("ingest.failed").format(count=len(errors), errors=f"<code>{shown}</code>"))
    await message.answer("\n\n".join(lines))
