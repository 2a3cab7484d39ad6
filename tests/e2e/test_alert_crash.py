"""SIGKILL the bot during a burst of instant alerts, restart it, and count what each chat got.

Every chat follows a tag in instant mode; a burst of articles is ingested by the command
line while the bot runs. The bot is killed first while the alerts are being matched and
gathered, then while they are being sent. After a restart every chat must have received
every article exactly once, except for the documented window (as for digests): a message
Telegram accepted just before the kill, before ``sent`` was recorded — the rows still
``sending`` at a kill, which alone may arrive twice.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Tag
from bot.storage import SqliteStorage
from tests.botapi import BotAPIServer
from tests.e2e.conftest import PROJECT_ROOT, BotProcess, bot_env
from tests.waiting import until

pytestmark = pytest.mark.e2e

CHATS = range(20_001, 20_121)
HEADLINES = [  # four events: reprints of one would be one story, sent once
    "Парламент принял закон о бюджете",
    "Министр энергетики ушёл в отставку",
    "Сенат одобрил ратификацию соглашения с Китаем",
    "В Алматы открыли новую станцию метро",
]
POLITICS = Tag("политика", "Политика")


async def seed(database: Path, server: BotAPIServer) -> None:
    storage = await SqliteStorage.open(database)
    try:
        for chat_id in CHATS:
            server.add_user(chat_id, f"Читатель {chat_id}", language_code="ru")
            await storage.chats.upsert(chat_id)
            await storage.chats.subscribe(chat_id, [POLITICS])
            await storage.follows.set_subscription_mode(chat_id, POLITICS.key, "instant")
    finally:
        await storage.close()


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute(sql))


def ingest_burst(database: Path, folder: Path, api_url: str) -> None:
    folder.mkdir()
    today = datetime.now(UTC).date().isoformat()
    for n, title in enumerate(HEADLINES):
        text = f" date {today}\nПолитика\n\n{title}\n\n{title}: подробности позже.\n"
        (folder / f"{n}.txt").write_text(text, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(folder)],
        cwd=PROJECT_ROOT, env=bot_env(database, api_url), check=True, timeout=120,
        capture_output=True,
    )  # fmt: skip


async def kill_when(process: BotProcess, ready: Callable[[], bool]) -> None:
    assert process.process is not None
    await until(lambda: ready() or process.process.returncode is not None, 60, "the moment")  # type: ignore[union-attr]
    process.process.send_signal(signal.SIGKILL)
    await process.process.wait()


async def test_sigkill_during_a_burst_of_alerts_loses_none_and_doubles_none_outside_the_window(
    server: BotAPIServer, database: Path, tmp_path: Path
) -> None:
    await seed(database, server)
    log = tmp_path / "bot.log"
    first = BotProcess(database, server.url, log)
    await first.start()
    await server.wait_for_polling(timeout=30)
    await until(
        lambda: rows(database, "SELECT 1 FROM meta WHERE key = 'alerts_cursor'"), 30, "alerts"
    )
    await asyncio.to_thread(ingest_burst, database, tmp_path / "burst", server.url)
    # Killed while the alerts are matched or gathered, before any is sent.
    await kill_when(first, lambda: bool(rows(database, "SELECT 1 FROM alert_queue LIMIT 1")))
    window = {r[0] for r in rows(database, "SELECT id FROM outbox WHERE status = 'sending'")}

    second = BotProcess(database, server.url, log)
    await second.start()
    # Killed again part-way through sending.
    await kill_when(second, lambda: int(server.stats().get("sent", 0)) >= 40)
    window |= {r[0] for r in rows(database, "SELECT id FROM outbox WHERE status = 'sending'")}

    third = BotProcess(database, server.url, log)
    await third.start()
    try:

        def done() -> bool:
            return all(
                sum(h in (m.text or "") for m in server.messages_for(chat) for h in HEADLINES)
                >= len(HEADLINES)
                for chat in CHATS
            ) and not rows(
                database, "SELECT 1 FROM outbox WHERE status IN ('pending', 'sending') LIMIT 1"
            )

        try:
            await until(done, 90, "every chat's alerts")
        except AssertionError:
            print(rows(database, "SELECT status, COUNT(*) FROM outbox GROUP BY status"))
            print(rows(database, "SELECT COUNT(*) FROM alert_queue"))
            print(rows(database, "SELECT * FROM meta"))
            print(rows(database, "SELECT id, title FROM articles ORDER BY id DESC LIMIT 5"))
            print(server.stats())
            print([len(server.messages_for(c)) for c in CHATS][:20])
            print(third.log[-5000:])
            raise
    finally:
        await third.stop()

    outbox = rows(database, "SELECT id, chat_id, text FROM outbox ORDER BY id")
    duplicates = 0
    for chat in CHATS:
        got = [m.raw_text for m in server.messages_for(chat)]
        expected = [(row_id, text) for row_id, chat_id, text in outbox if chat_id == chat]
        counts = Counter(got)
        for row_id, text in expected:
            assert counts[text] >= 1, (chat, row_id)  # none lost
            if counts[text] > 1:
                assert row_id in window, (chat, row_id)  # doubled only inside the window
                duplicates += counts[text] - 1
        received = [h for m in server.messages_for(chat) for h in HEADLINES if h in (m.text or "")]
        assert sorted(set(received)) == sorted(HEADLINES), chat  # every article reached it
    assert duplicates <= len(window)
    assert "Traceback" not in third.log, third.log
    print(f"{len(outbox)} alert messages, {len(window)} in the window, {duplicates} doubled")
