"""The outbox store on each backend: the delivery lease, takeovers, ids in commit order.

The lease is held by one storage at a time; a takeover sends the crash window again. On
PostgreSQL the lease is an advisory lock, so it moves to another instance as soon as the
holder's connection ends, without waiting for its time to live.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from bot.models import Chat
from bot.storage import Storage, open_url
from bot.storage.outbox import INSERT_LOCK, LEASE_LOCK
from bot.storage.postgres import PostgresStorage
from bot.storage.records import OutboxMessage, Outcomes, PlannedDigest
from bot.storage.runs import this_process
from tests.digest.conftest import Builder, enqueue_run, outbox_rows, query


async def claim_chat(storage: Storage, chat_id: int, build: Builder) -> None:
    """``/digest``'s transaction: claim the chat, enqueue its digest, move it on."""
    async with storage.transaction() as tx:
        chat = await tx.digests.claim_chat(chat_id)
        assert chat is not None
        planned = await build([chat])
        result = await tx.outbox.enqueue(planned, None)
        await tx.digests.advance(planned, None, result)


TTL = 30.0


async def lease(storage: Storage, owner: str) -> tuple[bool, str | None, int]:
    got = await storage.outbox.acquire_lease(owner, *this_process(), TTL)
    return got.held, got.holder, got.recovered


async def mark_sending(storage: Storage, count: int) -> int:
    """A run of ``count`` one-message chats, every row left 'sending' as a crash leaves it."""
    for chat_id in range(1, count + 1):
        await storage.chats.upsert(chat_id)
    run_id = await enqueue_run(storage, {chat_id: ["hello"] for chat_id in range(1, count + 1)})
    rows = await storage.outbox.load_pending(0, 100)
    await storage.outbox.record(Outcomes(marks=[("sending", r.id, r.run_id, None) for r in rows]))
    return run_id


async def test_one_holder_at_a_time_and_a_takeover_sends_the_crash_window_again(
    storage_url: str,
) -> None:
    first, second = await open_url(storage_url), await open_url(storage_url)
    try:
        run_id = await mark_sending(first, 3)
        assert await lease(first, "a") == (True, "a", 3)
        assert await lease(first, "a") == (True, "a", 0)  # renewed, nothing recovered
        assert await lease(second, "b") == (False, "a", 0)
        holder = await second.outbox.lease_holder()
        assert holder is not None
        assert holder[0] == "a"
        assert holder[1] > datetime.now(UTC).timestamp()

        await first.outbox.release_lease("a")
        assert await first.outbox.lease_holder() is None
        rows = await first.outbox.load_pending(0, 100)  # the three are pending again
        await first.outbox.record(Outcomes(marks=[("sending", rows[0].id, run_id, None)]))
        assert await lease(second, "b") == (True, "b", 1)
        assert await lease(first, "a") == (False, "b", 0)
        run = await first.digests.run(run_id)
        assert run is not None
        assert run.retried == 4  # three at the first takeover, one at the second
    finally:
        await first.close()
        await second.close()


async def test_purge_forgets_old_finished_rows_and_keeps_open_ones(storage: Storage) -> None:
    await storage.chats.upsert(1)
    await storage.chats.upsert(2)
    run_id = await enqueue_run(storage, {1: ["sent"], 2: ["open"]})
    rows = {row.chat_id: row for row in await storage.outbox.load_pending(0, 10)}
    await storage.outbox.record(
        Outcomes(marks=[("sent", rows[1].id, run_id, 11)], finish={run_id})
    )
    assert await storage.outbox.purge(3600) == 0  # not old enough yet
    assert await storage.outbox.purge(-60) == 1
    assert [row["text"] for row in await outbox_rows(storage)] == ["open"]
    assert await storage.outbox.open_count() == 1


async def test_the_lease_moves_at_once_when_the_holders_connection_closes(pg_url: str) -> None:
    first, second = await open_url(pg_url), await open_url(pg_url)
    try:
        await mark_sending(first, 2)
        assert await lease(first, "a") == (True, "a", 2)
        assert await lease(second, "b") == (False, "a", 0)
        rows = await first.outbox.load_pending(0, 10)
        await first.outbox.record(Outcomes(marks=[("sending", rows[0].id, None, None)]))
        await first.close()  # as a process that dies: no release_lease
        # The row still names the dead holder, with time left; the lock decides.
        holder = await second.outbox.lease_holder()
        assert holder is not None
        assert holder[0] == "a"
        assert await lease(second, "b") == (True, "b", 1)
    finally:
        await second.close()


async def test_a_holder_whose_session_is_killed_loses_the_lease_to_another(
    pg_url: str,
) -> None:
    first, second = await PostgresStorage.open(pg_url), await PostgresStorage.open(pg_url)
    try:
        assert await lease(first, "a") == (True, "a", 0)
        assert await lease(second, "b") == (False, "a", 0)
        # The server ends the holder's session (a network cut, an idle timeout, an admin).
        key = second.db.lock_key(LEASE_LOCK)
        [killed] = await query(
            second,
            "SELECT pg_terminate_backend(pid) AS done FROM pg_locks WHERE locktype = "
            "'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1",
            key >> 32,
            key & 0xFFFFFFFF,
        )
        assert killed["done"]
        for _ in range(50):
            if (await lease(second, "b"))[0]:
                break
            await asyncio.sleep(0.1)
        assert await lease(second, "b") == (True, "b", 0)
        assert await lease(first, "a") == (False, "b", 0)  # the old holder stops
    finally:
        await first.close()
        await second.close()


async def test_outbox_rows_become_visible_in_id_order(pg_url: str) -> None:
    """A planner enqueueing while another process's insert is uncommitted waits for it,
    so delivery, reading ids above the last it saw, never passes over a lower id."""
    storage = await open_url(pg_url)
    assert isinstance(storage, PostgresStorage)
    other = await asyncpg.connect(pg_url)
    try:
        await storage.chats.upsert(1)
        await storage.chats.upsert(2)
        transaction = other.transaction()
        await transaction.start()
        await other.execute("SELECT pg_advisory_xact_lock($1)", storage.db.lock_key(INSERT_LOCK))
        early = await other.fetchval(
            "INSERT INTO outbox (chat_id, text, created_at) VALUES (1, 'first', 0) RETURNING id"
        )

        async def build(chats: list[Chat]) -> list[PlannedDigest]:
            return [PlannedDigest(c.id, [OutboxMessage("second")], 0) for c in chats]

        later = asyncio.create_task(claim_chat(storage, 2, build))
        await asyncio.sleep(0.5)
        assert not later.done()  # its ids would be higher: it may not commit first
        assert await storage.outbox.load_pending(0, 10) == []
        await transaction.commit()
        await asyncio.wait_for(later, 10)
        rows = await storage.outbox.load_pending(0, 10)
        assert [(row.id > early, row.text) for row in rows] == [
            (False, "first"),
            (True, "second"),
        ]
    finally:
        await other.close()
        await storage.close()
