"""A digest as Telegram messages: HTML split between items, with "read" and "more" buttons.

Items look exactly as in ``/latest`` (:func:`bot.render.render_item`). A tag's heading and
the digest's header travel in the same part as the item that follows them, so a split
never leaves a heading at the bottom of a message.
"""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from babel.dates import format_date

from bot.callbacks import DigestPage, ReadArticle
from bot.digest.builder import Digest
from bot.i18n import LOCALES, Translator, locale_for, translator
from bot.keyboards import READ_BUTTONS_PER_ROW, without_buttons
from bot.models import Article
from bot.render import (
    PART_SEPARATOR,
    escape,
    html_len,
    plan_by_length,
    render_item,
)
from bot.storage.records import OutboxMessage
from bot.text.tags import telegram_hashtag

SEPARATOR_LENGTH = html_len(PART_SEPARATOR)


class ItemCache:
    """Rendered items, their lengths and button payloads: a pass renders each article once."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._items: dict[tuple[int, str], tuple[str, int]] = {}
        self._buttons: dict[int, str] = {}
        self._headings: dict[str, tuple[str, int]] = {}
        self._labels: dict[tuple[str, int], str] = {}

    def item(self, article: Article, tz: ZoneInfo) -> tuple[str, int]:
        """:func:`bot.render.render_item` without its number, and its length for Telegram."""
        key = (article.id or 0, tz.key)
        found = self._items.get(key)
        if found is None:
            if len(self._items) >= self.size:
                self._items.clear()
            body = render_item(article, tz=tz)
            found = self._items[key] = (body, html_len(body))
        return found

    def heading(self, display: str) -> tuple[str, int]:
        """A tag's heading (``<b>#Tag</b>``) and its length."""
        found = self._headings.get(display)
        if found is None:
            text = f"<b>{escape(telegram_hashtag(display))}</b>"
            found = self._headings[display] = (text, html_len(text))
        return found

    def label(self, template: str, number: int) -> str:
        """A "read" button's label (``📖 3``), as JSON text."""
        key = (template, number)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = json.dumps(template.format(n=number), ensure_ascii=False)
        return found

    def read_data(self, article_id: int) -> str:
        """The "read" button's payload, as JSON text."""
        data = self._buttons.get(article_id)
        if data is None:
            if len(self._buttons) >= self.size:
                self._buttons.clear()
            data = json.dumps(ReadArticle(article_id=article_id).pack())
            self._buttons[article_id] = data
        return data


def header(_: Translator, language: str | None, day: date) -> str:
    """``Сводка за 25 ноября`` in the chat's language."""
    locale = language if language in LOCALES else locale_for(language)
    return _("digest.header").format(date=escape(format_date(day, "d MMMM", locale=locale)))


def render_digest(
    digest: Digest,
    *,
    language: str | None,
    tz: ZoneInfo,
    day: date | None = None,
    cache: ItemCache | None = None,
    offset: int = 0,
    send_empty: bool = False,
) -> list[OutboxMessage]:
    """The digest's messages; none when it is empty and ``send_empty`` is off.

    ``day`` (the local date) puts a header on top; pages shown by the "more" button have
    none and number their items from ``offset + 1``.
    """
    _ = translator(language)
    if digest.empty:
        return [OutboxMessage(_("digest.empty"))] if send_empty and digest.subscribed else []
    cache = cache or ItemCache()
    parts: list[str] = []
    lengths: list[int] = []
    numbers: list[tuple[int, int] | None] = []  # per part: (number, article id) for buttons
    top = header(_, language, day) if day is not None else ""
    current_tag = None
    for number, tag, article in digest.numbered():
        number += offset
        body, length = cache.item(article, tz)
        prefix = f"{number}. "
        pieces = [prefix, body]
        length += len(prefix)
        if tag.key != current_tag:
            current_tag = tag.key
            heading, heading_length = cache.heading(tag.display)
            pieces[:0] = [heading, PART_SEPARATOR]
            length += heading_length + SEPARATOR_LENGTH
        if top:
            pieces[:0] = [top, PART_SEPARATOR]
            length += html_len(top) + SEPARATOR_LENGTH
            top = ""
        parts.append("".join(pieces))
        lengths.append(length)
        numbers.append((number, article.id) if article.id is not None else None)
    more = ""
    if digest.more:
        line = _("digest.more").format(n=digest.more)
        parts.append(line)
        lengths.append(html_len(line))
        numbers.append(None)
        page = DigestPage(after=digest.after, upto=digest.upto, offset=offset + digest.shown)
        label = json.dumps(_("button.more"), ensure_ascii=False)
        more = f'{{"text":{label},"callback_data":{json.dumps(page.pack())}}}'
    read = _("button.read")
    plan = plan_by_length(lengths)
    messages: list[OutboxMessage] = []
    for index, group in enumerate(plan):
        # The keyboard of /latest (bot.keyboards.items_keyboard), written as JSON text: a
        # hundred thousand digests cannot afford a pydantic model per button.
        buttons = [
            f'{{"text":{cache.label(read, pair[0])},"callback_data":{cache.read_data(pair[1])}}}'
            for i in group
            if (pair := numbers[i]) is not None
        ]
        rows = [
            "[" + ",".join(buttons[i : i + READ_BUTTONS_PER_ROW]) + "]"
            for i in range(0, len(buttons), READ_BUTTONS_PER_ROW)
        ]
        if more and index == len(plan) - 1:
            rows.append(f"[{more}]")
        markup = '{"inline_keyboard":[' + ",".join(rows) + "]}" if rows else None
        messages.append(OutboxMessage(PART_SEPARATOR.join(parts[i] for i in group), markup))
    return messages


def without_more(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The keyboard without its digest "more" button, once the next page is shown."""
    return without_buttons(markup, DigestPage)
