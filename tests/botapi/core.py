"""The emulated Telegram: state, method dispatch, the send gate, the call log, waiting."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from tests.botapi.errors import NOT_FOUND, APIError, bad_request, forbidden, migrated
from tests.botapi.limits import Injection, Limiter, RateLimits
from tests.botapi.models import (
    CallbackQueryRecord,
    CallRecord,
    Chat,
    InlineQueryRecord,
    StoredFile,
    User,
)
from tests.botapi.params import Params
from tests.botapi.updates import UpdateQueue

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
Handler = Callable[["Telegram", Params], Awaitable[Any]]
METHODS: dict[str, Handler] = {}
DEFAULT_TOKEN = "123456789:AAH_svodka-test-server-token_0123456789"


def api_method(name: str) -> Callable[[Handler], Handler]:
    """Register a Bot API method handler under its (case-insensitive) name."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = handler
        return handler

    return register


class Disconnect(Exception):  # a signal to the HTTP layer, not an error
    """Close the connection without an answer."""


@dataclass(slots=True)
class CallResult:
    status: int  # 0 when the connection is to be dropped
    body: dict[str, Any] | None


class Telegram:
    """Everything the server knows, and ``call(method, params)`` to act on it."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "svodka_bot",
        bot_name: str = "Svodka",
        limits: RateLimits | None = None,
        auto_register: bool = False,
        privacy_mode: bool = True,
        strict_html: bool = True,
        length_unit: Literal["codepoints", "utf16"] = "codepoints",
        callback_timeout: float = 15.0,
        latency: float = 0.0,
        max_log: int = 1_000_000,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot = User(bot_id, bot_name, username=bot_username, is_bot=True)
        self.limits = limits if limits is not None else RateLimits()
        self.auto_register = auto_register
        self.privacy_mode = privacy_mode
        self.strict_html = strict_html
        self.length_unit = length_unit
        self.callback_timeout = callback_timeout
        self.latency = latency
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.usernames: dict[str, Chat] = {}
        self.limiter = Limiter(self.limits)
        self.injections: dict[int | None, deque[Injection]] = {}
        self.queue = UpdateQueue(self.notify)
        self.counters: Counter[str] = Counter()
        self.log: deque[CallRecord] = deque(maxlen=max_log)
        self.callbacks: dict[str, CallbackQueryRecord] = {}
        self.inline_mode = True  # /setinline was done: the bot gets inline queries
        self.inline_queries: dict[str, InlineQueryRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, int | None, int | None, str], list[dict[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.webhook: dict[str, Any] | None = None
        self._waiters: list[asyncio.Future[None]] = []

    # -- dispatch ---------------------------------------------------------------------

    async def call(self, method: str, raw: Mapping[str, Any]) -> CallResult:
        """Run one Bot API call; never raises for a Telegram-level failure."""
        started, wall = time.monotonic(), time.time()
        params = Params(raw)
        name = method.lower()
        handler = METHODS.get(name)
        self.counters["requests"] += 1
        try:
            if handler is None:
                raise NOT_FOUND
            if self.latency:
                await asyncio.sleep(self.latency)
            if self.injections:
                self._injected_for_call(name, params)
            result = await handler(self, params)
            if params.disconnect_after:
                raise Disconnect
            status, body = 200, {"ok": True, "result": result}
        except APIError as error:
            status, body = error.error_code, error.to_json()
        except Disconnect:
            status, body = 0, None
        self.counters[f"method.{method}"] += 1
        self.counters[f"method.{method}.{status}"] += 1
        self.counters[str(status)] += 1
        if body is not None and "migrate_to_chat_id" in body.get("parameters", {}):
            self.counters["400.migrated"] += 1
        description = None if body is None else body.get("description")
        self.log.append(
            CallRecord(
                method, params.loggable(), wall, started, status, description,
                time.monotonic() - started,
            )
        )  # fmt: skip
        if status not in (200, 0) and status != 429:
            logger.debug("%s -> %s %s", method, status, description)
        self.notify()
        return CallResult(status, body)

    def _injected_for_call(self, name: str, params: Params) -> None:
        raw_chat = params.raw.get("chat_id")
        try:
            chat_id = int(raw_chat) if raw_chat not in (None, "") else None
        except (TypeError, ValueError):
            chat_id = None
        for scope in (chat_id, None) if chat_id is not None else (None,):
            queue = self.injections.get(scope)
            if not queue:
                continue
            for injection in queue:
                if injection.methods is not None and name in injection.methods:
                    self._consume(scope, injection)
                    if injection.disconnect:
                        raise Disconnect
                    raise injection.error()

    def _consume(self, scope: int | None, injection: Injection) -> None:
        injection.remaining -= 1
        if injection.remaining <= 0:
            queue = self.injections[scope]
            queue.remove(injection)
            if not queue:
                del self.injections[scope]
        self.counters[f"injected.{injection.error_code or 'disconnect'}"] += 1

    # -- chats ----------------------------------------------------------------------

    def find_chat(self, value: Any, *, empty: str = "chat_id is empty") -> Chat:
        """The chat named by a ``chat_id`` value (an id or ``@username``)."""
        if value is None or value == "":
            raise bad_request(empty)
        chat: Chat | None = None
        if isinstance(value, str) and value.strip().startswith("@"):
            chat = self.usernames.get(value.strip()[1:].lower())
        else:
            try:
                chat_id = int(value)
            except (TypeError, ValueError):
                raise bad_request("chat not found") from None
            chat = self.chats.get(chat_id)
            if chat is None and self.auto_register and chat_id > 0:
                chat = self.register_user(User(chat_id, f"User {chat_id}"))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def register_user(self, user: User) -> Chat:
        """Add (or replace) a user and return their private chat with the bot."""
        self.users[user.id] = user
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(user.id, "private", user=user)
            self.chats[user.id] = chat
        chat.user = user  # @username addresses public chats only, never users
        return chat

    def register_chat(self, chat: Chat) -> Chat:
        self.chats[chat.id] = chat
        if chat.username:
            self.usernames[chat.username.lower()] = chat
        return chat

    def writable(self, chat: Chat) -> Chat:
        """Refuse a chat the bot cannot write to: migrated (400) or forbidden (403)."""
        if chat.migrated_to is not None:
            raise migrated(chat.migrated_to)
        if chat.forbidden is not None:
            raise APIError(403, chat.forbidden)
        if chat.type == "channel" and chat.bot_status not in ("administrator", "creator"):
            raise bad_request("need administrator rights in the channel chat")
        if (
            chat.type == "channel"
            and chat.rights.get(self.bot.id, {}).get("can_post_messages") is False
        ):
            raise bad_request("not enough rights to send text messages to the chat")
        return chat

    # -- the send gate --------------------------------------------------------------

    def admit_send(self, chat: Chat, params: Params) -> None:
        """Penalties, injected failures and rate limits for one valid send."""
        now = time.monotonic()
        penalty = self.limiter.penalised(chat.id, now)
        if penalty is not None:
            self.counters["429.penalty"] += 1
            raise penalty
        for scope in (chat.id, None):
            queue = self.injections.get(scope)
            injection = next((i for i in queue or () if i.methods is None), None)
            if injection is None:
                continue
            self._consume(scope, injection)
            if injection.disconnect and injection.deliver:
                params.disconnect_after = True
                break
            if injection.disconnect:
                raise Disconnect
            error = injection.error()
            if error.error_code == 429 and error.parameters:
                self.counters["429.injected"] += 1
                self.limiter.punish(scope, int(error.parameters["retry_after"]), now)
            raise error
        is_group = chat.type in ("group", "supergroup")
        hit = self.limiter.admit(chat.id, is_group, now)
        if hit is not None:
            self.counters[f"429.rate.{hit[0]}"] += 1
            raise hit[1]
        self.counters["sent"] += 1

    def inject(self, chat_id: int | None, injection: Injection) -> None:
        self.injections.setdefault(chat_id, deque()).append(injection)

    # -- waiting --------------------------------------------------------------------

    def notify(self) -> None:
        """Wake every ``wait_for``; called after each call and each simulated action."""
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[], _T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, not a cancel scope
        what: str = "a condition",
    ) -> _T:
        """Wait until ``predicate()`` returns something truthy, and return it.

        Raise :class:`TimeoutError` naming ``what`` and the last calls seen.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {what} within {timeout} s; {self.recent_calls()}")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                continue

    def recent_calls(self, count: int = 8) -> str:
        calls = list(self.log)[-count:]
        if not calls:
            return "the bot made no Bot API calls"
        shown = "; ".join(
            f"{c.method} {c.status}{' ' + c.description if c.description else ''}" for c in calls
        )
        return f"last calls: {shown}"

    def on_webhook_change(self) -> None:
        """Called after ``setWebhook``/``deleteWebhook``; the HTTP server starts delivery."""

    def forbid(self, chat: Chat, reason: str) -> None:
        chat.forbidden = forbidden(reason).description
