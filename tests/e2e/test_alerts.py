"""Instant alerts through the real process: an article dropped into the inbox reaches a chat
in instant mode within a minute; a followed surname alerts in another case; a muted word
keeps an article out."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.botapi import BotAPIServer
from tests.botapi.models import StoredMessage
from tests.e2e.conftest import BotProcess
from tests.waiting import until

pytestmark = pytest.mark.e2e

USER = 1001
ALERT_SECONDS = 60


async def say(server: BotAPIServer, text: str) -> StoredMessage:
    before = max((m.message_id for m in server.messages_for(USER, from_bot=None)), default=0)
    server.send_text(USER, None, text)
    (reply,) = await server.wait_for_messages(USER, 1, after_id=before, timeout=10)
    return reply


def alerts_started(database: Path) -> bool:
    """The alert worker has set its cursor: what is stored from now on alerts."""
    with sqlite3.connect(database) as conn:
        return (
            conn.execute("SELECT 1 FROM meta WHERE key = 'alerts_cursor'").fetchone() is not None
        )


def drop(database: Path, name: str, rubric: str, title: str, lead: str) -> None:
    inbox = database.parent / "inbox"
    inbox.mkdir(exist_ok=True)
    today = datetime.now(UTC).date().isoformat()
    text = f" date {today}\n{rubric}\n\n{title}\n\n{lead}\n"
    (inbox / name).write_text(text, encoding="utf-8")


def texts(server: BotAPIServer) -> list[str]:
    return [m.text or "" for m in server.messages_for(USER)]


async def alert_with(server: BotAPIServer, words: str) -> float:
    """Wait for the bot's message holding ``words``; how long it took."""
    started = time.monotonic()
    await until(
        lambda: any(words in t for t in texts(server)), ALERT_SECONDS, f"an alert with {words!r}"
    )
    return time.monotonic() - started


async def test_an_instant_tag_alerts_from_the_inbox_and_a_muted_word_keeps_an_article_out(
    server: BotAPIServer, bot: BotProcess, database: Path
) -> None:
    server.add_user(USER, "Айгерим", language_code="ru")
    await say(server, "/subscribe Политика")
    assert (await say(server, "/mode Политика instant")).text.startswith("⚡ #Политика")
    assert (await say(server, "/mute Армения")).text.startswith("🔇 Скрыто")
    await until(lambda: alerts_started(database), 30, "the alert worker")
    drop(database, "a1.txt", "Политика", "Референдум в Армении назначен", "ЦИК объявил дату.")
    drop(database, "a2.txt", "Политика", "Парламент принял бюджет", "Депутаты проголосовали.")
    took = await alert_with(server, "Парламент принял бюджет")
    assert took < ALERT_SECONDS
    alert = next(t for t in texts(server) if "Парламент принял бюджет" in t)
    assert alert.startswith("⚡ Новое: #Политика")
    assert not any("Армении" in t for t in texts(server))


async def test_a_followed_surname_alerts_in_another_case(
    server: BotAPIServer, bot: BotProcess, database: Path
) -> None:
    server.add_user(USER, "Айгерим", language_code="ru")
    assert (await say(server, "/follow Бакаев")).text.startswith("✅ Слежу: «Бакаев»")
    assert (await say(server, "/mode Бакаев сразу")).text.startswith("⚡ «Бакаев»")
    await until(lambda: alerts_started(database), 30, "the alert worker")
    drop(database, "b1.txt", "Общество", "Бакаева задержали в аэропорту", "Подробности позже.")
    await alert_with(server, "Бакаева задержали в аэропорту")
    alert = next(t for t in texts(server) if "Бакаева задержали" in t)
    assert alert.startswith("⚡ Новое: Бакаев")


async def test_quiet_hours_hold_an_alert_and_release_it_when_they_end(
    server: BotAPIServer, bot: BotProcess, database: Path
) -> None:
    server.add_user(USER, "Айгерим", language_code="ru")
    await say(server, "/timezone UTC")
    await say(server, "/subscribe Политика")
    await say(server, "/mode Политика instant")
    now = datetime.now(UTC)
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    ends = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)  # 61-120 s ahead
    answer = await say(server, f"/quiet {start}-{ends:%H:%M}")
    assert ends.strftime("%H:%M") in (answer.text or "")
    await until(lambda: alerts_started(database), 30, "the alert worker")
    drop(database, "q1.txt", "Политика", "Ночью приняли бюджет", "Депутаты проголосовали.")
    await asyncio.sleep(15)  # gathered (3 s) and flushed (every 0.5 s) long before: held
    assert not any("Ночью приняли бюджет" in t for t in texts(server))
    wait = (ends - datetime.now(UTC)).total_seconds() + ALERT_SECONDS
    await until(
        lambda: any("Ночью приняли бюджет" in t for t in texts(server)), wait, "the held alert"
    )
    assert datetime.now(UTC) >= ends
