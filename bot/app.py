"""Factories for the Bot and the Dispatcher, shared by ``run`` and the tests.

The dispatcher is assembled here and nowhere else:

* routers from :func:`bot.handlers.get_routers`, in their deliberate order;
* outer middlewares: the chat record (:class:`~bot.middlewares.ChatMiddleware`), then the
  interface language (:class:`~bot.i18n.LanguageMiddleware`, which may use that record);
* inner middlewares, driven by handler flags: throttling (inline queries too, per user),
  the chat a change is for (a private chat may act for a channel, :mod:`bot.channels`),
  then group-admin checks;
* dependencies by name: ``settings``, ``store`` (our :class:`Storage`; ``storage`` is
  aiogram's FSM keyword), ``channel_rights`` and anything passed as ``extra``;
* with ``metrics``, an outer ``update`` middleware counting updates and timing commands;
* on startup, the command menus per role in Russian and English (:func:`set_menu`).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Collection
from enum import StrEnum
from typing import Any, cast

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BotCommandScopeUnion,
    InputFile,
)
from aiogram.utils.i18n import I18n

from bot.channels import ActingForMiddleware, ChannelRights
from bot.config import Settings
from bot.delivery.pacing import Pacer
from bot.delivery.telegram import post_json
from bot.delivery.topics import TopicFallback
from bot.handlers import get_routers
from bot.i18n import DEFAULT_LOCALE, LOCALES, N_, LanguageMiddleware, create_i18n
from bot.ingest import Ingester
from bot.metrics import Metrics, UpdateMetricsMiddleware
from bot.middlewares import (
    ChatAdminMiddleware,
    ChatMiddleware,
    PacedRequests,
    ThrottleMiddleware,
)
from bot.storage import Storage

logger = logging.getLogger(__name__)


class Role(StrEnum):
    """Who a command of the menu is for."""

    READER = "reader"  # everyone, in every chat
    CHAT_ADMIN = (
        "chat_admin"  # whoever may change the chat: a private chat's user, a group's admins
    )
    PRIVATE = "private"  # private chats only
    BOT_ADMIN = "bot_admin"  # ADMIN_IDS, in their private chats


# The command menus, in the order Telegram shows them; each role's menu takes its lines.
MENU_COMMANDS: tuple[tuple[str, str, Role], ...] = (
    ("latest", N_("command.latest"), Role.READER),
    ("top", N_("command.top"), Role.READER),
    ("digest", N_("command.digest"), Role.READER),
    ("search", N_("command.search"), Role.READER),
    ("tags", N_("command.tags"), Role.READER),
    ("subscribe", N_("command.subscribe"), Role.CHAT_ADMIN),
    ("unsubscribe", N_("command.unsubscribe"), Role.CHAT_ADMIN),
    ("subscriptions", N_("command.subscriptions"), Role.READER),
    ("follow", N_("command.follow"), Role.CHAT_ADMIN),
    ("unfollow", N_("command.unfollow"), Role.CHAT_ADMIN),
    ("mute", N_("command.mute"), Role.CHAT_ADMIN),
    ("unmute", N_("command.unmute"), Role.CHAT_ADMIN),
    ("mode", N_("command.mode"), Role.CHAT_ADMIN),
    ("settings", N_("command.settings"), Role.READER),
    ("time", N_("command.time"), Role.CHAT_ADMIN),
    ("timezone", N_("command.timezone"), Role.CHAT_ADMIN),
    ("quiet", N_("command.quiet"), Role.CHAT_ADMIN),
    ("pause", N_("command.pause"), Role.CHAT_ADMIN),
    ("resume", N_("command.resume"), Role.CHAT_ADMIN),
    ("channels", N_("command.channels"), Role.PRIVATE),
    ("help", N_("command.help"), Role.READER),
    ("start", N_("command.start"), Role.READER),
    ("stats", N_("command.stats"), Role.BOT_ADMIN),
    ("ingest", N_("command.ingest"), Role.BOT_ADMIN),
    ("feeds", N_("command.feeds"), Role.BOT_ADMIN),
    ("addfeed", N_("command.addfeed"), Role.BOT_ADMIN),
    ("rmfeed", N_("command.rmfeed"), Role.BOT_ADMIN),
    ("pausefeed", N_("command.pausefeed"), Role.BOT_ADMIN),
    ("resumefeed", N_("command.resumefeed"), Role.BOT_ADMIN),
    ("importopml", N_("command.importopml"), Role.BOT_ADMIN),
)

# Telegram shows a chat the menu of the narrowest scope that has one: a bot admin's own
# chat, else private chats, else a group's administrators, else groups and the default.
MENUS: tuple[tuple[BotCommandScopeUnion, frozenset[Role]], ...] = (
    (BotCommandScopeDefault(), frozenset({Role.READER})),
    (BotCommandScopeAllGroupChats(), frozenset({Role.READER})),
    (BotCommandScopeAllChatAdministrators(), frozenset({Role.READER, Role.CHAT_ADMIN})),
    (BotCommandScopeAllPrivateChats(), frozenset({Role.READER, Role.CHAT_ADMIN, Role.PRIVATE})),
)


class JsonSession(AiohttpSession):
    """aiogram's aiohttp session, made cheaper per request where it matters under load.

    * Requests without files go as a JSON body: the form encoding aiogram uses escapes every
      byte of a Cyrillic text one at a time in Python; JSON costs a fraction of that, and
      Telegram takes both. The JSON is UTF-8: escaping each Cyrillic letter as six ASCII
      characters would make the body two and a half times as long.
    * aiogram parses each answer as ``Response[ReturnType]``, a pydantic generic that
      pydantic caches only weakly: once the garbage collector drops it, the next request
      rebuilds the class (~20 ms of CPU, stalling every update in flight). The session
      keeps the classes it has used alive.

    Answers are still parsed by aiogram, so its exceptions and return types hold.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_dumps", functools.partial(json.dumps, ensure_ascii=False))
        super().__init__(*args, **kwargs)
        self._response_types: dict[Any, type[Response[Any]]] = {}

    def json_body(
        self, bot: Bot, method: TelegramMethod[TelegramType], files: dict[str, InputFile]
    ) -> dict[str, Any]:
        """The request's parameters as the JSON object sent (``files`` gets the uploads)."""
        return {
            key: prepared
            for key, value in method.model_dump(warnings=False).items()
            if (prepared := self.prepare_value(value, bot=bot, files=files, _dumps_json=False))
            is not None
        }

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        files: dict[str, InputFile] = {}
        body = self.json_body(bot, method, files)
        if files:  # uploads go as multipart form data
            return await super().make_request(bot, method, timeout)
        status, content = await post_json(
            await self.create_session(),
            self.api.api_url(token=bot.token, method=method.__api_method__),
            self.json_dumps(body),
            timeout=self.timeout if timeout is None else timeout,
            method=lambda: method,
        )
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        checked = self.check_response(bot=bot, method=method, status_code=status, content=content)
        return cast(TelegramType, checked.result)


