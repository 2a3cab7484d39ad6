"""Stories at ingest, on each backend: what is stored, what a restart remembers, and several
ingests into one database at once — in one process and as separate ``python -m bot ingest``
processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.ingest import Ingester
from bot.models import Article
from bot.storage import Storage, open_url

ROOT = Path(__file__).resolve().parents[2]
NOON = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)

# Events, each told in several wordings (the first is the original report).
EVENTS = [
    [
        "Токаев подписал закон о референдуме по новой конституции",
        "Президент Токаев подписал закон о референдуме по конституции",
        "Касым-Жомарт Токаев подписал закон о референдуме",
    ],
    [
        "Нацбанк Казахстана сохранил базовую ставку на уровне 14,25%",
        "Национальный банк оставил базовую ставку 14,25% без изменений",
        "Базовая ставка Нацбанка сохранена на уровне 14,25 процента",
    ],
    [
        "В Шымкенте открыли новый онкологический центр на 300 коек",
        "Онкологический центр на 300 коек открылся в Шымкенте",
    ],
    ["Сборная Казахстана по футболу обыграла Данию со счётом 3:2"],
    ["Метель закрыла трассу Астана — Караганда для автобусов"],
]


def article(title: str, *, minutes: int, url: str | None = None) -> Article:
    return Article(
        title=title,
        published=NOON + timedelta(minutes=minutes),
        lead=title + ".",
        brief=title + ".",
        body=(title + ".",),
        url=url or f"https://news.example/{abs(hash(title)) % 10**9}",
        rubric="Новости",
        date_only=False,
    )


def wave(round_: int) -> list[Article]:
    """The ``round_``-th wording of every event that has one, a minute apart."""
    return [
        article(wordings[round_], minutes=10 * round_ + n)
        for n, wordings in enumerate(EVENTS)
        if round_ < len(wordings)
    ]


async def stories_by_title(storage: Storage) -> dict[str, int]:
    rows = await storage.db.fetch("SELECT title, story FROM articles")
    return {row[0]: row[1] for row in rows}


def grouped(stories: dict[str, int]) -> list[set[str]]:
    """Titles that share a story, as sets (the story ids themselves differ per database)."""
    groups: dict[int, set[str]] = {}
    for title, story in stories.items():
        groups.setdefault(story, set()).add(title)
    return sorted(groups.values(), key=lambda titles: sorted(titles))


EXPECTED = sorted([set(wordings) for wordings in EVENTS], key=lambda titles: sorted(titles))


async def test_reprints_join_the_story_of_the_first_report(any_storage: Storage) -> None:
    ingester = Ingester(any_storage)
    for round_ in range(3):
        batch = wave(round_)
        result = await ingester.store(batch)
        assert result.added == len(batch)
        assert all(a.id is not None and a.story is not None for a in batch)
    stories = await stories_by_title(any_storage)
    assert grouped(stories) == EXPECTED
    rows = await any_storage.db.fetch("SELECT id, story FROM articles ORDER BY id")
    assert all(story <= article_id for article_id, story in rows)  # a story: its first's id
    first = min(article_id for article_id, story in rows if story == article_id)
    assert first == rows[0][0]


async def test_the_articles_of_one_batch_find_each_other(any_storage: Storage) -> None:
    everything = [a for round_ in range(3) for a in wave(round_)]
    await Ingester(any_storage).store(everything)
    assert grouped(await stories_by_title(any_storage)) == EXPECTED


async def test_a_restart_remembers_the_stories_of_the_last_window(storage_url: str) -> None:
    first = await open_url(storage_url)
    try:
        await Ingester(first).store(wave(0))
    finally:
        await first.close()
    again = await open_url(storage_url)  # a new process: its index warms up from the store
    try:
        await Ingester(again).store(wave(1) + wave(2))
        assert grouped(await stories_by_title(again)) == EXPECTED
    finally:
        await again.close()


async def test_stored_articles_keep_their_story_and_report_it_again(any_storage: Storage) -> None:
    ingester = Ingester(any_storage)
    await ingester.store(wave(0) + wave(1))
    stories = await stories_by_title(any_storage)
    again = wave(1)  # the same articles again: unchanged
    changed = wave(1)
    changed[0].brief = changed[0].lead = "Обновлено: подробности."
    result = await ingester.store(again)
    assert (result.added, result.updated, result.unchanged) == (0, 0, len(again))
    result = await ingester.store([changed[0]])
    assert (result.added, result.updated) == (0, 1)
    assert [a.story for a in again] == [stories[a.title] for a in again]
    assert changed[0].story == stories[changed[0].title]
    assert await stories_by_title(any_storage) == stories


async def test_two_ingests_at_once_give_the_stories_one_would(storage_url: str) -> None:
    """Two processes' ingesters on one database, their batches interleaved: each catches up
    with what the other stored before it assigns, under the ingest lock."""
    one, other = await open_url(storage_url), await open_url(storage_url)
    try:
        left, right = Ingester(one), Ingester(other)
        weather = article("Синоптики обещают ясную погоду без осадков", minutes=-30)
        await left.store([weather])  # its index is warm now, and knows nothing of what follows
        await right.store(wave(0))  # the original reports, stored by the other
        await asyncio.gather(left.store(wave(1)), right.store(wave(2)))
        assert grouped(await stories_by_title(one)) == sorted(
            [*EXPECTED, {weather.title}], key=lambda titles: sorted(titles)
        )
    finally:
        await one.close()
        await other.close()


def test_two_command_line_ingests_into_one_database_share_stories(
    tmp_path: Path, storage_url: str
) -> None:
    """The real ``python -m bot ingest`` twice at once, each with half of every event."""
    halves = [tmp_path / "first", tmp_path / "second"]
    for folder in halves:
        folder.mkdir()
    for round_ in range(3):
        records = [
            {"title": a.title, "date": a.published.isoformat(), "body": list(a.body),
             "url": a.url, "source": f"Outlet {round_}"}
            for a in wave(round_)
        ]  # fmt: skip
        half = halves[round_ % 2] / f"wave-{round_}.jsonl"
        half.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    env = {**os.environ, "DATABASE_URL": storage_url, "LOG_LEVEL": "WARNING"}
    # The first wave goes in first, so every event has its original report stored.
    first = [sys.executable, "-m", "bot", "ingest", "--json", str(halves[0] / "wave-0.jsonl")]
    done = subprocess.run(first, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    commands = [
        [sys.executable, "-m", "bot", "ingest", "--json", str(halves[1] / "wave-1.jsonl")],
        [sys.executable, "-m", "bot", "ingest", "--json", str(halves[0] / "wave-2.jsonl")],
    ]
    running = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for c in commands
    ]
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    for process in running:
        out, _err = process.communicate(timeout=120)
        assert process.returncode == 0
        printed += [json.loads(line) for line in out.splitlines()]
    stories = {record["title"]: record["story"] for record in printed}
    assert grouped(stories) == EXPECTED
    assert {record["source"] for record in printed} == {"Outlet 0", "Outlet 1", "Outlet 2"}


async def test_a_batch_out_of_date_order_finds_the_stories_its_dates_make(
    any_storage: Storage,
) -> None:
    """Files read in name order, days apart: each is assigned in order of publication, so
    an early event's reports are not taken for older than the window behind a later one."""
    early = [article(title, minutes=n) for n, title in enumerate(EVENTS[0][:2])]
    late = [article(title, minutes=10 * 24 * 60 + n) for n, title in enumerate(EVENTS[1][:2])]
    batch = [late[0], early[0], late[1], early[1]]
    await Ingester(any_storage).store(batch)
    assert early[0].story == early[1].story == early[0].id
    assert late[0].story == late[1].story == late[0].id
