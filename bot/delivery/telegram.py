"""The Bot API over HTTP: one JSON POST for every request, and delivery's lean ``sendMessage``.

:func:`post_json` is the one place a request leaves the process (the bot's session and the
delivery client both use it); aiohttp's errors and timeouts become aiogram's
``TelegramNetworkError`` there, so callers see only aiogram's exceptions.

Delivery's call is cut to what a broadcast at 1,000 messages a second can afford: a JSON body
and an answer read only for its ``message_id``. aiogram's generic path sends form data, whose
encoder escapes every byte of a Cyrillic text one at a time, validates a method model, and
parses the whole returned ``Message`` with its entities into models: together more than a
millisecond of CPU per digest message. A refusal still goes through aiogram's
:meth:`~aiogram.client.session.base.BaseSession.check_response`, so errors are aiogram's
exceptions (``TelegramRetryAfter``, ``TelegramForbiddenError`` …).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import TelegramMethod
from aiogram.types import TelegramObject
from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.metrics import Metrics

JSON_HEADERS = {"Content-Type": "application/json"}


async def post_json(
    http: ClientSession,
    url: str,
    body: bytes | str,
    *,
    timeout: float,  # noqa: ASYNC109 - the HTTP client's own, as aiogram passes it
    method: Callable[[], TelegramMethod[Any]],
) -> tuple[int, str]:
    """POST a JSON body; the status and text of the answer, or ``TelegramNetworkError``.

    ``method`` builds the aiogram method for the exception, only when there is one.
    """
    try:
        async with http.post(
            url, data=body, headers=JSON_HEADERS, timeout=ClientTimeout(total=timeout)
        ) as response:
            return response.status, await response.text()
    except TimeoutError as exc:
        raise TelegramNetworkError(method=method(), message="Request timeout error") from exc
    except ClientError as exc:
        message = f"{type(exc).__name__}: {exc}"
        raise TelegramNetworkError(method=method(), message=message) from exc


class SentMessage(TelegramObject):
    """The part of the returned ``Message`` delivery records; the rest is kept unparsed."""

    message_id: int


class SendDigestMessage(TelegramMethod[SentMessage]):
    """``sendMessage`` with HTML text, no link previews and an inline keyboard as JSON.

    Built only when Telegram refused, for aiogram's exceptions to name the method.
    """

    __returning__ = SentMessage
    __api_method__ = "sendMessage"

    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None


_NO_PREVIEW = '"link_preview_options":{"is_disabled":true}'


def request_body(
    chat_id: int, text: str, reply_markup: str | None, options: str | None = None
) -> bytes:
    """The JSON body of ``sendMessage``; the stored keyboard and options JSON go in as they
    are (``options`` is an object of further parameters; link previews are off unless it
    sets ``link_preview_options``)."""
    markup = f',"reply_markup":{reply_markup}' if reply_markup else ""
    extra = options.strip()[1:-1].strip() if options else ""
    preview = "" if '"link_preview_options"' in extra else f",{_NO_PREVIEW}"
    return (
        f'{{"chat_id":{int(chat_id)},"text":{json.dumps(text, ensure_ascii=False)},'
        f'"parse_mode":"{ParseMode.HTML.value}"{preview}{markup}{"," + extra if extra else ""}}}'
    ).encode()


class DeliveryClient:
    """Sends digest messages over its own HTTP connection pool (closed by :meth:`close`)."""

    def __init__(self, bot: Bot, metrics: Metrics | None = None) -> None:
        self.session = AiohttpSession(api=bot.session.api, timeout=bot.session.timeout)
        self.bot = Bot(token=bot.token, session=self.session, default=bot.default)
        self.metrics = metrics or Metrics()

    async def send(
        self, chat_id: int, text: str, reply_markup: str | None, options: str | None = None
    ) -> int:
        """Send one message and return its ``message_id``; aiogram's exceptions otherwise."""

        def method() -> SendDigestMessage:
            markup = json.loads(reply_markup) if reply_markup else None
            return SendDigestMessage(chat_id=chat_id, text=text, reply_markup=markup)

        status, raw = await post_json(
            await self.session.create_session(),
            self.session.api.api_url(token=self.bot.token, method="sendMessage"),
            request_body(chat_id, text, reply_markup, options),
            timeout=self.session.timeout,
            method=method,
        )
        if status == HTTPStatus.OK:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                answer = json.loads(raw)
                if answer["ok"] is True:
                    message_id = int(answer["result"]["message_id"])
                    self.metrics.sent.inc()
                    return message_id
        try:
            # Raises the exception aiogram would (429, 403, migration, 400 …).
            self.session.check_response(
                bot=self.bot, method=method(), status_code=status, content=raw
            )
        except TelegramRetryAfter:
            self.metrics.rate_limited.inc()
            raise
        except TelegramForbiddenError:
            self.metrics.forbidden.inc()
            raise
        raise TelegramAPIError(method=method(), message=f"unexpected answer: {raw[:200]}")

    async def close(self) -> None:
        await self.session.close()
