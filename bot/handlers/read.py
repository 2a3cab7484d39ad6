"""The "read" button: the whole stored article, in as many messages as Telegram needs."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ReadArticle
from bot.config import Settings
from bot.handlers.common import answer_to, chat_zone
from bot.models import Article, Chat
from bot.render import (
    MESSAGE_LIMIT,
    escape,
    format_date,
    hashtags,
    link,
    split_messages,
    split_text,
)
from bot.storage import Storage


def router() -> Router:
    routes = Router(name=__name__)
    routes.callback_query.register(read, ReadArticle.filter(), flags={"throttle": "read"})
    return routes


def article_parts(article: Article, settings: Settings, chat: Chat | None) -> list[str]:
    """The article as HTML parts, none longer than a message."""
    head_title = split_text(article.title, MESSAGE_LIMIT - 100)
    meta = format_date(article, chat_zone(chat, settings))
    tags = hashtags(article)
    parts = [f"<b>{escape(piece)}</b>" for piece in head_title]
    parts.append(f"<i>{meta}{' · ' + tags if tags else ''}</i>")
    body = article.body or ((article.lead,) if article.lead else ())
    for paragraph in body:
        parts.extend(escape(p) for p in split_text(paragraph, MESSAGE_LIMIT))
    if article.author:
        author = split_text(article.author, MESSAGE_LIMIT - 10)
        parts.extend(f"<i>{escape(piece)}</i>" for piece in author)
    source = link(article.url, _("read.source"))
    if source:
        parts.append(source)
    return parts


async def read(
    query: CallbackQuery,
    callback_data: ReadArticle,
    store: Storage,
    settings: Settings,
    chat_record: Chat | None = None,
) -> None:
    article = await store.articles.get(callback_data.article_id)
    if article is None:
        await query.answer(_("read.gone"), show_alert=True)
        return
    await query.answer()
    answer = answer_to(query)
    for text in split_messages(article_parts(article, settings, chat_record)):
        await answer(text, None)
