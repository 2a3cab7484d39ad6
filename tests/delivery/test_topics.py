"""Messages for forum topics: delivered in their topic, or in the general topic with one line
saying why when Telegram refuses the topic (closed or deleted); nothing lost, nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiogram import Bot

from bot.delivery.topics import to_general
from bot.delivery.worker import DeliveryWorker
from bot.render import MESSAGE_LIMIT
from bot.storage import Storage
from bot.storage.records import (
    NOTE_ROOM,
    OutboxMessage,
    PlannedDigest,
    thread_of_options,
    with_thread,
)
from tests.botapi import BotAPIServer
from tests.digest.conftest import make_settings, query

FORUM = -1009001
PREVIEW = {"url": "https://example.com/a", "prefer_large_media": True}

NOTES = {
    ("ru", True): "Тема закрыта, поэтому сообщение пришло в общую тему.",
    ("ru", False): "Темы больше нет, поэтому сообщение пришло в общую тему.",
    ("en", True): "The topic is closed, so this message came to the General topic.",
    ("en", False): "The topic is gone, so this message came to the General topic.",
}


async def enqueue(storage: Storage, chat_id: int, messages: list[OutboxMessage]) -> None:
    async with storage.transaction() as tx:
        await tx.outbox.enqueue([PlannedDigest(chat_id, messages, 0, None)], None)


def in_topic(thread: int | None, **options: object) -> str | None:
    return with_thread(json.dumps(options) if options else None, thread)


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_a_refused_topic_gets_its_message_in_the_general_topic_with_one_line(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path, language: str
) -> None:
    server.add_chat(FORUM, "supergroup", is_forum=True, bot_status="administrator")
    await storage.chats.upsert(FORUM, type="supergroup", language=language)
    open_topic = server.create_topic(FORUM, "Economy")
    closed = server.create_topic(FORUM, "Sport")
    deleted = server.create_topic(FORUM, "Culture")
    server.close_topic(FORUM, closed)
    server.delete_topic(FORUM, deleted)
    await enqueue(
        storage,
        FORUM,
        [
            OutboxMessage("<b>economy</b>", None, in_topic(open_topic)),
            OutboxMessage("<b>sport</b>", None, in_topic(closed, link_preview_options=PREVIEW)),
            OutboxMessage("<b>culture</b>", None, in_topic(deleted)),
            OutboxMessage("<b>general</b>"),
        ],
    )
    settings = make_settings(db_path, server.url)
    stats = await DeliveryWorker(storage, bot, settings, poll_interval=0.2).drain()

    got = [(m.thread_id, m.text) for m in server.messages_for(FORUM)]
    assert got == [
        (open_topic, "economy"),
        (None, f"{NOTES[language, True]}\n\nsport"),
        (None, f"{NOTES[language, False]}\n\nculture"),
        (None, "general"),
    ]
    sport = server.messages_for(FORUM)[1]
    assert sport.entities[0]["type"] == "italic"  # the line is set apart from the message
    preview = sport.options["link_preview_options"]
    assert (json.loads(preview) if isinstance(preview, str) else preview) == PREVIEW
    assert [c.description for c in server.calls("sendMessage", status=400)] == [
        "Bad Request: TOPIC_CLOSED",
        "Bad Request: message thread not found",
    ]
    assert (stats.sent, stats.redirected, stats.failed) == (4, 2, 0)
    rows = await query(storage, "SELECT status, options, last_error FROM outbox ORDER BY id")
    assert [row["status"] for row in rows] == ["sent"] * 4
    assert [thread_of_options(row["options"]) for row in rows] == [open_topic, None, None, None]
    assert "TOPIC_CLOSED" in rows[1]["last_error"]


async def test_a_thread_refusal_of_a_message_without_a_topic_fails_as_a_bad_request(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    server.add_chat(FORUM, "supergroup", is_forum=True)
    await storage.chats.upsert(FORUM, type="supergroup")
    server.inject_error(FORUM, error_code=400, description="Bad Request: TOPIC_CLOSED")
    await enqueue(storage, FORUM, [OutboxMessage("general")])
    settings = make_settings(db_path, server.url)
    stats = await DeliveryWorker(storage, bot, settings, poll_interval=0.2).drain()
    assert (stats.failed, stats.redirected) == (1, 0)
    assert server.messages_for(FORUM) == []


def test_options_gain_and_lose_a_thread_and_keep_the_rest() -> None:
    preview = json.dumps({"link_preview_options": PREVIEW})
    bound = with_thread(preview, 7)
    assert thread_of_options(bound) == 7
    assert json.loads(bound or "")["link_preview_options"] == PREVIEW
    assert json.loads(with_thread(bound, None) or "") == {"link_preview_options": PREVIEW}
    assert with_thread(with_thread(None, 7), None) is None
    assert thread_of_options(None) is None


def test_a_text_with_no_room_for_the_line_goes_without_it() -> None:
    roomy = "x" * (MESSAGE_LIMIT - NOTE_ROOM)
    text, _options = to_general(roomy, with_thread(None, 5), "en", closed=True)
    assert text.endswith(roomy)
    assert text.startswith("<i>The topic is closed")
    full = "x" * MESSAGE_LIMIT
    assert to_general(full, with_thread(None, 5), "en", closed=False) == (full, None)
