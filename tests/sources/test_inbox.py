"""The inbox folder: files dropped while the bot runs are ingested and moved aside."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from bot.sources.inbox import EMPTY_GRACE_S, InboxWatcher
from bot.storage import Storage

GOOD = """ date 2026-05-01 #Выборы-2026 #Алматы
Политика

Выборы прошли спокойно

АЛМАТЫ. KAZINFORM – Выборы в городской маслихат прошли без нарушений, сообщили в избиркоме.

Явка составила 40 процентов.
"""
NO_DATE = "Политика\n\nЗаголовок без даты\n\nТекст.\n"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def watcher(store: Storage, inbox: Path, clock: Clock | None = None) -> InboxWatcher:
    return InboxWatcher(store, inbox, clock=clock or Clock())


async def test_good_file_is_ingested_and_moved_to_done(store: Storage, inbox: Path) -> None:
    (inbox / "vybory.txt").write_text(GOOD, encoding="utf-8")
    watch = watcher(store, inbox)
    assert (await watch.scan()).waiting == ["vybory.txt"]  # seen once: maybe still written
    assert await store.articles.count() == 0
    assert (await watch.scan()).done == ["vybory.txt"]
    assert not (inbox / "vybory.txt").exists()
    assert (inbox / "done" / "vybory.txt").read_text(encoding="utf-8") == GOOD
    [article] = (await store.articles.latest()).articles
    assert article.title == "Выборы прошли спокойно"
    assert article.tags == ("Выборы-2026", "Алматы")
    assert article.source == "vybory.txt"


async def test_bad_file_goes_to_failed_with_the_reason(store: Storage, inbox: Path) -> None:
    (inbox / "nodate.txt").write_text(NO_DATE, encoding="utf-8")
    watch = watcher(store, inbox)
    await watch.scan()
    assert (await watch.scan()).failed == ["nodate.txt"]
    assert (inbox / "failed" / "nodate.txt").read_text(encoding="utf-8") == NO_DATE
    report = (inbox / "failed" / "nodate.txt.error").read_text(encoding="utf-8")
    assert re.fullmatch(r"nodate\.txt:\d+: .+\n", report), report
    assert await store.articles.count() == 0


async def test_a_file_written_slowly_is_read_only_when_whole(store: Storage, inbox: Path) -> None:
    watch = watcher(store, inbox)
    path = inbox / "slow.txt"
    head, tail = GOOD[:120], GOOD[120:]
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        out.flush()
        assert (await watch.scan()).waiting == ["slow.txt"]
        for char in tail[:-1]:  # one more character between every two scans
            out.write(char)
            out.flush()
            result = await watch.scan()
            assert result.waiting == ["slow.txt"]
            assert not result.done
            assert not result.failed
        out.write(tail[-1])
    await watch.scan()
    assert (await watch.scan()).done == ["slow.txt"]
    [article] = (await store.articles.latest()).articles
    assert article.body[-1] == "Явка составила 40 процентов."


async def test_temporary_and_hidden_names_are_never_read(store: Storage, inbox: Path) -> None:
    names = [".draft.txt", "article.txt.tmp", "article.txt.part", "article.txt~", "~lock.txt"]
    for name in names:
        (inbox / name).write_text(GOOD, encoding="utf-8")
    watch = watcher(store, inbox)
    for _ in range(3):
        result = await watch.scan()
        assert (result.done, result.failed, result.waiting) == ([], [], [])
    assert files(inbox) == sorted(names)
    # Renamed into place, the article is read as any other file.
    (inbox / "article.txt.tmp").rename(inbox / "article.txt")
    await watch.scan()
    assert (await watch.scan()).done == ["article.txt"]


async def test_a_taken_name_in_done_gets_a_suffix(store: Storage, inbox: Path) -> None:
    watch = watcher(store, inbox)
    for _ in range(2):
        (inbox / "same.txt").write_text(GOOD, encoding="utf-8")
        await watch.scan()
        await watch.scan()
    assert files(inbox / "done") == ["same-1.txt", "same.txt"]
    assert await store.articles.count() == 1  # the same article twice is stored once


async def test_json_lines_file_with_a_bad_line(store: Storage, inbox: Path) -> None:
    good = {"title": "Заголовок", "date": "2026-03-03", "lead": "Лид.", "summary": "Заголовок"}
    lines = [json.dumps(good, ensure_ascii=False), "{broken", ""]
    (inbox / "batch.jsonl").write_text("\n".join(lines), encoding="utf-8")
    watch = watcher(store, inbox)
    await watch.scan()
    assert (await watch.scan()).failed == ["batch.jsonl"]
    report = (inbox / "failed" / "batch.jsonl.error").read_text(encoding="utf-8")
    assert report.startswith("batch.jsonl:2: not JSON")
    assert await store.articles.count() == 1  # the good line is kept all the same


async def test_an_empty_file_waits_a_minute_then_fails(store: Storage, inbox: Path) -> None:
    (inbox / "empty.txt").touch()
    clock = Clock()
    watch = watcher(store, inbox, clock)
    await watch.scan()
    clock.now += 5
    assert (await watch.scan()).waiting == ["empty.txt"]
    clock.now += EMPTY_GRACE_S
    assert (await watch.scan()).failed == ["empty.txt"]
    assert (inbox / "failed" / "empty.txt.error").exists()


async def test_the_running_worker_ingests_dropped_files(store: Storage, inbox: Path) -> None:
    watch = InboxWatcher(store, inbox, scan_interval_s=0.05)
    task = asyncio.create_task(watch.run())
    try:
        await asyncio.sleep(0.1)
        (inbox / "live.txt").write_text(GOOD, encoding="utf-8")
        for _ in range(100):
            if (inbox / "done" / "live.txt").exists():
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert (inbox / "done" / "live.txt").exists()
    assert await store.articles.count() == 1
