"""An alert as a Telegram message: what it matched, then its items with "read" buttons."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import tzinfo

from bot.callbacks import ReadArticle
from bot.i18n import translator
from bot.models import Article
from bot.render import PART_SEPARATOR, escape, render_front_item, shorten
from bot.storage.records import OutboxMessage

LABEL_CHARS = 60


def render_alert(
    items: Sequence[tuple[Article, Sequence[str]]],
    *,
    language: str | None,
    tz: tzinfo,
    silent: bool = False,
    rendered: dict[tuple[int, tzinfo], tuple[str, str]] | None = None,
) -> OutboxMessage:
    """One message of up to a few articles, each under what it matched (a ``#tag`` or a
    phrase, as the chat wrote them).

    ``rendered`` keeps each article's item and button by (id, zone) across the messages of
    one pass, where an article alerts hundreds of chats.
    """
    _ = translator(language)
    labels = dict.fromkeys(label for _article, matched in items for label in matched)
    heading = _("alert.header").format(
        matched=escape(", ".join(shorten(label, LABEL_CHARS) for label in labels))
    )
    known = {} if rendered is None else rendered
    parts = [heading]
    buttons = []
    for n, (article, _m) in enumerate(items, start=1):
        key = (article.id or 0, tz)
        if key not in known:
            button = ReadArticle(article_id=article.id or 0).pack()
            known[key] = render_front_item(article, tz=tz), button
        part, button = known[key]
        parts.append(part)
        buttons.append({"text": f"📖 {n}", "callback_data": button})
    markup = json.dumps({"inline_keyboard": [buttons]}, ensure_ascii=False)
    options = json.dumps({"disable_notification": True}) if silent else None
    return OutboxMessage(PART_SEPARATOR.join(parts), markup, options)
