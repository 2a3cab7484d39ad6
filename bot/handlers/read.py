"""The "read" button: the whole stored article, within a few messages.

A press sends at most :data:`MAX_MESSAGES` messages; a longer article ends with a note that
it was cut and a link to its source. One chat reads one article at a time: presses while
an article is still being sent are told to wait, so repeated presses on a long article
cannot queue dozens of messages (and meet Telegram's flood limit).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ReadArticle
from bot.config import Settings
from bot.handlers.common import answer_to, chat_zone, query_chat_id
from bot.models import Article, Chat
from bot.render import (
    MESSAGE_LIMIT,
    escape,
    format_date,
    hashtags,
    link,
    plan_messages,
    split_messages,
    split_text,
)
from bot.storage import Storage

MAX_MESSAGES = 5
# Characters of text worth preparing: more could never be sent in MAX_MESSAGES.
_BUDGET = MAX_MESSAGES * MESSAGE_LIMIT


def router() -> Router:
    routes = Router(name=__name__)
    reader = Reader()
    routes.callback_query.register(reader.read, ReadArticle.filter(), flags={"throttle": "read"})
    return routes


class Reader:
    """Sends articles, one at a time per chat (the chats being sent to are kept here)."""

    def __init__(self) -> None:
        self._sending: set[int] = set()

    async def read(
        self,
        query: CallbackQuery,
        callback_data: ReadArticle,
        store: Storage,
        settings: Settings,
        chat_record: Chat | None = None,
    ) -> None:
        chat_id = query_chat_id(query)
        if chat_id in self._sending:
            await query.answer(_("read.busy"))
            return
        self._sending.add(chat_id)  # before any await: two presses cannot both pass
        try:
            article = await store.articles.get(callback_data.article_id)
            if article is None:
                await query.answer(_("read.gone"), show_alert=True)
                return
            await query.answer()
            answer = answer_to(query)
            for text in article_messages(article, chat_zone(chat_record, settings)):
                await answer(text, None)
        finally:
            self._sending.discard(chat_id)


def article_messages(article: Article, tz: ZoneInfo) -> list[str]:
    """The article as at most :data:`MAX_MESSAGES` messages of HTML."""
    parts, cut = _parts(article, tz)
    source = link(article.url, _("read.source"))
    if not cut:
        whole = [*parts, source] if source else parts
        if len(plan_messages(whole)) <= MAX_MESSAGES:
            return split_messages(whole)
    whole_at = link(article.url, _("read.whole"))
    note = _("read.cut_link").format(link=whole_at) if whole_at else _("read.cut")
    # The most parts that fit with the note (fewer parts never need more messages).
    low, high = 0, len(parts)
    while low < high:
        middle = (low + high + 1) // 2
        if len(plan_messages([*parts[:middle], note])) <= MAX_MESSAGES:
            low = middle
        else:
            high = middle - 1
    return split_messages([*parts[:low], note])


def _parts(article: Article, tz: ZoneInfo) -> tuple[list[str], bool]:
    """Headline, date and tags, body and author as HTML parts, none longer than a message,
    prepared only as far as could be sent; True if the text went further."""
    room = _BUDGET
    cut = False

    def pieces(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
        nonlocal room, cut
        if len(text) > room:
            text, cut = _at_word(text, room), True
        room -= len(text)
        return [escape(piece) for piece in split_text(text, limit)]

    parts = [f"<b>{piece}</b>" for piece in pieces(article.title, MESSAGE_LIMIT - 100)]
    tags = hashtags(article)
    parts.append(f"<i>{format_date(article, tz)}{' · ' + tags if tags else ''}</i>")
    body = article.body or ((article.lead,) if article.lead else ())
    for paragraph in body:
        if room <= 0:
            return parts, True
        parts.extend(pieces(paragraph))
    if article.author:
        if room <= 0:
            return parts, True
        parts.extend(f"<i>{piece}</i>" for piece in pieces(article.author, MESSAGE_LIMIT - 10))
    return parts, cut


def _at_word(text: str, limit: int) -> str:
    """The start of ``text``, at most ``limit`` characters, ended at a space if one is near."""
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space] if space > limit // 2 else head
