"""Forum topics on the Bot API test server, as a real aiogram ``Bot`` sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from tests.botapi import BotAPIServer, RateLimits
from tests.botapi.remote import ControlError, spawn_server
from tests.botapi.test_server import bot

__all__ = ["bot"]  # the fixture: a real aiogram Bot on the server below

ANN = 1001
FORUM = -100500
GROUP = -4001


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(limits=RateLimits.off()) as srv:
        srv.add_user(ANN, "Ann")
        srv.add_chat(
            FORUM, "supergroup", title="Desk", members={ANN: "creator"},
            bot_status="administrator", is_forum=True,
        )  # fmt: skip
        srv.add_chat(GROUP, "supergroup", members={ANN: "creator"}, bot_status="administrator")
        yield srv


async def test_a_message_in_a_topic_reaches_the_bot_as_a_topic_message(
    server: BotAPIServer, bot: Bot
) -> None:
    thread = server.create_topic(FORUM, "Economy")
    server.send_text(ANN, FORUM, "/latest", thread=thread)
    server.send_text(ANN, FORUM, "/latest")
    in_topic, general = await bot.get_updates()
    assert in_topic.message is not None
    assert general.message is not None
    assert in_topic.message.chat.is_forum is True
    assert (in_topic.message.message_thread_id, in_topic.message.is_topic_message) == (
        thread, True
    )  # fmt: skip
    assert (general.message.message_thread_id, general.message.is_topic_message) == (None, None)
    assert (await bot.get_chat(FORUM)).is_forum is True
    assert (await bot.get_chat(GROUP)).is_forum is None


async def test_a_send_with_a_thread_id_lands_in_that_topic(server: BotAPIServer, bot: Bot) -> None:
    thread = server.create_topic(FORUM, "Economy")
    sent = await bot.send_message(FORUM, "in the topic", message_thread_id=thread)
    assert (sent.message_thread_id, sent.is_topic_message) == (thread, True)
    general = await bot.send_message(FORUM, "in general")
    assert general.message_thread_id is None
    [topic_message, general_message] = server.messages_for(FORUM)
    assert (topic_message.thread_id, general_message.thread_id) == (thread, None)
    assert await bot.send_chat_action(FORUM, "typing", message_thread_id=thread)


@pytest.mark.parametrize(
    ("act", "description"),
    [
        ("delete", "Bad Request: message thread not found"),
        ("close", "Bad Request: TOPIC_CLOSED"),
        ("unknown", "Bad Request: message thread not found"),
    ],
)
async def test_a_topic_telegram_refuses_answers_400_like_telegram(
    server: BotAPIServer, bot: Bot, act: str, description: str
) -> None:
    thread = server.create_topic(FORUM, "Economy")
    if act == "delete":
        server.delete_topic(FORUM, thread)
    elif act == "close":
        server.close_topic(FORUM, thread)
    else:
        thread += 1000
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(FORUM, "text", message_thread_id=thread)
    assert refused.value.message == description
    [call] = server.calls("sendMessage", status=400)
    assert call.description == description
    assert server.messages_for(FORUM) == []
    assert server.stats()["sent"] == 0  # refused before it counts against the limits


async def test_a_reopened_topic_takes_messages_again(server: BotAPIServer, bot: Bot) -> None:
    thread = server.create_topic(FORUM, "Economy")
    server.close_topic(FORUM, thread)
    server.reopen_topic(FORUM, thread)
    sent = await bot.send_message(FORUM, "back", message_thread_id=thread)
    assert sent.message_thread_id == thread


async def test_deleting_a_topic_deletes_its_messages(server: BotAPIServer, bot: Bot) -> None:
    thread = server.create_topic(FORUM, "Economy")
    await bot.send_message(FORUM, "in the topic", message_thread_id=thread)
    await bot.send_message(FORUM, "in general")
    server.delete_topic(FORUM, thread)
    assert [m.text for m in server.messages_for(FORUM)] == ["in general"]


async def test_a_reply_goes_to_the_topic_of_the_message_replied_to(
    server: BotAPIServer, bot: Bot
) -> None:
    thread = server.create_topic(FORUM, "Economy")
    asked = server.send_text(ANN, FORUM, "/latest", thread=thread)
    sent = await bot.send_message(FORUM, "answer", reply_to_message_id=asked.message_id)
    assert sent.message_thread_id == thread


async def test_the_bot_manages_topics_through_the_bot_api(server: BotAPIServer, bot: Bot) -> None:
    topic = await bot.create_forum_topic(FORUM, "Sport")
    assert topic.name == "Sport"
    assert server.chat(FORUM).topics[topic.message_thread_id].name == "Sport"
    assert await bot.close_forum_topic(FORUM, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(FORUM, topic.message_thread_id)
    assert await bot.reopen_forum_topic(FORUM, topic.message_thread_id)
    assert await bot.delete_forum_topic(FORUM, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.delete_forum_topic(FORUM, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(GROUP, "Sport")


async def test_a_bot_without_the_right_cannot_manage_topics(
    server: BotAPIServer, bot: Bot
) -> None:
    server.chat(FORUM).bot_status = "member"
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage topics"):
        await bot.create_forum_topic(FORUM, "Sport")


async def test_topics_over_the_control_api() -> None:
    async with spawn_server("--no-limits") as remote:
        control = remote.control
        await control.call("users", id=ANN, first_name="Ann")
        await control.call(
            "chats", id=FORUM, type="supergroup", is_forum=True, members={str(ANN): "creator"}
        )
        created = await control.call("topics", chat_id=FORUM, name="Economy")
        thread = created["message_thread_id"]
        sent = await control.call(
            "send_text", user_id=ANN, chat_id=FORUM, text="/latest", message_thread_id=thread
        )
        assert (sent["message_thread_id"], sent["is_topic_message"]) == (thread, True)
        assert await control.call("close_topic", chat_id=FORUM, message_thread_id=thread)
        assert await control.call("reopen_topic", chat_id=FORUM, message_thread_id=thread)
        assert await control.call("delete_topic", chat_id=FORUM, message_thread_id=thread)
        with pytest.raises(ControlError, match="has no topic"):
            await control.call("close_topic", chat_id=FORUM, message_thread_id=thread)
