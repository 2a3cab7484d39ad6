"""Service events: a group that became a supergroup, and the bot added, blocked or removed."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated, Message

from bot.handlers.common import Check
from bot.storage import Storage

logger = logging.getLogger(__name__)


def router() -> Router:
    routes = Router(name=__name__)
    routes.message.register(migrated_to, Check(F.migrate_to_chat_id))
    routes.message.register(migrated_from, Check(F.migrate_from_chat_id))
    routes.my_chat_member.register(membership)
    return routes


_GONE = {ChatMemberStatus.KICKED, ChatMemberStatus.LEFT}


async def migrated_to(message: Message, store: Storage) -> None:
    """Sent in the old group: its subscriptions and settings move to the supergroup."""
    assert message.migrate_to_chat_id is not None
    if await store.chats.migrate(message.chat.id, message.migrate_to_chat_id):
        logger.info("chat %d migrated to %d", message.chat.id, message.migrate_to_chat_id)


async def migrated_from(message: Message, store: Storage) -> None:
    """Sent in the new supergroup; whichever of the pair arrives first moves the chat."""
    assert message.migrate_from_chat_id is not None
    if await store.chats.migrate(message.migrate_from_chat_id, message.chat.id):
        logger.info("chat %d migrated to %d", message.migrate_from_chat_id, message.chat.id)


async def membership(event: ChatMemberUpdated, store: Storage) -> None:
    """Blocked or removed: stop sending there. Unblocked or added: serve the chat again."""
    status = event.new_chat_member.status
    if status not in _GONE:
        await store.chats.upsert(event.chat.id, type=event.chat.type, title=event.chat.title)
        logger.info("chat %d: bot is %s", event.chat.id, status)
    elif await store.chats.deactivate(event.chat.id):
        logger.info("chat %d: bot is %s, chat deactivated", event.chat.id, status)
