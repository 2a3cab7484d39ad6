"""The inbox folder: files dropped while the bot runs are ingested and moved aside."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import pytest

from bot.models import Article
from bot.sources import inbox as inbox_module
from bot.sources.inbox import EMPTY_GRACE_S, InboxWatcher
from bot.storage import Storage
from bot.storage.writer import Batch

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


async def test_a_bad_record_is_named_by_its_line_and_the_good_ones_stored(
    store: Storage, inbox: Path
) -> None:
    good = {"title": "Заголовок", "date": "2026-03-03", "lead": "Лид.", "summary": "Заголовок"}
    lines = [
        json.dumps(good, ensure_ascii=False),
        json.dumps(good | {"title": "Второй"}, ensure_ascii=False),
        json.dumps({"title": "Восток", "date": "0001-01-01T00:00:00+14:00"}),
        "[" * 50_000 + "]" * 50_000,
        json.dumps(good | {"title": "Третий"}, ensure_ascii=False),
    ]
    (inbox / "batch.jsonl").write_text("\n".join(lines), encoding="utf-8")
    watch = watcher(store, inbox)
    await watch.scan()
    assert (await watch.scan()).failed == ["batch.jsonl"]
    report = (inbox / "failed" / "batch.jsonl.error").read_text(encoding="utf-8")
    assert report.splitlines() == [
        "batch.jsonl:3: date '0001-01-01T00:00:00+14:00' is out of range once converted to UTC",
        "batch.jsonl:4: not JSON: nested too deeply",
    ]
    assert await store.articles.count() == 3


async def test_a_large_json_lines_file_is_stored_in_bounded_batches(
    store: Storage, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = {"date": "2026-03-03", "lead": "Лид.", "body": ["абзац " * 200]}
    lines = [json.dumps(record | {"title": f"Заголовок {n}"}) for n in range(2500)]
    (inbox / "big.jsonl").write_text("\n".join(lines), encoding="utf-8")
    sizes: list[int] = []
    prepare = store.articles.prepare

    async def counting(articles: list[Article], **kwargs: Any) -> Batch:
        sizes.append(len(articles))
        return await prepare(articles, **kwargs)

    monkeypatch.setattr(store.articles, "prepare", counting)
    watch = watcher(store, inbox)
    await watch.scan()
    assert (await watch.scan()).done == ["big.jsonl"]
    assert sum(sizes) == 2500
    assert max(sizes) <= 1000
    assert await store.articles.count() == 2500


async def test_an_article_over_the_size_limit_goes_to_failed(store: Storage, inbox: Path) -> None:
    (inbox / "huge.txt").write_text(GOOD + "Длинный абзац. " * 1000, encoding="utf-8")
    (inbox / "fine.txt").write_text(GOOD, encoding="utf-8")
    watch = InboxWatcher(store, inbox, clock=Clock(), max_article_bytes=8192)
    await watch.scan()
    result = await watch.scan()
    assert (result.done, result.failed) == (["fine.txt"], ["huge.txt"])
    report = (inbox / "failed" / "huge.txt.error").read_text(encoding="utf-8")
    assert report == "huge.txt:1: larger than the 8 KiB limit of an article (MAX_ARTICLE_BYTES)\n"


async def test_links_and_special_files_go_to_failed_unread(
    store: Storage, inbox: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(GOOD, encoding="utf-8")
    (inbox / "link.txt").symlink_to(outside)
    (inbox / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (inbox / "loop.txt").symlink_to(inbox / "loop.txt")
    os.mkfifo(inbox / "pipe.txt")
    watch = watcher(store, inbox)
    await watch.scan()
    result = await watch.scan()
    assert sorted(result.failed) == ["broken.txt", "link.txt", "loop.txt", "pipe.txt"]
    reasons = {
        name: (inbox / "failed" / f"{name}.error").read_text(encoding="utf-8")
        for name in result.failed
    }
    assert reasons["link.txt"] == "link.txt:1: a symbolic link; not followed\n"
    assert reasons["broken.txt"] == "broken.txt:1: a symbolic link; not followed\n"
    assert reasons["loop.txt"] == "loop.txt:1: a symbolic link; not followed\n"
    assert reasons["pipe.txt"] == "pipe.txt:1: not a regular file (a FIFO); not read\n"
    assert (inbox / "failed" / "link.txt").is_symlink()
    assert outside.read_text(encoding="utf-8") == GOOD  # the target is never touched
    assert await store.articles.count() == 0


async def test_an_unreadable_file_is_told_once_and_read_when_it_can_be(
    store: Storage, inbox: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (inbox / "locked.txt").write_text(GOOD, encoding="utf-8")
    read = inbox_module.read_article_file

    def refusing(path: Path, *args: Any, **kwargs: Any) -> bytes:
        if path.name == "locked.txt":  # as permissions would for anyone but root
            raise PermissionError(13, "Permission denied", str(path))
        return read(path, *args, **kwargs)

    monkeypatch.setattr(inbox_module, "read_article_file", refusing)
    watch = watcher(store, inbox)
    with caplog.at_level(logging.WARNING, logger="bot.sources.inbox"):
        for _ in range(6):
            result = await watch.scan()
            assert not result.done
            assert not result.failed
    told = [r.getMessage() for r in caplog.records if "locked.txt" in r.getMessage()]
    assert told == ["inbox: cannot read locked.txt, will retry: [Errno 13] Permission denied: "
                    f"'{inbox / 'locked.txt'}'"]  # fmt: skip
    monkeypatch.setattr(inbox_module, "read_article_file", read)
    assert (await watch.scan()).done == ["locked.txt"]


async def test_a_subfolder_is_told_once_and_never_read(
    store: Storage, inbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (inbox / "2026").mkdir()
    (inbox / "2026" / "inside.txt").write_text(GOOD, encoding="utf-8")
    watch = watcher(store, inbox)
    with caplog.at_level(logging.WARNING, logger="bot.sources.inbox"):
        for _ in range(4):
            await watch.scan()
    told = [r.getMessage() for r in caplog.records]
    assert told == [
        f"inbox: 2026/ is a folder and is not read; only files directly in {inbox} are"
    ]
    assert (inbox / "2026" / "inside.txt").exists()
    assert await store.articles.count() == 0
