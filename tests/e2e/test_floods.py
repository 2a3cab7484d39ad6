"""Bursts and floods against the real bot process and a Bot API server enforcing its limits.

A burst of users (a post that went viral) is answered at the allowed rate without one 429,
while digests go out in what is left; a flood of commands to one chat is answered less, not
more, and leaves no traceback in the log.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Article, Tag
from bot.storage import Storage
from tests.botapi import BotAPIServer, RateLimits, Window
from tests.e2e.conftest import running_bot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RATE = 100  # the server's overall limit, and the bot's RATE_GLOBAL_PER_SECOND
USERS = 500  # five seconds of the overall rate
READERS = 20  # chats that ask for their digest during the burst
FIRST_USER = 7_000_001
TAG = Tag("вирусное", "Вирусное")


async def fresh_articles(store: Storage, count: int) -> None:
    now = datetime.now(UTC)
    await store.articles.upsert_many(
        [
            Article(
                title=f"Вирусная новость {n}",
                published=now - timedelta(minutes=n),
                lead="Подробности.",
                brief="Подробности.",
                tags=(TAG.display,),
                url=f"https://example.kz/viral/{n}",
                date_only=False,
            )
            for n in range(count)
        ]
    )


def rate_limited(server: BotAPIServer) -> int:
    return int(server.stats().get("429", 0))


async def test_a_burst_of_users_is_answered_at_the_allowed_rate_without_a_429(
    database: Path, tmp_path: Path, store: Storage
) -> None:
    limits = RateLimits(overall=Window(RATE, 1.0))  # and 1/s to a chat (a burst of 3)
    async with BotAPIServer("123456:TEST", bot_username="svodka_bot", limits=limits) as server:
        users = [u.id for u in server.add_users(USERS + READERS, first_id=FIRST_USER)]
        readers, crowd = users[:READERS], users[READERS:]
        await fresh_articles(store, 3)
        for reader in readers:
            await store.chats.upsert(reader, type="private", language="ru")
            await store.chats.subscribe(reader, [TAG])
        log = tmp_path / "bot.log"
        env = {"RATE_GLOBAL_PER_SECOND": str(RATE)}
        async with running_bot(server, database, log, **env) as bot:
            started = time.monotonic()
            for reader in readers:
                server.send_text(reader, None, "/digest")
            for user in crowd:
                server.send_text(user, None, "/help")
            for user in users:
                await server.wait_for_messages(user, 1, timeout=120)
            elapsed = time.monotonic() - started
            digests = [server.messages_for(reader)[0].text or "" for reader in readers]
            assert rate_limited(server) == 0, (server.stats(), bot.log)
    assert all("Вирусная новость 0" in text for text in digests)
    # Paced: no faster than the limit allows (the slack covers the burst tokens).
    assert elapsed > (USERS + READERS) / RATE - 1


async def test_two_hundred_commands_in_ten_seconds_to_one_chat_are_answered_less(
    server: BotAPIServer, database: Path, tmp_path: Path
) -> None:
    user = 1001
    server.add_user(user, language_code="ru")
    commands = ["/start", "/help", "/tags", "/latest", "/settings", "/subscriptions"]
    async with running_bot(server, database, tmp_path / "bot.log", THROTTLE_SECONDS="1"):
        started = time.monotonic()
        for n in range(200):
            delay = started + n * 0.05 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            server.send_text(user, None, commands[n % len(commands)])
        await asyncio.sleep(3)  # the last allowed replies, paced at the chat's rate
        answers = [m.text or "" for m in server.messages_for(user)]
        assert rate_limited(server) == 0, server.stats()
    warnings = [text for text in answers if text.startswith("Не так быстро")]
    assert len(warnings) == 1
    # A burst of five commands, then about one a second; each answer is one message or two.
    assert 10 <= len(answers) <= 2 * (5 + 12) + 1, len(answers)
