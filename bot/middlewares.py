"""Middlewares: the chat record, group-admin checks and throttling (read from handler flags),
and a session middleware that waits out Telegram's 429 ``retry_after``.

Handler flags used here::

    @router.message(Command("latest"), flags={"throttle": "latest"})   # per-chat rate limit
    @router.message(Command("subscribe"), flags={"chat_admin": True})  # groups: admins only
    @router.message(Command("subscriptions"), flags={"chat_admin": "ask"})  # told in chat_admin
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.flags import get_flag
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User
from aiogram.utils.i18n import gettext as _

from bot.i18n import locale_for
from bot.storage import Storage

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

_retry_enabled: ContextVar[bool] = ContextVar("svodka_retry_enabled", default=True)


@contextlib.contextmanager
def without_retry() -> Iterator[None]:
    """Let ``TelegramRetryAfter`` through at once (for callers that schedule their own retry)."""
    token = _retry_enabled.set(False)
    try:
        yield
    finally:
        _retry_enabled.reset(token)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Waits ``retry_after`` and repeats a request Telegram refused with 429.

    aiogram does not retry by itself. Gives up (re-raising) after ``attempts`` tries or when
    Telegram asks for a wait longer than ``max_delay`` seconds.
    """

    def __init__(self, attempts: int = 3, max_delay: float = 60.0) -> None:
        self.attempts = attempts
        self.max_delay = max_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if (
                    not _retry_enabled.get()
                    or attempt >= self.attempts
                    or exc.retry_after > self.max_delay
                ):
                    raise
                logger.warning(
                    "%s: flood control, retrying in %d s (attempt %d of %d)",
                    type(method).__name__,
                    exc.retry_after,
                    attempt + 1,
                    self.attempts,
                )
                await asyncio.sleep(exc.retry_after)
                attempt += 1


class ChatMiddleware(BaseMiddleware):
    """Remembers every chat the bot hears from and puts its record in ``chat_record``.

    Writes only when the chat is new, was inactive (the user unblocked the bot), or its
    type, title or (in private chats) language changed; otherwise it is one indexed read.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        store: Storage | None = data.get("store")
        if chat is not None and store is not None:
            user: User | None = data.get("event_from_user")
            language = locale_for(user.language_code) if user is not None else None
            private = chat.type == ChatType.PRIVATE
            record = await store.chats.get(chat.id)
            if (
                record is None
                or not record.active
                or record.type != chat.type
                or record.title != chat.title
                or (private and language is not None and record.language != language)
            ):
                # A group keeps the language of whoever it was first seen with.
                record = await store.chats.upsert(
                    chat.id,
                    type=chat.type,
                    title=chat.title,
                    language=language if record is None or private else None,
                )
            data["chat_record"] = record
        return await handler(event, data)


_ADMIN_STATUSES = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR}


class ChatAdminMiddleware(BaseMiddleware):
    """In groups, lets only chat administrators through handlers flagged ``chat_admin``.

    A handler flagged ``chat_admin="ask"`` runs for everyone and gets ``chat_admin``: whether
    the sender may change the chat (to show members what they can read, without buttons
    they cannot use). Membership is asked with getChatMember and remembered for
    ``cache_seconds``.
    """

    def __init__(self, cache_seconds: float = 60.0) -> None:
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        flag = get_flag(data, "chat_admin")
        if not flag:
            return await handler(event, data)
        allowed = await self._may_change(event, data)
        if flag == "ask":
            data["chat_admin"] = allowed
            return await handler(event, data)
        if allowed:
            return await handler(event, data)
        text = _("group.admins_only")
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        elif isinstance(event, Message):
            await event.reply(text)
        return None

    async def _may_change(self, event: TelegramObject, data: dict[str, Any]) -> bool:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
            return True  # a channel's posts come from its admins
        sender_chat = event.sender_chat if isinstance(event, Message) else None
        if sender_chat is not None and sender_chat.id == chat.id:  # an anonymous admin
            return True
        user: User | None = data.get("event_from_user")
        bot: Bot = data["bot"]
        return user is not None and await self._is_admin(bot, chat.id, user.id)

    async def _is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        now = time.monotonic()
        cached = self._cache.get((chat_id, user_id))
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError as exc:
            logger.warning("getChatMember failed in chat %d: %s", chat_id, exc)
            return False
        is_admin = member.status in _ADMIN_STATUSES
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[(chat_id, user_id)] = (now, is_admin)
        return is_admin


class ThrottleMiddleware(BaseMiddleware):
    """Per-chat rate limit for handlers flagged ``throttle``: one call per ``seconds``.

    The first refused call in a window is told to wait; further ones are dropped silently.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[tuple[int, str], tuple[float, bool]] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        key = get_flag(data, "throttle")
        chat: Chat | None = data.get("event_chat")
        if not key or chat is None or self.seconds <= 0:
            return await handler(event, data)
        now = time.monotonic()
        slot = (chat.id, str(key))
        last = self._last.get(slot)
        if last is None or now - last[0] >= self.seconds:
            self._prune(now)
            self._last[slot] = (now, False)
            return await handler(event, data)
        started, warned = last
        if not warned:
            self._last[slot] = (started, True)
            wait = max(1, round(self.seconds - (now - started) + 0.5))
            text = _("throttle.wait").format(seconds=wait)
            if isinstance(event, (CallbackQuery, Message)):
                await event.answer(text)
        elif isinstance(event, CallbackQuery):
            await event.answer()
        logger.debug("throttled %s in chat %d", key, chat.id)
        return None

    def _prune(self, now: float) -> None:
        if len(self._last) > 10_000:
            horizon = now - self.seconds
            self._last = {k: v for k, v in self._last.items() if v[0] >= horizon}
