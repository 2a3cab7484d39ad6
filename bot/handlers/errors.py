"""The global error handlers: Telegram refusals we can act on, then an apology for the rest."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
)
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, Chat, ErrorEvent
from aiogram.utils.i18n import gettext as _

from bot.storage import Storage

logger = logging.getLogger(__name__)


def router() -> Router:
    routes = Router(name=__name__)
    routes.errors.register(forbidden, ExceptionTypeFilter(TelegramForbiddenError))
    routes.errors.register(migrate, ExceptionTypeFilter(TelegramMigrateToChat))
    routes.errors.register(unexpected)
    return routes


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


async def unexpected(event: ErrorEvent, bot: Bot, event_chat: Chat | None = None) -> None:
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
            await inner.answer(text, show_alert=True)
            return
        except TelegramAPIError:
            pass  # already answered before the failure: say it in the chat instead
    chat_id = _chat_id(event, event_chat)
    if chat_id is None:
        return
    try:
        await bot.send_message(chat_id, text)
    except TelegramAPIError as exc:
        logger.warning("update %d: could not apologise: %s", event.update.update_id, exc)
