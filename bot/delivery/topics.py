"""Messages for a forum topic that Telegram refuses: sent to the general topic instead.

Replies too: a handler answers in the topic it was asked in (aiogram's ``Message.answer``
passes the topic on), and should Telegram refuse that topic, :class:`TopicFallback` on the
bot's session sends the reply to the general topic with the same line.

A row bound to a topic carries ``message_thread_id`` in its options. When the topic was
closed (400 ``TOPIC_CLOSED``) or deleted (400 ``message thread not found``) the message is not
lost: the worker rewrites the row without the thread id, with one line in the chat's language
on top saying why it came here, and sends it again — once, since the topic never took it.
Digest messages meant for a topic leave room for that line (``NOTE_ROOM`` characters, see
:mod:`bot.digest.topics`); should a text still be too long with it, it goes without the line
rather than not at all.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.utils.i18n import get_i18n

from bot.i18n import translator
from bot.render import MESSAGE_LIMIT, html_len
from bot.storage.records import with_thread

# Telegram's descriptions (lowercased) of a send to a topic it refuses.
TOPIC_CLOSED = "topic_closed"
TOPIC_GONE = "message thread not found"


def refused_topic(description: str) -> bool | None:
    """Whether Telegram's refusal says the topic is closed (True) or gone (False); ``None``
    for any other refusal."""
    lowered = description.lower()
    if TOPIC_CLOSED in lowered:
        return True
    if TOPIC_GONE in lowered:
        return False
    return None


def note_line(language: str | None, *, closed: bool) -> str:
    """The line that says why a message came to the general topic (plain text)."""
    _ = translator(language)
    return _("topic.closed") if closed else _("topic.gone")


def to_general(
    text: str, options: str | None, language: str | None, *, closed: bool
) -> tuple[str, str | None]:
    """The text and options of a topic's message sent to the general topic instead."""
    moved = f"<i>{note_line(language, closed=closed)}</i>\n\n{text}"
    if html_len(moved) > MESSAGE_LIMIT:
        moved = text
    return moved, with_thread(options, None)


class TopicFallback(BaseRequestMiddleware):
    """A reply refused for its forum topic goes to the general topic, with the line saying
    why, in the language of the update being handled."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            closed = refused_topic(exc.message)
            if closed is None or not isinstance(method, SendMessage):
                raise
            if method.message_thread_id is None:
                raise
            language = _language()
            if isinstance(method.parse_mode, str) and method.parse_mode.upper() != "HTML":
                text = f"{note_line(language, closed=closed)}\n\n{method.text}"
            else:
                text, _options = to_general(method.text, None, language, closed=closed)
            changes: dict[str, Any] = {
                "text": text, "message_thread_id": None, "reply_parameters": None,
                "reply_to_message_id": None,
            }  # fmt: skip
            # The same method with other fields: SendMessage answers what ``method`` answers.
            general = cast("TelegramMethod[TelegramType]", method.model_copy(update=changes))
            return await make_request(bot, general)


def _language() -> str | None:
    try:
        return get_i18n().current_locale
    except LookupError:  # outside a handler
        return None
