"""Story detection at ingest speed: 100,000 generated articles over 30 days.

    .venv/bin/python benchmarks/stories.py [--count 100000] [--days 30] [--window-hours 72]
        [--database-url postgresql://…] [--only core|ingest]

Events are made of words drawn from wordfreq's Russian list, so word frequencies are those of
real text: two or three names and a number from the rare end, topical words from the middle,
filler from the whole list by frequency. Each event is reported by 1 to 6 outlets within six
hours, each in its own wording: a different subset and order of the event's words in the
headline, its own filler in the lead. Articles arrive in publication order, as an ingest sees
them. Printed:

- per article and as a rate, in CPU time: feature extraction (lemmas, weights, dates), the
  candidate search with its scoring, and indexing with eviction; candidates scored per article;
- the articles in the window and the peak memory of the process (ru_maxrss), also less what
  the generated texts took;
- warming a fresh index from the texts of the last window, as a restart does;
- how well the stories found match the events made (pairwise precision and recall).

And the same articles through the real ingest (:class:`bot.ingest.Ingester`, batches of
1,000, as ``python -m bot ingest`` stores them) into a fresh SQLite file, or into a fresh
schema of the PostgreSQL database ``--database-url`` names (dropped after): articles/s end to
end in wall time and per CPU second, peak memory, and the stories stored against the events.
The real ingest runs first, with the word caches as cold as a new process has them; the
core's figures after it have them warm (``--only core`` measures it cold).

Target: well under 1 ms per article for extraction and assignment together, and the whole
ingest, search words and story detection included, at 1,000 articles/s or more.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from math import comb
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wordfreq import top_n_list  # noqa: E402

from bot.ingest import Ingester  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.storage import Storage, open_url  # noqa: E402
from bot.stories import StoryIndex, features  # noqa: E402

START = datetime(2026, 3, 1, tzinfo=UTC)
VOCABULARY = 50_000
OUTLETS = 40
BATCH = 1000  # as the command line's ingest batches
RUBRICS = ("Политика", "Экономика", "Общество", "Спорт", "В мире", "Культура")


class Generated(NamedTuple):
    event: int
    published: datetime
    title: str
    lead: str
    outlet: int


class Words:
    """Russian words by frequency rank, drawn the way text draws them (Zipf's law)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = [w for w in top_n_list("ru", VOCABULARY) if w.isalpha() and len(w) > 2]
        self.cumulative = []
        total = 0.0
        for rank in range(1, len(self.words) + 1):
            total += 1 / rank
            self.cumulative.append(total)

    def filler(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def ranked(self, low: int, high: int, count: int) -> list[str]:
        return self.rng.sample(self.words[low:high], count)


def generate(count: int, days: int, seed: int) -> list[Generated]:
    """Articles of events spread evenly over ``days``, in publication order."""
    rng = random.Random(seed)
    words = Words(rng)
    span = timedelta(days=days).total_seconds()
    articles: list[Generated] = []
    event = 0
    while len(articles) < count:
        event += 1
        names = [name.capitalize() for name in words.ranked(5_000, len(words.words), 3)]
        topic = words.ranked(300, 15_000, 6)
        number = str(rng.randint(2, 5000))
        core = [*names[: rng.randint(2, 3)], *topic, number]
        happened = START + timedelta(seconds=rng.uniform(0, span))
        for outlet in rng.sample(range(OUTLETS), rng.randint(1, 6)):
            kept = rng.sample(core, max(3, int(len(core) * rng.uniform(0.6, 0.9))))
            title = " ".join([*kept, *words.filler(rng.randint(1, 3))])
            lead_words = [*core, *words.filler(rng.randint(30, 60))]
            rng.shuffle(lead_words)
            published = happened + timedelta(seconds=rng.uniform(0, 6 * 3600))
            lead = " ".join(lead_words)
            articles.append(Generated(event, published, title.capitalize(), lead, outlet))
    articles = articles[:count]
    articles.sort(key=lambda article: article.published)
    return articles


def pairwise(found: list[int], truth: list[int]) -> tuple[float, float]:
    """Pair-counting precision and recall of stories found against events made."""
    both = sum(comb(n, 2) for n in Counter(zip(found, truth, strict=True)).values())
    said = sum(comb(n, 2) for n in Counter(found).values())
    real = sum(comb(n, 2) for n in Counter(truth).values())
    return both / said if said else 1.0, both / real if real else 1.0


def as_article(number: int, generated: Generated) -> Article:
    """An article as a source gives it: a headline, a lead and a body, an outlet, a link."""
    body = (generated.lead, f"{generated.title}. Подробности будут позже.")
    return Article(
        title=generated.title,
        published=generated.published,
        lead=generated.lead,
        brief=generated.lead[:300],
        body=body,
        rubric=RUBRICS[generated.event % len(RUBRICS)],
        url=f"https://outlet{generated.outlet}.example/{number}",
        outlet=f"Outlet {generated.outlet}",
        date_only=False,
    )


@asynccontextmanager
async def fresh_storage(url: str | None) -> AsyncIterator[tuple[Storage, str]]:
    """A fresh SQLite file, or a fresh schema of the PostgreSQL database (dropped after)."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            storage = await open_url(f"sqlite:///{Path(folder) / 'stories.sqlite3'}")
            try:
                yield storage, "a fresh SQLite file"
            finally:
                await storage.close()
        return
    import asyncpg

    from tests.pg import with_search_path

    schema = f"svodka_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(url)
    await conn.execute(f"CREATE SCHEMA {schema}")
    try:
        storage = await open_url(with_search_path(url, schema))
        try:
            yield storage, f"PostgreSQL schema {schema}"
        finally:
            await storage.close()
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


async def ingest_all(articles: list[Generated], window: timedelta, url: str | None) -> None:
    """The articles through the real ingest, in batches, and what it stored."""
    async with fresh_storage(url) as (storage, where):
        ingester = Ingester(storage, window=window)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(articles), BATCH):
            chunk = articles[start : start + BATCH]
            batch = [as_article(n, a) for n, a in enumerate(chunk, start)]
            await ingester.store(batch)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        count = len(articles)
        examined = ingester.examined / count
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"real ingest into {where}, batches of {BATCH}:")
        print(f"  {count / wall:,.0f} articles/s end to end ({wall:.0f} s of wall time); "
              f"{count / cpu:,.0f} per CPU second, {cpu / count * 1e6:.0f} µs an article; "
              f"peak memory {peak:.0f} MB ({before:.0f} MB before)")  # fmt: skip
        print(f"  candidates scored: {examined:.1f} per article")
        rows = await storage.db.fetch("SELECT id, story FROM articles ORDER BY id")
        found = [row[1] for row in rows]
        precision, recall = pairwise(found, [a.event for a in articles])
        print(f"  stories stored: {len(set(found)):,}; pairwise precision {precision:.1%}, "
              f"recall {recall:.1%}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--window-hours", type=float, default=72)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--database-url", help="a PostgreSQL database for the real ingest")
    parser.add_argument("--only", choices=("core", "ingest"), help="one of the two phases")
    args = parser.parse_args()
    window = timedelta(hours=args.window_hours)

    started = time.perf_counter()
    articles = generate(args.count, args.days, args.seed)
    events = len({article.event for article in articles})
    print(f"generated {len(articles):,} articles of {events:,} events "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

    if args.only != "core":
        asyncio.run(ingest_all(articles, window, args.database_url))
    if args.only != "ingest":
        core(articles, window, cold=args.only == "core")


def core(articles: list[Generated], window: timedelta, *, cold: bool) -> None:
    """The pure core alone: features, candidate search and indexing, timed apart; ``cold``
    when no ingest ran before it in this process (then its word caches start empty)."""
    events = len({article.event for article in articles})
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index = StoryIndex(window=window)
    extraction = search = indexing = 0.0
    stories = []
    clock = time.process_time  # CPU time: on a shared machine wall time measures the neighbours
    wall = time.perf_counter()
    for number, article in enumerate(articles, 1):
        # StoryIndex.assign, with its search timed apart from the indexing
        began = clock()
        item = features(article.title, article.lead)
        extracted = clock()
        best = index.best_match(article.published, item)
        searched = clock()
        story = best.story if best is not None else number
        index.add(number, article.published, item, story)
        extraction += extracted - began
        search += searched - extracted
        indexing += clock() - searched
        stories.append(story)
    count = len(articles)
    for name, spent in (("features", extraction), ("search", search), ("indexing", indexing)):
        rate = count / spent
        print(f"{name + ':':10} {spent / count * 1e6:7.1f} µs/article  {rate:9,.0f} articles/s")
    total = extraction + search + indexing
    print(f"together:  {total / count * 1e6:7.1f} µs/article  {count / total:9,.0f} articles/s "
          f"(CPU time; {time.perf_counter() - wall:.0f} s of wall time)")  # fmt: skip
    caches = "include the first sight of each word form" if cold else "had warm word caches"
    print(f"candidates scored: {index.examined / count:.1f} per article (features {caches})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"window: {len(index):,} articles indexed; peak memory {peak:.0f} MB, "
          f"{peak - baseline:.0f} MB over the generated texts")  # fmt: skip

    newest = articles[-1].published
    recent = [(number, article) for number, article in enumerate(articles, 1)
              if article.published >= newest - window]  # fmt: skip
    started = time.process_time()
    warm = StoryIndex(window=window)
    for number, article in recent:
        item = features(article.title, article.lead)
        warm.add(number, article.published, item, stories[number - 1])
    print(f"warm-up from the texts of {len(recent):,} articles: "
          f"{time.process_time() - started:.2f} s of CPU")  # fmt: skip

    precision, recall = pairwise(stories, [article.event for article in articles])
    print(f"stories found: {len(set(stories)):,} for {events:,} events; "
          f"pairwise precision {precision:.1%}, recall {recall:.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
