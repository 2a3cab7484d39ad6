"""``/digest`` and the digest's "more" button, through the real dispatcher and the test
server: what the user sees, and what is stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Bot

from bot.app import create_dispatcher
from bot.config import Settings
from bot.delivery.worker import DeliveryWorker
from bot.digest.render import DigestPage
from bot.models import Article, Tag
from bot.storage import Storage
from tests.botapi import BotAPIServer
from tests.digest.conftest import make_settings

USER = 555_001
SPORT = Tag("спорт", "Спорт")


@dataclass
class Running:
    server: BotAPIServer
    storage: Storage
    settings: Settings


@pytest.fixture
async def running(
    tmp_path: Path, sqlite_storage: Storage, bot: Bot, server: BotAPIServer
) -> AsyncIterator[Running]:
    # SQLite only: the tests below set a chat's schedule with SQLite's own SQL.
    storage = sqlite_storage
    server.limits.per_chat = None  # the replies of one test come quickly
    settings = make_settings(tmp_path / "svodka.sqlite3", server.url, digest_max_items=3)
    dispatcher = create_dispatcher(settings=settings, storage=storage)
    delivery = DeliveryWorker(storage, bot, settings, poll_interval=0.2)
    tasks = [
        asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
        ),
        asyncio.create_task(delivery.run()),
    ]
    server.add_user(USER, language_code="ru")
    await server.wait_for_polling(10)
    yield Running(server, storage, settings)
    await dispatcher.stop_polling()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def stored_articles(storage: Storage, count: int) -> None:
    await storage.articles.upsert_many(
        [
            Article(
                title=f"Спортивная новость {n}",
                published=datetime(2030, 2, 1, tzinfo=UTC) + timedelta(hours=n),
                lead="Подробности.",
                brief="Подробности.",
                rubric="Спорт",
                url=f"https://example.kz/s/{n}",
                date_only=False,
            )
            for n in range(count)
        ]
    )


async def say(running: Running, text: str, replies: int = 1) -> list[str]:
    before = len(running.server.messages_for(USER))
    running.server.send_text(USER, None, text)
    found = await running.server.wait_for_messages(USER, before + replies, timeout=10)
    return [m.text or "" for m in found[before:]]


async def test_digest_sends_whats_new_now_and_keeps_the_daily_schedule(running: Running) -> None:
    await say(running, "/start", replies=1)
    await running.storage.chats.subscribe(USER, [SPORT])
    await stored_articles(running.storage, 2)
    chat = await running.storage.chats.get(USER)
    assert chat is not None
    scheduled = datetime(2030, 3, 2, 4, 0, tzinfo=UTC)
    await running.storage.db.execute(
        "UPDATE chats SET next_digest_at = $1 WHERE id = $2", int(scheduled.timestamp()), USER
    )

    [text] = await say(running, "/digest")
    assert "Спортивная новость 1" in text
    assert "Спортивная новость 0" in text
    chat = await running.storage.chats.get(USER)
    assert chat is not None
    assert chat.next_digest_at == scheduled
    assert chat.digest_cursor == await running.storage.articles.max_id()

    [again] = await say(running, "/digest")  # nothing new: a short answer, not a digest
    assert "Спортивная новость" not in again


async def test_digest_without_subscriptions_says_how_to_subscribe(running: Running) -> None:
    await stored_articles(running.storage, 2)
    [text] = await say(running, "/digest")
    assert "Спортивная новость" not in text
    assert await running.storage.outbox.open_count() == 0


async def test_the_more_button_pages_through_the_rest_of_the_digest(running: Running) -> None:
    await say(running, "/start", replies=1)
    await running.storage.chats.subscribe(USER, [SPORT])
    await stored_articles(running.storage, 7)
    [text] = await say(running, "/digest")
    assert [f"Спортивная новость {n}" in text for n in (6, 5, 4, 3)] == [True, True, True, False]
    message = running.server.messages_for(USER)[-1]
    [data] = [b["callback_data"] for b in message.buttons if b["callback_data"].startswith("dg:")]
    assert DigestPage.unpack(data).offset == 3

    before = len(running.server.messages_for(USER))
    running.server.press_button(USER, message, data)
    found = await running.server.wait_for_messages(USER, before + 1, timeout=10)
    page = found[before].text or ""
    assert "4. " in page
    assert "Спортивная новость 3" in page
    assert "Спортивная новость 6" not in page
    # The button moved to the new page: the first message no longer has it.
    assert not [b for b in running.server.message(USER, message.message_id).buttons
                if b["callback_data"].startswith("dg:")]  # fmt: skip


async def test_digest_of_a_chat_that_only_follows_words(running: Running) -> None:
    await say(running, "/start", replies=1)
    await stored_articles(running.storage, 2)
    await say(running, "/follow Спортивные")
    await say(running, "/mode Спортивные instant")  # the alert worker's, not the digest's
    [none] = await say(running, "/digest")
    assert none.startswith("Ни подписок, ни слов в дайджесте пока нет")
    await say(running, "/mode спортивные digest")
    await asyncio.sleep(running.settings.throttle_seconds)  # /digest again: not a flood
    [text] = await say(running, "/digest")
    assert "\n\nСпортивные\n\n1. Спортивная новость 1" in text  # its section, as written
    assert "2. Спортивная новость 0" in text
