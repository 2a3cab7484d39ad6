"""The global error handlers: Telegram refusals we can act on, then an apology for the rest.

A reply Telegram refused for its limits or never received (429, network) gets no apology: the
apology would meet the same refusal, and under a flood it would double what the bot sends.
Other failures are apologised for at most once per chat in :data:`APOLOGY_INTERVAL`.
"""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, Chat, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _
from cachetools import TTLCache

from bot.handlers.common import thread_of
from bot.storage import Storage

logger = logging.getLogger(__name__)

APOLOGY_INTERVAL = 30.0  # seconds; a chat gets at most one apology in this time


def router() -> Router:
    """A fresh router with the error handlers (the apologies' memory is its own)."""
    errors = Router(name=__name__)
    errors.errors.register(forbidden, ExceptionTypeFilter(TelegramForbiddenError))
    errors.errors.register(migrate, ExceptionTypeFilter(TelegramMigrateToChat))
    errors.errors.register(
        refused,
        ExceptionTypeFilter(TelegramRetryAfter, TelegramNetworkError, TelegramServerError),
    )
    errors.errors.register(Apologies().unexpected)
    return errors


def _chat_id(event: ErrorEvent, event_chat: Chat | None) -> int | None:
    if event_chat is not None:
        return event_chat.id
    inner = event.update.event
    chat = getattr(inner, "chat", None) or getattr(getattr(inner, "message", None), "chat", None)
    return chat.id if isinstance(chat, Chat) else None


async def forbidden(event: ErrorEvent, store: Storage, event_chat: Chat | None = None) -> None:
    """The user blocked the bot or it was removed: stop writing to that chat."""
    chat_id = _chat_id(event, event_chat)
    logger.warning(
        "update %d: Telegram refused to write to chat %s (%s); deactivating it",
        event.update.update_id,
        chat_id,
        event.exception,
    )
    if chat_id is not None:
        await store.chats.deactivate(chat_id)


async def migrate(event: ErrorEvent, store: Storage, event_chat: Chat | None = None) -> None:
    """The group became a supergroup before we saw the service message."""
    chat_id = _chat_id(event, event_chat)
    exception = event.exception
    assert isinstance(exception, TelegramMigrateToChat)
    logger.info(
        "update %d: chat %s moved to %d",
        event.update.update_id,
        chat_id,
        exception.migrate_to_chat_id,
    )
    if chat_id is not None:
        await store.chats.migrate(chat_id, exception.migrate_to_chat_id)


async def refused(event: ErrorEvent, event_chat: Chat | None = None) -> None:
    """Telegram would not take the reply now (flood control, network, its own error): one
    line, no apology, which would be refused the same way."""
    logger.warning(
        "update %d: the reply to chat %s was not delivered: %s",
        event.update.update_id,
        _chat_id(event, event_chat),
        event.exception,
    )


class Apologies:
    """Logs an unexpected failure and apologises, once per chat in a while."""

    def __init__(self, interval: float = APOLOGY_INTERVAL) -> None:
        self._recent: TTLCache[int, bool] = TTLCache(maxsize=10_000, ttl=interval)

    async def unexpected(
        self, event: ErrorEvent, bot: Bot, event_chat: Chat | None = None
    ) -> None:
        """Log with the update id and apologise; the bot keeps serving other updates."""
        logger.error(
            "update %d failed: %s",
            event.update.update_id,
            event.exception,
            exc_info=event.exception,
        )
        text = _("error.apology")
        inner = event.update.event
        if isinstance(inner, CallbackQuery):
            try:
                await inner.answer(text, show_alert=True)  # an alert, not a message
                return
            except TelegramAPIError:
                pass  # already answered before the failure: say it in the chat instead
        chat_id = _chat_id(event, event_chat)
        if chat_id is None or chat_id in self._recent:
            return
        self._recent[chat_id] = True
        asked = inner.message if isinstance(inner, CallbackQuery) else inner
        thread = thread_of(asked) if isinstance(asked, Message) else None
        try:
            await bot.send_message(chat_id, text, message_thread_id=thread)
        except TelegramAPIError as exc:
            logger.warning("update %d: could not apologise: %s", event.update.update_id, exc)
