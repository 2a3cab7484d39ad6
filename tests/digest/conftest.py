"""A real database on each backend, the Bot API test server on 127.0.0.1, a real aiogram Bot.

``storage`` is a SQLite file, then a fresh PostgreSQL schema (skipped, with the reason,
when no server is reachable); ``sqlite_storage`` is for tests that reach SQLite itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot

from bot.app import create_bot
from bot.config import Settings, load_settings
from bot.models import Chat
from bot.storage import SqliteStorage, Storage, open_url
from bot.storage.records import ClaimResult, OutboxMessage, PlannedDigest, Unscheduled
from tests.botapi import DEFAULT_TOKEN, BotAPIServer, RateLimits


def make_settings(db: Path, api_url: str = "http://127.0.0.1:9", **overrides: Any) -> Settings:
    return load_settings(
        _env_file=None,
        bot_token=DEFAULT_TOKEN,
        telegram_api_url=api_url,
        database_url=f"sqlite:///{db}",
        **overrides,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "svodka.sqlite3"


@pytest.fixture
async def storage(storage_url: str) -> AsyncIterator[Storage]:
    """An open storage on each backend in turn (``storage_url`` from tests/conftest.py)."""
    store = await open_url(storage_url)
    yield store
    await store.close()


@pytest.fixture
async def sqlite_storage(db_path: Path) -> AsyncIterator[Storage]:
    store = await SqliteStorage.open(db_path)
    yield store
    await store.close()


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    """Telegram's three limits enforced as the test server's defaults: 30/s, 1/s, 20/min."""
    async with BotAPIServer(limits=RateLimits()) as running:
        yield running


@pytest.fixture
async def bot(server: BotAPIServer, db_path: Path) -> AsyncIterator[Bot]:
    made = create_bot(make_settings(db_path, server.url))
    yield made
    await made.session.close()


async def add_chats(storage: Storage, server: BotAPIServer, chats: dict[int, str]) -> None:
    """Chats known to both sides: ``{id: type}``; positive ids are private chats."""
    for chat_id, kind in chats.items():
        if kind == "private":
            server.add_user(chat_id)
        else:
            server.add_chat(chat_id, kind)  # type: ignore[arg-type]
        await storage.chats.upsert(chat_id, type=kind)


Builder = Callable[[list[Chat]], Awaitable[list[PlannedDigest]]]


async def claim(
    storage: Storage, now: datetime, limit: int, run_id: int, build: Builder
) -> ClaimResult:
    """One claiming transaction as the planner makes it: claim, build, enqueue, move on."""
    async with storage.transaction() as tx:
        chats = await tx.digests.claim_due(now, limit)
        planned = await build(chats)
        result = await tx.outbox.enqueue(planned, run_id)
        result.chats = len(chats)
        await tx.digests.advance(planned, run_id, result)
    return result


async def enqueue_run(storage: Storage, texts: Mapping[int, Sequence[str]]) -> int:
    """A digest run with the given messages per chat, claimed as the planner claims."""
    now = datetime.now(UTC)
    due = [
        (Unscheduled(chat_id, None, None, now), now - timedelta(minutes=1)) for chat_id in texts
    ]
    await storage.digests.schedule(due)
    run_id = await storage.digests.start_run(now)

    async def build(chats: list[Chat]) -> list[PlannedDigest]:
        return [
            PlannedDigest(
                chat.id,
                [OutboxMessage(text) for text in texts[chat.id]],
                cursor=0,
                next_digest_at=now + timedelta(days=1),
            )
            for chat in chats
        ]

    await claim(storage, now, len(texts) + 1, run_id, build)
    await storage.digests.finish_planning(run_id)
    return run_id


async def query(storage: Storage, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a query written for both backends (placeholders ``$1``, ``$2`` …)."""
    rows = await storage.db.fetch(sql, *args)
    return [dict(zip(row.keys(), row, strict=True)) for row in rows]


async def outbox_rows(storage: Storage) -> list[dict[str, Any]]:
    return await query(
        storage,
        "SELECT id, run_id, chat_id, seq, text, reply_markup, status, attempts, failures, "
        "last_error, message_id FROM outbox ORDER BY id",
    )
