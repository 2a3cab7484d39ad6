"""Query latency on a million articles: latest by tag, deep pages, and full-text search.

    .venv/bin/python benchmarks/query.py [--articles 1000000] [--runs 300] [--rebuild]
        [--database-url postgresql://user@host/db?search_path=bench]

The database is built once through ``upsert_many`` (articles generated directly, short
bodies of real corpus words with a Zipf spread, so some words and tags are everywhere and
some are rare) and kept: by default a SQLite file under ``benchmarks/out/``; with
``--database-url`` any backend (for PostgreSQL, give it a database or schema of its own:
``--rebuild`` empties its article tables). Later runs reuse it. Every query goes through
the repository, as the bot's handlers call it, and is timed ``--runs`` times after one
warm-up call. The target is p99 under 5 ms for ``latest``,
``tag`` and ``search``; ``since`` (digests) and ``suggest_tags`` (a typo) are shown too.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.models import Article, Page  # noqa: E402
from bot.storage import ArticleRepo, Storage, open_url  # noqa: E402
from bot.text.stem import query_words  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
OUT = ROOT / "benchmarks" / "out"
RUBRICS = ("Политика", "Экономика", "Общество", "Спорт", "Происшествия", "Культура", "Наука")
TAGS = 5000
START = datetime(2021, 1, 1, tzinfo=UTC)
SPAN = 5 * 365 * 86400
BATCH = 5000


def vocabulary() -> list[str]:
    words: dict[str, None] = {}
    for path in sorted(CORPUS.glob("*.txt")):
        for word in re.findall(r"[А-Яа-яЁё]{4,}", path.read_text(encoding="utf-8")):
            words.setdefault(word.lower())
    if not words:
        raise SystemExit(f"no corpus texts in {CORPUS}")
    return list(words)


def zipf(size: int) -> list[float]:
    return list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))


def generate(count: int, words: list[str]) -> Iterator[Article]:
    rnd = random.Random(20260303)
    word_weights = zipf(len(words))
    tag_weights = zipf(TAGS)
    for n in range(count):
        seconds = rnd.randrange(SPAN)
        date_only = rnd.random() < 0.7
        if date_only:
            seconds -= seconds % 86400
        title = " ".join(rnd.choices(words, cum_weights=word_weights, k=6)).capitalize()
        body = " ".join(rnd.choices(words, cum_weights=word_weights, k=40)).capitalize() + "."
        tags = {f"Тег_{t}" for t in rnd.choices(range(TAGS), cum_weights=tag_weights, k=2)}
        yield Article(
            title=f"{title} {n}",
            published=START + timedelta(seconds=seconds),
            date_only=date_only,
            lead=body,
            brief=body[:200],
            body=(body,),
            rubric=RUBRICS[min(int(rnd.expovariate(0.7)), len(RUBRICS) - 1)],
            tags=tuple(sorted(tags)),
        )


async def build(url: str, count: int) -> None:
    started = time.perf_counter()
    storage = await open_url(url)
    try:
        batch: list[Article] = []
        done = 0
        for article in generate(count, vocabulary()):
            batch.append(article)
            if len(batch) == BATCH:
                await storage.articles.upsert_many(batch)
                batch = []
                done += BATCH
                if done % 100_000 == 0:
                    rate = done / (time.perf_counter() - started)
                    print(f"  built {done:>9,} articles ({rate:,.0f}/s)", flush=True)
        if batch:
            await storage.articles.upsert_many(batch)
        if storage.backend == "postgresql":  # fresh planner statistics, as autovacuum would
            await storage.db.execute("VACUUM ANALYZE articles, article_tags, tags")
    finally:
        await storage.close()


async def measure(
    label: str, runs: int, query: Callable[[], Awaitable[int]], *, target: bool = True
) -> None:
    found = await query()  # warm-up; also tells how many rows the query returns
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await query()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, round(len(times) * 0.99) - 1)]
    verdict = ("ok" if p99 < 5 else "SLOW") if target else "(no target)"
    print(f"{label:<56} {found:>4} rows  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  {verdict}")


async def matches(storage: Storage, text: str) -> int:
    """How many articles a search finds in all, by the backend's own index."""
    words = query_words(text)
    if storage.backend == "postgresql":
        terms = " & ".join("(" + " | ".join(f"'{w}'" for w in alts) + ")" for alts in words)
        sql = "SELECT count(*) FROM articles WHERE search @@ $1::tsquery"
    else:
        terms = " AND ".join("(" + " OR ".join(f'"{w}"' for w in alts) + ")" for alts in words)
        sql = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH $1"
    return int(await storage.db.fetchval(sql, terms))


