"""Instance locks and LeaderOnly on both backends: one leader, and a quick takeover."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.storage import open_url
from bot.workers import LeaderOnly, Worker, wait_for_lock
from tests.waiting import until


class Recorder:
    """A worker that notes when it runs and stops."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def run(self) -> None:
        self.log.append(f"start {self.name}")
        try:
            await asyncio.Event().wait()
        finally:
            self.log.append(f"stop {self.name}")


async def test_a_lock_is_held_by_one_storage_until_released(storage_url: str) -> None:
    first, second = await open_url(storage_url), await open_url(storage_url)
    try:
        assert await first.lock("leader").acquire()
        assert await first.lock("leader").acquire()  # taking it again is a no-op
        assert not await second.lock("leader").acquire()
        assert await second.lock("other").acquire()  # names are separate locks
        assert await first.lock("leader").held()
        assert not await second.lock("leader").held()
        await first.lock("leader").release()
        assert not await first.lock("leader").held()
        assert await second.lock("leader").acquire()
    finally:
        await first.close()
        await second.close()


async def test_closing_a_storage_frees_its_locks(storage_url: str) -> None:
    first, second = await open_url(storage_url), await open_url(storage_url)
    try:
        assert await first.lock("leader").acquire()
        await first.close()
        assert await second.lock("leader").acquire()
    finally:
        await second.close()


async def test_only_one_instance_leads_and_the_other_takes_over(storage_url: str) -> None:
    log: list[str] = []
    storages = [await open_url(storage_url), await open_url(storage_url)]

    def workers(tag: str) -> list[Worker]:
        return [Recorder(f"{tag}-digests", log), Recorder(f"{tag}-feeds", log)]

    leaders = [
        LeaderOnly(storages[0].lock("leader"), lambda: workers("a"), retry=0.05),
        LeaderOnly(storages[1].lock("leader"), lambda: workers("b"), retry=0.05),
    ]
    first = asyncio.create_task(leaders[0].run())
    await until(lambda: leaders[0].leading)
    second = asyncio.create_task(leaders[1].run())
    await asyncio.sleep(0.3)
    assert not leaders[1].leading
    assert sorted(log) == ["start a-digests", "start a-feeds"]

    # The leader goes away: its workers stop, the other instance starts its own.
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await until(lambda: leaders[1].leading, timeout=5)
    await until(lambda: "start b-feeds" in log)
    assert log[:2] == ["start a-digests", "start a-feeds"]
    assert set(log[2:4]) == {"stop a-digests", "stop a-feeds"}
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    for storage in storages:
        await storage.close()


async def test_a_leader_whose_database_session_dies_stops_its_workers(pg_url: str) -> None:
    log: list[str] = []
    leader_store, other_store = await open_url(pg_url), await open_url(pg_url)
    lock = leader_store.lock("leader")
    leader = LeaderOnly(lock, lambda: [Recorder("a", log)], retry=0.05)
    task = asyncio.create_task(leader.run())
    await until(lambda: leader.leading)
    # The server ends the leader's session (a network cut, a restart): the lock is gone.
    key = lock.key  # type: ignore[attr-defined]
    await other_store.db.execute(  # type: ignore[attr-defined]
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
        "AND classid = $1 AND objid = $2",
        key >> 32,
        key & 0xFFFFFFFF,
    )
    await until(lambda: "stop a" in log, timeout=5)
    # The lock is free again: the other instance or the old leader, reconnected, takes it.
    other = other_store.lock("leader")

    async def someone_leads() -> bool:
        return leader.leading or await other.acquire()

    await until(someone_leads, timeout=5, what="a new leader")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await leader_store.close()
    await other_store.close()


async def test_a_second_poller_says_so_and_waits(
    storage_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = await open_url(storage_url), await open_url(storage_url)
    assert await first.lock("polling:1").acquire()
    with caplog.at_level(logging.INFO, logger="bot.workers"):
        waiting = asyncio.create_task(
            wait_for_lock(second.lock("polling:1"), "another instance polls", retry=0.05)
        )
        await asyncio.sleep(0.3)
        assert not waiting.done()
        assert "another instance polls; waiting for it to stop" in caplog.text
        await first.close()
        await asyncio.wait_for(waiting, 5)
    assert await second.lock("polling:1").held()
    await second.close()
