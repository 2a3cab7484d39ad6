"""What chats were sent (per story), and outbox rows' further parameters, on each backend."""

from __future__ import annotations

import json

from bot.storage import Storage
from bot.storage.records import OutboxMessage, PlannedDigest


async def test_a_chat_remembers_the_stories_it_was_sent(storage: Storage) -> None:
    await storage.chats.upsert(7)
    await storage.chats.upsert(8)
    async with storage.transaction() as tx:
        await tx.received.mark(7, [101, 102, 101])
    assert await storage.received.seen(7, [100, 101, 102, 103]) == {101, 102}
    assert await storage.received.seen(8, [101, 102]) == set()  # another chat's
    assert await storage.received.seen(7, []) == set()


async def test_what_was_sent_long_ago_is_pruned(storage: Storage) -> None:
    await storage.chats.upsert(7)
    await storage.received.mark(7, [1], at=1_000)
    await storage.received.mark(7, [2])
    assert await storage.received.prune(older_than=86400) == 1
    assert await storage.received.seen(7, [1, 2]) == {2}


async def test_a_migrated_group_keeps_what_it_was_sent(storage: Storage) -> None:
    await storage.chats.upsert(-5, type="group")
    await storage.received.mark(-5, [11])
    assert await storage.chats.migrate(-5, -1005)
    assert await storage.received.seen(-1005, [11]) == {11}
    # Merged into a supergroup the bot already knew: both sets are kept.
    await storage.chats.upsert(-6, type="group")
    await storage.received.mark(-6, [12])
    await storage.received.mark(-1005, [13])
    assert await storage.chats.migrate(-6, -1005)
    assert await storage.received.seen(-1005, [11, 12, 13]) == {11, 12, 13}


async def test_an_outbox_row_keeps_its_further_parameters(storage: Storage) -> None:
    await storage.chats.upsert(7)
    options = json.dumps({"message_thread_id": 42, "disable_notification": True})
    planned = [PlannedDigest(7, [OutboxMessage("a"), OutboxMessage("b", options=options)], 0)]
    async with storage.transaction() as tx:
        await tx.outbox.enqueue(planned, None)
    rows = await storage.outbox.load_pending(0, 10)
    assert [(row.text, row.options) for row in rows] == [("a", None), ("b", options)]
