"""``python -m bot digest preview`` and ``digest run-due``, as an operator or cron runs them."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Article, Tag
from bot.storage import SqliteStorage
from tests.botapi import DEFAULT_TOKEN, BotAPIServer

SPORT = Tag("спорт", "Спорт")


async def seed(db: Path, chats: list[int]) -> None:
    storage = await SqliteStorage.open(db)
    try:
        await storage.articles.upsert_many(
            [
                Article(
                    title=f"Матч номер {n}",
                    published=datetime(2030, 2, 28, tzinfo=UTC) + timedelta(hours=n),
                    lead="Счёт открыли в первом тайме.",
                    brief="Счёт открыли в первом тайме.",
                    rubric="Спорт",
                    url=f"https://example.kz/sport/{n}",
                    date_only=False,
                )
                for n in range(3)
            ]
        )
        for chat_id in chats:
            await storage.chats.upsert(chat_id)
            await storage.chats.subscribe(chat_id, [SPORT])
    finally:
        await storage.close()


async def svodka(
    db: Path, *args: str, api_url: str = "http://127.0.0.1:9"
) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FEEDS", "ADMIN_IDS"}}
    env |= {
        "DATABASE_URL": f"sqlite:///{db}",
        "BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": api_url,
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=db.parent, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_preview_prints_the_digest_a_chat_would_get_and_stores_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "svodka.sqlite3"
    await seed(db, [42])
    code, out, err = await svodka(db, "digest", "preview", "--chat", "42")
    assert code == 0, err
    assert "message 1/1" in out
    assert out.index("Матч номер 2") < out.index("Матч номер 1") < out.index("Матч номер 0")
    assert "[📖 1]" in out or "button.read" in out  # the buttons are listed
    storage = await SqliteStorage.open(db)
    try:
        chat = await storage.chats.get(42)
        assert chat is not None
        assert chat.digest_cursor == 0
        assert await storage.outbox.open_count() == 0
    finally:
        await storage.close()

    code, _out, err = await svodka(db, "digest", "preview", "--chat", "43")
    assert code == 1
    assert "no chat 43" in err


@pytest.mark.slow
async def test_run_due_delivers_what_is_due_then_nothing_twice(tmp_path: Path) -> None:
    db = tmp_path / "svodka.sqlite3"
    await seed(db, [101, 102])
    async with BotAPIServer() as server:
        for chat_id in (101, 102):
            server.add_user(chat_id)
        now = "2030-03-01T09:00+05:00"
        code, out, err = await svodka(db, "digest", "run-due", "--now", now, api_url=server.url)
        assert code == 0, err
        assert "2 chats due" in out
        assert "2 sent" in out
        for chat_id in (101, 102):
            [message] = server.messages_for(chat_id)
            assert "Матч номер 2" in (message.text or "")
        # The same instant again: the schedule moved on, nothing is sent twice.
        code, out, err = await svodka(db, "digest", "run-due", "--now", now, api_url=server.url)
        assert code == 0, err
        assert "nothing due" in out
        assert all(len(server.messages_for(chat_id)) == 1 for chat_id in (101, 102))

    code, _out, err = await svodka(db, "digest", "run-due", "--now", "yesterday")
    assert code == 2
    assert "ISO 8601" in err
