"""Factories for the Bot and the Dispatcher, shared by ``run`` and the tests."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot.config import Settings
from bot.storage import Storage


def create_bot(settings: Settings) -> Bot:
    """A Bot talking HTML to ``TELEGRAM_API_URL`` (Telegram or a local Bot API server)."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is required to create the bot")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_dispatcher(*, settings: Settings, storage: Storage, **extra: Any) -> Dispatcher:
    """The dispatcher with every router; settings and storage reach handlers by name (``settings``, ``store``)."""
    # "storage" is aiogram's FSM storage keyword, so ours reaches handlers as "store".
    dispatcher = Dispatcher(settings=settings, store=storage, **extra)
    return dispatcher