def sqlite_partial(path: Path, rebuild: bool) -> Path | None:
    """Where to build the SQLite file (renamed when complete), or None to reuse it."""
    if path.exists() and not rebuild:
        return None
    partial = path.with_suffix(".partial")  # never reuse half a build
    for stale in [*path.parent.glob(f"{path.name}*"), *path.parent.glob(f"{partial.name}*")]:
        stale.unlink()
    return partial


async def prepare_other(url: str, count: int, rebuild: bool) -> None:
    """Build into a server database unless it already holds articles (kept between runs)."""
    storage = await open_url(url)
    try:
        if rebuild:
            await storage.db.execute("TRUNCATE article_tags, articles, tags; DELETE FROM meta")
        stored = await storage.articles.count()
    finally:
        await storage.close()
    if stored:
        if stored != count:
            print(f"reusing {stored:,} stored articles (--rebuild to build {count:,})")
        return
    print(f"building {count:,} articles …", flush=True)
    started = time.perf_counter()
    await build(url, count)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", "--count", dest="articles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--database-url",
        help="sqlite:///PATH or postgresql://… (default: benchmarks/out/query-N.sqlite3)",
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{OUT / f'query-{args.articles}.sqlite3'}"
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = sqlite_partial(path, args.rebuild)
        if partial is not None:
            print(f"building {path} with {args.articles:,} articles …", flush=True)
            started = time.perf_counter()
            await build(f"sqlite:///{partial}", args.articles)
            partial.rename(path)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        await prepare_other(url, args.articles, args.rebuild)
    storage = await open_url(url)
    try:
        repo = storage.articles
        stored = await repo.count()
        print(f"{storage.backend}: {stored:,} articles; {args.runs} runs per query")
        tags = await repo.tags()
        popular, rare = tags[0], next(t for t in reversed(tags) if t.count >= 10)
        print(f"popular tag {popular.display} ({popular.count:,} articles), ", end="")
        print(f"rare tag {rare.display} ({rare.count:,} articles)")
        deep = None
        for _ in range(50):
            deep = (await repo.latest([popular.key], limit=10, cursor=deep)).next_cursor
        trio = [tags[1].key, tags[2].key, rare.key]
        shouted = popular.display.upper()
        queries: list[tuple[str, Callable[[], Awaitable[int]]]] = [
            ("latest(limit=10), all articles", rows(lambda: repo.latest(limit=10))),
            (f"latest([{popular.display}])", rows(lambda: repo.latest([popular.key]))),
            (f"latest([{rare.display}])", rows(lambda: repo.latest([rare.key]))),
            (
                f"latest([{popular.display}]), page 51",
                rows(lambda: repo.latest([popular.key], cursor=deep)),
            ),
            (f"latest({len(trio)} tags: two popular, one rare)", rows(lambda: repo.latest(trio))),
            ("since(max_id - 2000, 3 tags) for a digest", since(repo, trio)),
            (f"tag('#{shouted}')", found(lambda: repo.tag(f"#{shouted}"))),
            ("suggest_tags('Тэг_49') (not a tag)", found(lambda: repo.suggest_tags("Тэг_49"))),
        ]
        words = vocabulary()
        for label, text in (
            ("common word", words[0]),
            ("mid word", words[200]),
            ("rare word", words[-1]),
            ("two common words", f"{words[0]} {words[1]}"),
            ("common + rare", f"{words[0]} {words[-1]}"),
            ("no match", "нетакогословавовсе"),
        ):
            count = await matches(storage, text)
            queries.append((f"search({text!r}) {label}, {count:,} hits", rows(search(repo, text))))
        for label, query in queries:
            await measure(label, args.runs, query, target=not label.startswith(("since", "sugg")))
    finally:
        await storage.close()


def search(repo: ArticleRepo, text: str) -> Callable[[], Awaitable[Page]]:
    return lambda: repo.search(text, limit=10)


def since(repo: ArticleRepo, keys: list[str]) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        return len(await repo.since(await repo.max_id() - 2000, keys))

    return run


def found(query: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        result = await query()
        return len(result) if isinstance(result, list) else int(result is not None)

    return run


def rows(query: Callable[[], Awaitable[Page]]) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        return len((await query()).articles)

    return run


if __name__ == "__main__":
    asyncio.run(main())
