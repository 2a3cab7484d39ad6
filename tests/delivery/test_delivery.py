"""Delivery against the Bot API test server enforcing Telegram's limits: once, in order.

The server answers 429 with ``retry_after`` whenever a client exceeds 30 messages a second
overall, one a second to a chat (a burst of 3) or 20 a minute to a group, and 403 for chats
that blocked the bot. These tests assert on what each chat received and what was stored.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiogram import Bot

from bot.delivery.sender import RetryPolicy
from bot.delivery.worker import DeliveryWorker
from bot.storage import Storage
from tests.botapi import BotAPIServer, Window
from tests.digest.conftest import add_chats, enqueue_run, make_settings, outbox_rows
from tests.waiting import until


def received(server: BotAPIServer, chat_id: int) -> list[str]:
    return [m.text or "" for m in server.messages_for(chat_id)]


def throttled(server: BotAPIServer) -> int:
    """429 answers of any kind (rate rules, penalty windows, injected)."""
    counters = server.stats()
    return int(counters.get("429", 0))


def worker(
    storage: Storage,
    bot: Bot,
    db_path: Path,
    server: BotAPIServer,
    retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen
    **kw: float,
) -> DeliveryWorker:
    settings = make_settings(db_path, server.url, **kw)
    return DeliveryWorker(storage, bot, settings, retry=retry, poll_interval=0.2)


async def test_every_digest_arrives_once_in_order_without_a_single_429(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    chats = {1000 + i: "private" for i in range(40)} | {-501: "group", -502: "supergroup"}
    await add_chats(storage, server, chats)
    texts = {chat: [f"digest for {chat}, part {n}" for n in (1, 2, 3)] for chat in chats}
    run_id = await enqueue_run(storage, texts)

    started = time.monotonic()
    stats = await worker(storage, bot, db_path, server, rate_global_per_second=30).drain()
    elapsed = time.monotonic() - started

    for chat, expected in texts.items():
        assert received(server, chat) == expected
    assert throttled(server) == 0, server.stats()
    assert stats.sent == 126
    assert stats.rate_limited == 0
    assert elapsed > 126 / 30 - 1  # paced, not flooded
    assert {row["status"] for row in await outbox_rows(storage)} == {"sent"}
    run = await storage.digests.run(run_id)
    assert run is not None
    assert run.finished_at is not None
    assert (run.chats_due, run.messages, run.sent, run.failed) == (42, 126, 126, 0)


async def test_a_group_gets_at_most_twenty_messages_a_minute(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    server.limits.per_group = Window(3, 10.0)  # 3 per 10 s: the same rule, quicker to see
    await add_chats(storage, server, {-700: "group"})
    await enqueue_run(storage, {-700: ["one", "two", "three", "four"]})
    settings = make_settings(db_path, server.url, rate_group_per_minute=18)  # 3 per 10 s
    started = time.monotonic()
    await DeliveryWorker(storage, bot, settings, poll_interval=0.2).drain()
    assert received(server, -700) == ["one", "two", "three", "four"]
    assert time.monotonic() - started > 9
    assert throttled(server) == 0


async def test_blocked_chats_are_deactivated_and_their_rows_dropped_with_the_reason(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    chats = {2000 + i: "private" for i in range(6)} | {-800: "group"}
    await add_chats(storage, server, chats)
    server.block(2001, "blocked")
    server.block(2004, "deactivated")
    server.block(-800, "kicked")
    run_id = await enqueue_run(storage, {chat: ["a", "b"] for chat in chats})

    stats = await worker(storage, bot, db_path, server, rate_global_per_second=30).drain()

    for chat in (2000, 2002, 2003, 2005):
        assert received(server, chat) == ["a", "b"]
        chat_row = await storage.chats.get(chat)
        assert chat_row is not None
        assert chat_row.active
    for chat in (2001, 2004, -800):
        assert received(server, chat) == []
        chat_row = await storage.chats.get(chat)
        assert chat_row is not None
        assert not chat_row.active
    dropped = [row for row in await outbox_rows(storage) if row["status"] == "dropped"]
    assert {row["chat_id"] for row in dropped} == {2001, 2004, -800}
    assert all(row["last_error"].startswith("forbidden: ") for row in dropped)
    assert "blocked by the user" in next(r for r in dropped if r["chat_id"] == 2001)["last_error"]
    assert stats.deactivated == 3
    assert stats.dropped == 6
    run = await storage.digests.run(run_id)
    assert run is not None
    assert (run.sent, run.dropped, run.deactivated, run.failed) == (8, 6, 3, 0)
    assert run.finished_at is not None


async def test_retry_after_pauses_sending_and_resends_the_same_message(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    chats = {3000 + i: "private" for i in range(5)}
    await add_chats(storage, server, chats)
    await enqueue_run(storage, {chat: [f"only for {chat}"] for chat in chats})
    server.inject_429(retry_after=2)  # the next send, whichever chat it is

    started = time.monotonic()
    stats = await worker(storage, bot, db_path, server, rate_global_per_second=30).drain()

    assert time.monotonic() - started >= 2
    for chat in chats:
        assert received(server, chat) == [f"only for {chat}"]
    assert stats.rate_limited == 1
    assert stats.sent == 5
    assert stats.failed == 0
    assert server.stats().get("429.penalty", 0) == 0  # nothing was sent during the pause


async def test_a_migrated_group_gets_its_digest_as_a_supergroup(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    await add_chats(storage, server, {-900: "group"})
    new_id = server.migrate(-900, notify=False)
    await enqueue_run(storage, {-900: ["first", "second"]})

    stats = await worker(storage, bot, db_path, server).drain()

    assert received(server, new_id) == ["first", "second"]
    assert stats.migrated == 1
    assert await storage.chats.get(-900) is None
    moved = await storage.chats.get(new_id)
    assert moved is not None
    assert moved.type == "supergroup"
    assert {row["chat_id"] for row in await outbox_rows(storage)} == {new_id}


async def test_errors_are_retried_with_backoff_then_marked_failed_with_the_reason(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    await add_chats(storage, server, {4001: "private", 4002: "private"})
    server.inject_error(4001, error_code=500, description="Internal Server Error", count=2)
    server.inject_error(4002, error_code=502, description="Bad Gateway", count=10)
    await enqueue_run(storage, {4001: ["x", "y"], 4002: ["z"]})

    quick = RetryPolicy(max_failures=3, base=0.05)
    stats = await worker(storage, bot, db_path, server, quick).drain()

    assert received(server, 4001) == ["x", "y"]  # two errors, then delivered, in order
    assert received(server, 4002) == []
    rows = {row["text"]: row for row in await outbox_rows(storage)}
    assert rows["x"]["status"] == "sent"
    assert rows["x"]["failures"] == 2
    assert rows["z"]["status"] == "failed"
    assert "Bad Gateway" in rows["z"]["last_error"]
    assert "after 3 attempts" in rows["z"]["last_error"]
    assert stats.failed == 1


async def test_a_request_telegram_rejects_fails_at_once_and_the_chat_goes_on(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    await add_chats(storage, server, {5001: "private"})
    await enqueue_run(storage, {5001: ["<b>broken", "fine"]})

    stats = await worker(storage, bot, db_path, server).drain()

    assert received(server, 5001) == ["fine"]
    rows = await outbox_rows(storage)
    assert rows[0]["status"] == "failed"
    assert rows[0]["attempts"] == 1
    assert rows[0]["last_error"].startswith("bad request: ")
    assert stats.failed == 1
    assert stats.sent == 1


async def test_an_answer_lost_after_telegram_accepted_is_the_one_duplicate(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    await add_chats(storage, server, {6001: "private", 6002: "private"})
    server.inject_disconnect(6001, deliver=True)  # stored, then the connection drops
    await enqueue_run(storage, {6001: ["hello"], 6002: ["world"]})

    await worker(storage, bot, db_path, server).drain()

    assert received(server, 6001) == ["hello", "hello"]  # the documented window
    assert received(server, 6002) == ["world"]


async def test_a_worker_cancelled_as_it_is_woken_stops_and_gives_the_lease_back(
    storage: Storage, bot: Bot, server: BotAPIServer, db_path: Path
) -> None:
    settings = make_settings(db_path, server.url)
    delivery = DeliveryWorker(storage, bot, settings, poll_interval=30)
    task = asyncio.create_task(delivery.run())
    try:
        await until(lambda: storage.outbox.lease_holder(), timeout=30, what="the delivery lease")
        await asyncio.sleep(0.5)  # asleep until the next poll, most likely
        # New rows wake it in the very step it is cancelled: the cancellation must win.
        delivery.wake()
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=30)
        assert done, "the worker did not stop when cancelled"
        assert task.cancelled()
    finally:
        task.cancel()
    assert await storage.outbox.lease_holder() is None  # stopped before the storage closes
