"""Kill the broadcast with SIGKILL part-way, restart it, and count what every chat received.

``python -m bot digest run-due`` runs as a real process against the Bot API test server
(which enforces the limits). Each chat must get its digest exactly once, in order, except
for the documented window: a message Telegram accepted just before the process died, before
``sent`` was recorded. Those rows are the ones still ``sending`` at the kill, and only
they may arrive twice. On both backends: on PostgreSQL the delivery lease of the killed
process is an advisory lock that the server frees with its session, so the restart takes
over at once.
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
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.models import Article, Tag
from bot.storage import open_url
from tests.botapi import DEFAULT_TOKEN, BotAPIServer, Bucket, RateLimits, Window

ROOT = Path(__file__).resolve().parents[2]
CHATS = 600
TAGS = [Tag(f"тема_{n}", f"Тема-{n}") for n in range(6)]
RATE = 400
NOW = "2030-03-01T09:00+05:00"

pytestmark = pytest.mark.slow


async def seed(url: str) -> None:
    storage = await open_url(url)
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


class Probe:
    """Reads the database while the process under test writes it, on either backend."""

    def __init__(self, url: str, pg: asyncpg.Connection | None) -> None:
        self.url = url
        self.pg = pg

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.pg is not None:
            return [tuple(row) for row in await self.pg.fetch(sql)]
        with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
            return list(conn.execute(sql))

    async def sending_rows(self) -> set[int]:
        return {
            row[0] for row in await self.rows("SELECT id FROM outbox WHERE status = 'sending'")
        }

    async def outbox(self) -> list[tuple[Any, ...]]:
        return await self.rows("SELECT id, chat_id, text, status FROM outbox ORDER BY id")

    async def planning_started(self) -> bool:
        with contextlib.suppress(sqlite3.OperationalError):
            return bool(await self.rows("SELECT 1 FROM digest_runs"))
        return False


@contextlib.asynccontextmanager
async def probe(url: str) -> AsyncIterator[Probe]:
    pg = await asyncpg.connect(url) if url.startswith("postgres") else None
    try:
        yield Probe(url, pg)
    finally:
        if pg is not None:
            await pg.close()


async def run_due(url: str, server: BotAPIServer, cwd: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k not in {"FEEDS", "ADMIN_IDS"}}
    env |= {
        "DATABASE_URL": url,
        "BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": server.url,
        "RATE_GLOBAL_PER_SECOND": str(RATE),
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "digest", "run-due", "--now", NOW,
        cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def sent_at_least(server: BotAPIServer, count: int) -> bool:
    return int(server.stats().get("sent", 0)) >= count


async def kill_when(
    process: asyncio.subprocess.Process, ready: Callable[[], Awaitable[bool]]
) -> None:
    """SIGKILL the process once ``ready()`` holds (polled every few milliseconds)."""
    for _ in range(12_000):
        if await ready() or process.returncode is not None:
            break
        await asyncio.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def test_sigkill_part_way_then_restart_delivers_every_digest_exactly_once(
    storage_url: str, tmp_path: Path
) -> None:
    await seed(storage_url)
    limits = RateLimits(overall=Window(RATE, 1.0), per_chat=Bucket(1.0, 3), per_group=None)
    async with BotAPIServer(limits=limits) as server, probe(storage_url) as db:
        for chat_id in range(10_001, 10_001 + CHATS):
            server.add_user(chat_id)
        in_window: set[int] = set()
        # Killed as soon as planning began, then twice while sending.
        for kill_after in (0, 300, 900):
            process = await run_due(storage_url, server, tmp_path)
            if kill_after == 0:
                await kill_when(process, db.planning_started)
            else:
                await kill_when(process, functools.partial(sent_at_least, server, kill_after))
            in_window |= await db.sending_rows()
        process = await run_due(storage_url, server, tmp_path)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, stderr.decode()

        rows = await db.outbox()
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
        [(unfinished, sent)] = await db.rows(
            "SELECT SUM(CASE WHEN finished_at IS NULL THEN 1 ELSE 0 END), SUM(sent) "
            "FROM digest_runs"
        )
        assert unfinished == 0  # runs of killed processes were closed, not left open
        assert sent == len(rows)  # counted once each, in the transaction that marked them
        assert server.stats().get("429", 0) == 0
        print(f"{len(rows)} messages, {len(in_window)} in the window, {duplicates} duplicated")
