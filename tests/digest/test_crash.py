"""Kill the broadcast with SIGKILL part-way, restart it, and count what every chat received.

``python -m bot digest run-due`` runs as a real process against the Bot API test server
(which enforces the limits). Each chat must get its digest exactly once, in order, except
for the documented window: a message Telegram accepted just before the process died, before
``sent`` was recorded. Those rows are the ones still ``sending`` at the kill, and only
they may arrive twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Article, Tag
from bot.storage import SqliteStorage
from tests.botapi import DEFAULT_TOKEN, BotAPIServer, Bucket, RateLimits, Window

ROOT = Path(__file__).resolve().parents[2]
CHATS = 600
TAGS = [Tag(f"тема_{n}", f"Тема-{n}") for n in range(6)]
RATE = 400
NOW = "2030-03-01T09:00+05:00"

pytestmark = pytest.mark.slow


async def seed(db: Path) -> None:
    storage = await SqliteStorage.open(db)
    try:
        brief = "Подробности события, которые читатель захочет увидеть в сводке. " * 6
        articles = [
            Article(
                title=f"Новость {n} по теме {tag.display}",
                published=datetime(2030, 2, 28, tzinfo=UTC) + timedelta(minutes=n),
                lead=brief,
                brief=brief,
                tags=(tag.display,),
                url=f"https://example.kz/{tag.key}/{n}",
                date_only=False,
            )
            for tag in TAGS
            for n in range(12)
        ]
        await storage.articles.upsert_many(articles)
        for chat_id in range(10_001, 10_001 + CHATS):
            await storage.chats.upsert(chat_id)
            await storage.chats.subscribe(chat_id, [TAGS[chat_id % len(TAGS)]])
    finally:
        await storage.close()


def sending_rows(db: Path) -> set[int]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM outbox WHERE status = 'sending'")}


def outbox(db: Path) -> list[tuple[int, int, str, str]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT id, chat_id, text, status FROM outbox ORDER BY id"))


async def run_due(db: Path, server: BotAPIServer) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k not in {"FEEDS", "ADMIN_IDS"}}
    env |= {
        "DATABASE_URL": f"sqlite:///{db}",
        "BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": server.url,
        "RATE_GLOBAL_PER_SECOND": str(RATE),
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "digest", "run-due", "--now", NOW,
        cwd=db.parent, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def sent_at_least(server: BotAPIServer, count: int) -> bool:
    return int(server.stats().get("sent", 0)) >= count


def planning_started(db: Path) -> bool:
    with contextlib.suppress(sqlite3.OperationalError), sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM digest_runs").fetchone()[0]) > 0
    return False


async def kill_when(process: asyncio.subprocess.Process, ready: Callable[[], bool]) -> None:
    """SIGKILL the process once ``ready()`` holds (polled every few milliseconds)."""
    for _ in range(12_000):
        if ready() or process.returncode is not None:
            break
        await asyncio.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def test_sigkill_part_way_then_restart_delivers_every_digest_exactly_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "svodka.sqlite3"
    await seed(db)
    limits = RateLimits(overall=Window(RATE, 1.0), per_chat=Bucket(1.0, 3), per_group=None)
    async with BotAPIServer(limits=limits) as server:
        for chat_id in range(10_001, 10_001 + CHATS):
            server.add_user(chat_id)
        in_window: set[int] = set()
        # Killed as soon as planning began, then twice while sending.
        for kill_after in (0, 300, 900):
            process = await run_due(db, server)
            if kill_after == 0:
                await kill_when(process, lambda: planning_started(db))
            else:
                await kill_when(process, functools.partial(sent_at_least, server, kill_after))
            in_window |= sending_rows(db)
        process = await run_due(db, server)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, stderr.decode()

        rows = outbox(db)
        assert len({chat for _id, chat, _t, _s in rows}) == CHATS
        assert {status for *_rest, status in rows} == {"sent"}
        duplicates = 0
        for chat_id in range(10_001, 10_001 + CHATS):
            expected = [(row_id, text) for row_id, chat, text, _s in rows if chat == chat_id]
            got = [m.raw_text for m in server.messages_for(chat_id)]
            # In order, each at least once; a repeat only right after itself.
            deduplicated = [t for i, t in enumerate(got) if i == 0 or got[i - 1] != t]
            assert deduplicated == [text for _id, text in expected], chat_id
            counts = Counter(got)
            for row_id, text in expected:
                if counts[text] > 1:
                    assert row_id in in_window, (chat_id, row_id)
                    duplicates += counts[text] - 1
        assert duplicates <= len(in_window)
        with sqlite3.connect(db) as conn:
            unfinished, sent = conn.execute(
                "SELECT SUM(finished_at IS NULL), SUM(sent) FROM digest_runs"
            ).fetchone()
        assert unfinished == 0  # runs of killed processes were closed, not left open
        assert sent == len(rows)  # counted once each, in the transaction that marked them
        assert server.stats().get("429", 0) == 0
        print(f"{len(rows)} messages, {len(in_window)} in the window, {duplicates} duplicated")
