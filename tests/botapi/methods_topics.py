"""Forum topics: the Bot API's topic methods, and the topic a send goes to.

A forum is a supergroup with ``is_forum``. Its messages outside any topic are in the general
topic and carry no ``message_thread_id``; a message in a topic carries the topic's id and
``is_topic_message``. A topic's id is the id of the service message that opened it. A send
with ``message_thread_id`` is refused as Telegram refuses it: 400 ``Bad Request: message
thread not found`` for a topic that never was or was deleted (in any chat), 400 ``Bad
Request: TOPIC_CLOSED`` for a closed one (the bot posts as a member would: it is not
taken to hold ``can_manage_topics`` there). A reply without ``message_thread_id`` goes to
the topic of the message it replies to.
"""

from __future__ import annotations

import time
from typing import Any

from tests.botapi.core import Telegram, api_method
from tests.botapi.errors import bad_request
from tests.botapi.models import Chat, StoredMessage, Topic, User
from tests.botapi.params import Params

THREAD_NOT_FOUND = "message thread not found"
TOPIC_CLOSED = "TOPIC_CLOSED"


def send_thread(chat: Chat, p: Params, reply_to: StoredMessage | None) -> int | None:
    """The topic a send goes to (``None``: the general topic, or a chat without topics)."""
    thread_id = p.get_int("message_thread_id")
    if thread_id is None:
        return reply_to.thread_id if reply_to is not None else None
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise bad_request(THREAD_NOT_FOUND)
    if topic.closed:
        raise bad_request(TOPIC_CLOSED)
    return thread_id


def open_topic(tg: Telegram, chat: Chat, name: str, creator: User, icon_color: int) -> Topic:
    """A new topic, opened by its service message (not sent to the bot as an update)."""
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if not name or len(name) > 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
    opening = StoredMessage(
        chat=chat, message_id=chat.next_message_id(), date=int(time.time()),
        sent_at=time.monotonic(), from_bot=creator.id == tg.bot.id, sender=creator,
    )  # fmt: skip
    topic = Topic(opening.message_id, name, icon_color)
    opening.thread_id = topic.id
    opening.extra["forum_topic_created"] = {"name": name, "icon_color": icon_color}
    chat.messages[opening.message_id] = opening
    chat.topics[topic.id] = topic
    tg.notify()
    return topic


def find_topic(chat: Chat, thread_id: int | None) -> Topic:
    topic = chat.topics.get(thread_id) if thread_id is not None else None
    if topic is None or topic.deleted:
        raise bad_request("TOPIC_ID_INVALID")
    return topic


def set_closed(topic: Topic, closed: bool) -> None:
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed


def remove_topic(tg: Telegram, chat: Chat, topic: Topic) -> None:
    """Delete a topic and every message in it, as Telegram does."""
    topic.deleted = True
    for message in chat.messages.values():
        if message.thread_id == topic.id:
            message.deleted = True
    tg.notify()


def _managed(tg: Telegram, p: Params) -> Chat:
    """The forum of a topic method, where the bot may manage topics."""
    chat = tg.writable(tg.find_chat(p.raw.get("chat_id")))
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    rights = chat.rights.get(tg.bot.id, {})
    if chat.bot_status != "creator" and (
        chat.bot_status != "administrator" or rights.get("can_manage_topics") is False
    ):
        raise bad_request("not enough rights to manage topics")
    return chat


@api_method("createForumTopic")
async def create_forum_topic(tg: Telegram, p: Params) -> dict[str, Any]:
    chat = _managed(tg, p)
    color = p.get_int("icon_color") or 7322096
    topic = open_topic(tg, chat, p.get_str("name") or "", tg.bot, color)
    return topic.to_api()


@api_method("closeForumTopic")
async def close_forum_topic(tg: Telegram, p: Params) -> bool:
    set_closed(find_topic(_managed(tg, p), p.get_int("message_thread_id")), True)
    return True


@api_method("reopenForumTopic")
async def reopen_forum_topic(tg: Telegram, p: Params) -> bool:
    set_closed(find_topic(_managed(tg, p), p.get_int("message_thread_id")), False)
    return True


@api_method("deleteForumTopic")
async def delete_forum_topic(tg: Telegram, p: Params) -> bool:
    chat = _managed(tg, p)
    remove_topic(tg, chat, find_topic(chat, p.get_int("message_thread_id")))
    return True
