"""What the handlers' own work costs, beside the queries: reading a typed list of tags,
/help's examples, time-zone names, and preparing a huge article for «read».

    .venv/bin/python benchmarks/handlers.py [--articles 20000] [--repeat 200]
        [--database-url postgresql://user@host/db?options=-csearch_path%3Dbench]

A fresh SQLite file by default (``--database-url``: an empty database or schema of your
own, which is filled). Figures are medians (p50) and 99th percentiles (p99) of
``--repeat`` calls, in milliseconds; the worst typed list is the longest one
:mod:`bot.subscriptions` reads without refusing: 50 words and no commas, whose every
two to four consecutive words are looked up as a possible multi-word tag.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import subscriptions  # noqa: E402
from bot.handlers import clock, read, start  # noqa: E402
from bot.i18n import use_locale  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.storage import Storage, open_url  # noqa: E402

RUBRICS = ("Политика", "Экономика", "В мире", "Общество", "Новости Казахстана", "Спорт")
START = datetime(2025, 1, 1, tzinfo=UTC)


def articles(count: int) -> list[Article]:
    return [
        Article(
            title=f"Новость номер {i} о выборах и экономике",
            published=START + timedelta(minutes=i),
            lead="Правительство обсудило вопрос на заседании во вторник.",
            brief="Правительство обсудило вопрос на заседании во вторник.",
            body=("Правительство обсудило вопрос на заседании во вторник.",),
            rubric=RUBRICS[i % len(RUBRICS)],
            tags=(f"Тема-{i % 2000}", "Выборы-2026") if i % 3 == 0 else (f"Тема-{i % 2000}",),
            url=f"https://bench.example.kz/{i}",
            source=f"{i}.txt",
        )
        for i in range(count)
    ]


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, float]:
    """p50 and p99 of ``repeat`` calls, in milliseconds."""
    spent = []
    for _ in range(repeat):
        began = time.perf_counter()
        await call()
        spent.append((time.perf_counter() - began) * 1000)
    spent.sort()
    return statistics.median(spent), spent[min(len(spent) - 1, int(len(spent) * 0.99))]


def line(what: str, figures: tuple[float, float]) -> None:
    print(f"{what:<58} p50 {figures[0]:8.2f} ms   p99 {figures[1]:8.2f} ms")


async def measure(store: Storage, count: int, repeat: int) -> None:
    began = time.perf_counter()
    stored = articles(count)
    for offset in range(0, count, 5000):
        await store.articles.upsert_many(stored[offset : offset + 5000])
    print(f"{count} articles stored in {time.perf_counter() - began:.1f} s")

    typical = "В мире, Экономика ВЫБОРЫ 2026 тема 17"
    worst = " ".join(f"слово{i}" for i in range(subscriptions.MAX_SUBSCRIPTIONS))
    line(
        f"read_tags: {typical!r}",
        await timed(lambda: subscriptions.read_tags(store, typical), repeat),
    )
    line(
        f"read_tags: {subscriptions.MAX_SUBSCRIPTIONS} unknown words, no commas",
        await timed(lambda: subscriptions.read_tags(store, worst), max(1, repeat // 10)),
    )
    with use_locale("ru"):
        line("/help examples (top tags, one search)", await timed(
            lambda: start._examples(store), repeat
        ))  # fmt: skip

    cold = time.perf_counter()
    clock.resolve_timezone("Москва")
    print(f"{'resolve_timezone: first city name (builds the table)':<58} "
          f"{(time.perf_counter() - cold) * 1000:8.2f} ms")  # fmt: skip

    async def zones() -> None:
        for text in ("Москва", "UTC+3", "MSK", "asia/almaty", "GMT+5", "Нью-Йорк"):
            clock.resolve_timezone(text)

    line("resolve_timezone: six forms, warm", await timed(zones, repeat))

    huge = Article(
        title="Огромная статья",
        published=START,
        lead="",
        brief="",
        body=tuple(f"Абзац {i}. " + "Текст статьи. " * 70 for i in range(50_000)),  # ~50 MB
        url="https://bench.example.kz/huge",
        source="huge.txt",
    )

    async def prepare() -> None:
        with use_locale("ru"):
            read.article_messages(huge, ZoneInfo("Asia/Almaty"))

    line("«read»: a 50 MB article prepared as at most 5 messages", await timed(prepare, 20))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database-url", help="an empty database to fill (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        store = await open_url(url)
        try:
            await measure(store, args.articles, args.repeat)
        finally:
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