def create_bot(
    settings: Settings,
    session: BaseSession | None = None,
    *,
    pacer: Pacer | None = None,
    metrics: Metrics | None = None,
) -> Bot:
    """A Bot talking HTML to ``TELEGRAM_API_URL`` that waits out 429s before giving up.

    ``session`` replaces the HTTP session (the tests record calls at this edge). With
    ``pacer`` (the process's one, shared with delivery) every message the bot sends waits
    for its turn under Telegram's limits, before any digest. ``metrics`` counts the 429s.
    """
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is required to create the bot")
    if session is None:
        session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(TopicFallback())  # outermost: its second try is paced too
    session.middleware(PacedRequests(pacer, metrics))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def menu_commands(
    i18n: I18n, locale: str, roles: Collection[Role] = tuple(Role)
) -> list[BotCommand]:
    """The menu of whoever has ``roles``, in ``locale``."""
    return [
        BotCommand(command=name, description=i18n.gettext(key, locale=locale))
        for name, key, role in MENU_COMMANDS
        if role in roles
    ]


async def set_menu(bot: Bot, i18n: I18n, admin_ids: Collection[int] = ()) -> None:
    """Register the command menus per role: Russian by default, and per language.

    A bot admin who never wrote to the bot has no chat to set a menu for yet; that one is
    skipped with a warning (the next start sets it).
    """
    menus = [
        *MENUS,
        *((BotCommandScopeChat(chat_id=admin), frozenset(Role)) for admin in admin_ids),
    ]
    for scope, roles in menus:
        try:
            await bot.set_my_commands(menu_commands(i18n, DEFAULT_LOCALE, roles), scope=scope)
            for locale in LOCALES:
                commands = menu_commands(i18n, locale, roles)
                await bot.set_my_commands(commands, scope=scope, language_code=locale)
        except TelegramAPIError as exc:
            logger.warning("could not set the command menu for %s: %s", scope.type.value, exc)


def command_names(dispatcher: Dispatcher) -> set[str]:
    """The commands the dispatcher's message handlers answer (for bounded metric labels)."""
    names: set[str] = set()
    for router in dispatcher.chain_tail:
        for handler in router.message.handlers:
            for flt in handler.filters or ():
                if isinstance(flt.callback, Command):
                    names.update(c.lower() for c in flt.callback.commands if isinstance(c, str))
    return names


def create_dispatcher(
    *,
    settings: Settings,
    storage: Storage,
    i18n: I18n | None = None,
    metrics: Metrics | None = None,
    ingester: Ingester | None = None,
    channel_rights: ChannelRights | None = None,
    throttle: ThrottleMiddleware | None = None,
    **extra: Any,
) -> Dispatcher:
    """The dispatcher with every router and middleware; ``settings``, ``store`` and
    ``ingester`` (the process's, which stores articles with their stories) by name.
    ``throttle``: the per-chat limit, by default one of ``settings.throttle_seconds``."""
    i18n = i18n or create_i18n()
    ingester = ingester or Ingester(storage)
    rights = channel_rights or ChannelRights()
    # No handler keeps conversation state: without aiogram's FSM no update pays for a
    # state lookup it never uses.
    dispatcher = Dispatcher(
        settings=settings,
        store=storage,
        ingester=ingester,
        channel_rights=rights,
        disable_fsm=True,
        **extra,
    )

    chats = ChatMiddleware()
    throttle = throttle or ThrottleMiddleware(settings.throttle_seconds)
    acting = ActingForMiddleware(rights)
    admins = ChatAdminMiddleware()
    for observer in (dispatcher.message, dispatcher.channel_post, dispatcher.callback_query):
        observer.outer_middleware(chats)
        observer.middleware(throttle)
        observer.middleware(acting)
        observer.middleware(admins)
    dispatcher.inline_query.middleware(throttle)
    LanguageMiddleware(i18n).setup(dispatcher)

    dispatcher.include_routers(*get_routers())
    if metrics is not None:
        dispatcher.update.outer_middleware(
            UpdateMetricsMiddleware(metrics, command_names(dispatcher))
        )

    async def on_startup(bot: Bot) -> None:
        await set_menu(bot, i18n, settings.admin_ids)
        pruned = await storage.chats.prune_refs()
        if pruned:
            logger.info("forgot %d button references unused for a month", pruned)

    dispatcher.startup.register(on_startup)
    return dispatcher
