"""Middlewares: the chat record, group-admin checks (read from a handler flag), a per-chat
throttle on every command and button, and a session middleware that paces every message
the bot sends on the process's shared pacer and waits out Telegram's 429 ``retry_after``.

Handler flag used here::

    @router.message(Command("subscribe"), flags={"chat_admin": True})  # groups: admins only
    @router.message(Command("subscriptions"), flags={"chat_admin": "ask"})  # told in chat_admin
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
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
from aiogram.types import CallbackQuery, Chat, InlineQuery, Message, TelegramObject, User
from aiogram.utils.i18n import gettext as _
from cachetools import TTLCache

from bot.delivery.pacing import Pacer
from bot.i18n import locale_for
from bot.metrics import Metrics
from bot.storage import Storage

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Commands and button presses a chat may send at once before the throttle's pace applies.
THROTTLE_BURST = 5

_retry_enabled: ContextVar[bool] = ContextVar("svodka_retry_enabled", default=True)


@contextlib.contextmanager
def without_retry() -> Iterator[None]:
    """Let ``TelegramRetryAfter`` through at once (for callers that schedule their own retry)."""
    token = _retry_enabled.set(False)
    try:
        yield
    finally:
        _retry_enabled.reset(token)


# Methods that put a message in a chat: Telegram's send limits count these, and only these.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendAudio", "sendVideo",
        "sendAnimation", "sendVoice", "sendVideoNote", "sendMediaGroup", "sendLocation",
        "sendVenue", "sendContact", "sendPoll", "sendDice", "sendSticker", "sendInvoice",
        "sendPaidMedia", "sendGame", "copyMessage", "copyMessages", "forwardMessage",
        "forwardMessages",
    }
)  # fmt: skip


class PacedRequests(BaseRequestMiddleware):
    """Sends each message in its turn on the shared pacer, and waits out Telegram's 429.

    With ``pacer`` (the process's one, shared with digest delivery), a message-sending
    request (:data:`MESSAGE_METHODS`) waits for a global slot before any digest and keeps
    its chat's pace, so a burst of users is answered at the allowed rate without a 429. A
    429 pauses the whole pacer for ``retry_after``: every reply and digest waits, and the
    retries come back one slot at a time, not all at once. Other requests, and every
    request without a pacer (the tests' bots), sleep a 429 out by themselves.

    aiogram does not retry by itself. Gives up (re-raising) after ``attempts`` tries or when
    Telegram asks for a wait longer than ``max_delay`` seconds.
    """

    def __init__(
        self,
        pacer: Pacer | None,
        metrics: Metrics | None = None,
        *,
        attempts: int = 3,
        max_delay: float = 60.0,
    ) -> None:
        self.pacer = pacer
        self.metrics = metrics or Metrics()
        self.attempts = attempts
        self.max_delay = max_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        pacer = self.pacer if method.__api_method__ in MESSAGE_METHODS else None
        chat_id = getattr(method, "chat_id", None)
        if not isinstance(chat_id, int):
            chat_id = None  # a channel's @username: paced overall only
        attempt = 1
        while True:
            if pacer is not None:
                await self._turn(pacer, chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self.metrics.replies_rate_limited.inc()
                if pacer is not None:
                    pacer.pause(exc.retry_after)
                    if chat_id is not None:
                        pacer.hold_chat(chat_id, pacer.clock() + exc.retry_after)
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
                if pacer is None:
                    await asyncio.sleep(exc.retry_after)
                attempt += 1

    @staticmethod
    async def _turn(pacer: Pacer, chat_id: int | None) -> None:
        """Wait until the chat may have a message and a global slot is ours."""
        while True:
            if chat_id is not None:
                delay = pacer.chat_ready_at(chat_id, reply=True) - pacer.clock()
                if delay > 0:
                    await asyncio.sleep(delay)
            await pacer.acquire(reply=True)
            if chat_id is None:
                return
            # Another reply to the same chat may have taken its token meanwhile.
            if pacer.chat_ready_at(chat_id, reply=True) <= pacer.clock():
                pacer.book_chat(chat_id, ChatType.PRIVATE if chat_id > 0 else ChatType.GROUP)
                return


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
        self._cache: TTLCache[tuple[int, int], bool] = TTLCache(maxsize=10_000, ttl=cache_seconds)

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
        cached = self._cache.get((chat_id, user_id))
        if cached is not None:
            return cached
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError as exc:
            logger.warning("getChatMember failed in chat %d: %s", chat_id, exc)
            return False
        is_admin = member.status in _ADMIN_STATUSES
        self._cache[(chat_id, user_id)] = is_admin
        return is_admin


class ThrottleMiddleware(BaseMiddleware):
    """Per-chat limit on every command and button: ``burst`` at once, then one per ``seconds``.

    A token bucket per chat, so a person never meets it and a flood does. The first refusal
    of a flood is told to wait; the rest are dropped silently (a button press is still
    answered, without text, so its spinner stops; an inline query gets no results). The
    flood is over once the chat's bucket is full again. ``seconds`` of 0 turns the limit off.
    An inline query has no chat: it counts against its user's private chat.
    """

    def __init__(
        self,
        seconds: float,
        burst: int = THROTTLE_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.slack = max(0, burst - 1) * seconds
        self.clock = clock
        # chat -> (when its bucket is full again, warned): GCRA's one number per chat. An
        # entry left alone until its bucket is full says nothing, so it may expire then.
        self._chats: TTLCache[int, tuple[float, bool]] = TTLCache(
            maxsize=100_000, ttl=max(burst * seconds, 1.0), timer=clock
        )

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        key = chat.id if chat is not None else user.id if user is not None else None
        if key is None or self.seconds <= 0:
            return await handler(event, data)
        now = self.clock()
        full_at, warned = self._chats.get(key, (now, False))
        if full_at <= now:  # quiet long enough: a new window
            full_at, warned = now, False
        if full_at - now <= self.slack:  # a token left
            self._chats[key] = (full_at + self.seconds, warned)
            return await handler(event, data)
        if not warned:
            self._chats[key] = (full_at, True)
            wait = max(1, math.ceil(full_at - self.slack - now))
            if isinstance(event, (CallbackQuery, Message)):
                await event.answer(_("throttle.wait").format(seconds=wait))
        elif isinstance(event, CallbackQuery):
            await event.answer()
        if isinstance(event, InlineQuery):
            await event.answer([], cache_time=0, is_personal=True)
        logger.debug("throttled an update in chat %d", key)
        return None
