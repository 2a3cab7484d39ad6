"""Ingest throughput: parse, store and re-ingest N articles made from the dev corpus.

    .venv/bin/python benchmarks/ingest.py [--count 100000] [--workers N] [--profile PHASE]

The texts are generated in memory from the corpus articles in the article format: each gets
its own headline suffix, date, an extra topical hashtag and a paragraph borrowed from another
article, so every one is a distinct article. Four phases:

1. parse alone, in this process (``parse_article``: format, cleaning, summary);
2. end to end into a fresh SQLite file, as ``python -m bot ingest`` does it
   (:class:`bot.cli.ingest.Ingest`): hash the raw text, parse it, name the outlet, compute
   the search words and story features — in ``--workers`` processes (default: one a core;
   0: in this process), each batch while the one before is stored — and store each batch
   through the ingest that gives every new article its story (:class:`bot.ingest.Ingester`);
3. re-ingest of the same texts: every batch's raw hashes are checked with ``known_sources``
   in one query and only unknown texts are parsed (here: none);
4. for comparison, re-ingest without that shortcut, in this process: every text is parsed
   again and the ingest finds each one unchanged by its dedup key and content hash.

Target: 3,000 articles/s end to end (wall clock), search words and story detection included;
10,000 articles/s re-ingest. Each phase prints its wall-clock rate and its CPU time per article:
this process's event loop thread (reading, dedup, story assignment; parsing too without
workers), its other threads (SQLite's; the pool's, which unpickles what the workers send; the
story features in a worker thread without workers) and the worker processes (reaped at the
end of the phase), and their sum as articles per CPU second. Peak memory is this process's
maximum resident set size (ru_maxrss). This machine is shared: run it twice or more, and
compare runs made one right after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.alerts import AlertWorker  # noqa: E402
from bot.alerts import worker as worker_module  # noqa: E402
from bot.cli.ingest import Ingest, Raw  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.ingest import Ingester  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.parallel import Parser  # noqa: E402
from bot.sources.limits import BATCH_ARTICLES  # noqa: E402
from bot.storage import SqliteStorage  # noqa: E402
from bot.storage.articles import source_digest  # noqa: E402
from bot.stories import file_outlet  # noqa: E402
from bot.text import DEFAULT_SUMMARY_CHARS as SUMMARY_CHARS  # noqa: E402
from bot.text import parse_article  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
TOPICS = 300  # extra hashtags spread over the articles


class Base:
    """One corpus article cut into the parts the generator varies."""

    def __init__(self, text: str) -> None:
        lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
        header = lines[0].split()
        self.tags = [word for word in header if word.startswith("#")]
        self.rubric = lines[1].strip()
        rest = [line.strip() for line in lines[2:]]
        start = next(i for i, line in enumerate(rest) if line)
        self.title = rest[start]
        body = "\n".join(rest[start + 1 :]).strip()
        self.paragraphs = [p for p in body.split("\n\n") if p.strip()]


def load_bases() -> list[Base]:
    files = sorted(CORPUS.glob("*.txt"))
    if not files:
        raise SystemExit(f"no corpus texts in {CORPUS}")
    return [Base(path.read_text(encoding="utf-8")) for path in files]


def generate(bases: list[Base], count: int) -> Iterator[tuple[str, str]]:
    """(file name, text) for ``count`` distinct articles; the same sequence every time."""
    first = date(2005, 1, 1)
    for n in range(count):
        base = bases[n % len(bases)]
        other = bases[(n * 7 + 3) % len(bases)]
        day = first + timedelta(days=(n * 37) % 7300)
        tags = " ".join([*base.tags, f"#Тема_{(n * 13) % TOPICS}"])
        borrowed = other.paragraphs[n % len(other.paragraphs)]
        body = "\n\n".join([*base.paragraphs[:-1], borrowed, base.paragraphs[-1]])
        title = f"{base.title}: выпуск {n}"
        head = f" date {day.isoformat()} {tags}\n{base.rubric}\n\n{title}\n\n"
        yield f"{n:06d}.txt", f"{head}{body}\n"


def batches(items: Iterator[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def parse_only(bases: list[Base], count: int) -> int:
    done = 0
    for name, text in generate(bases, count):
        parse_article(text, name)
        done += 1
    return done


async def ingest_all(path: Path, bases: list[Base], count: int, workers: int) -> str:
    """What ``python -m bot ingest`` does with as many files: hash each raw text, skip those
    stored already, parse the rest (in ``workers`` processes, 0: in this one) and store them
    batch by batch, each batch parsed while the one before is stored."""
    with Parser(SUMMARY_CHARS, workers=workers) as parser:  # forked before storage's thread
        storage = await SqliteStorage.open(path)
        try:
            ingest = Ingest(storage, parser, print_json=False)
            for name, text in generate(bases, count):
                data = text.encode("utf-8")
                await ingest.add(Raw(name, data, source_digest(data), CORPUS))
            await ingest.flush()
            await ingest.finish()
        finally:
            await storage.close()
    t = ingest.total
    return f"{t.added} added, {t.updated} updated, {t.unchanged} unchanged, {ingest.parsed} parsed"


async def store_parsed(ingester: Ingester, bases: list[Base], count: int, size: int) -> str:
    """Parse every text and store it: the ingest finds each one unchanged by its dedup key
    and content hash."""
    added = updated = unchanged = 0
    for batch in batches(generate(bases, count), size):
        articles: list[Article] = []
        for name, text in batch:
            article = parse_article(text, name)
            article.outlet = file_outlet(article, text, CORPUS)
            articles.append(article)
        hashes = [source_digest(text) for _, text in batch]
        result = await ingester.store(articles, source_hashes=hashes)
        added, updated = added + result.added, updated + result.updated
        unchanged += result.unchanged
    return f"{added} added, {updated} updated, {unchanged} unchanged"


async def load_alert_rules(path: Path, chats: int, rules: int, instant: float) -> str:
    """Chats and rules as ``benchmarks/alerts.py`` makes them, into the file at ``path``."""
    from benchmarks.alerts import load_rules, make_rules, vocabulary

    rng = random.Random(1)
    words, _texts = vocabulary()
    made = make_rules(rng, words, chats, rules)
    storage = await SqliteStorage.open(path)
    try:
        count = await load_rules(storage, made, chats, instant, rng)
    finally:
        await storage.close()
    return f"{chats:,} chats, {len(made):,} rules, {count:,} of them instant"


def watch_alerts(path: Path, stop: Event, report: Any) -> None:
    """The bot's alert worker over the file at ``path``, in a process of its own as it runs
    beside ``python -m bot ingest``: matching while ``stop`` is not set, then until it has
    caught up; what it did goes to ``report``."""
    asyncio.run(_watch_alerts(path, stop, report))


async def _watch_alerts(path: Path, stop: Event, report: Any) -> None:
    # The texts are dated over twenty years, as story detection meets a real day's news (a
    # day of 28 texts each told 700 times would be a benchmark of that): the worker here
    # takes every article as new.
    worker_module.MAX_AGE = timedelta(days=366 * 30)
    storage = await SqliteStorage.open(path)
    try:
        settings = load_settings(_env_file=None, bot_token="1:x", database_url=f"sqlite:///{path}")
        worker = AlertWorker(storage, settings)
        await worker.step()  # reads the rules; the cursor starts at what is stored
        report.put("ready")
        task = asyncio.create_task(worker.run())
        await asyncio.to_thread(stop.wait)
        ended = time.perf_counter()
        matched = None
        while True:
            await asyncio.sleep(0.1)
            if (
                matched is None
                and await storage.alerts.cursor() == await storage.articles.max_id()
            ):
                matched = time.perf_counter() - ended
            if matched is not None and not await storage.alerts.waiting():
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        report.put(
            {
                "matched": worker.matched,
                "match_cpu": worker.match_seconds,
                "caught_up": matched,
                "flushed": time.perf_counter() - ended,
                "messages": await storage.outbox.open_count(),
                "cpu": time.process_time(),
            }
        )
    finally:
        await storage.close()


async def timed(
    label: str, count: int, run: Callable[[], Awaitable[str | None]], profile: bool
) -> None:
    """Run a phase and print its figures: wall-clock rate, and CPU per article in this process's
    event loop thread, its other threads and the worker processes (reaped by the phase)."""
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    cpu, python, workers = time.process_time(), time.thread_time(), _children_cpu()
    if profiler is not None:
        profiler.enable()
    outcome = await run()
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - start
    python = time.thread_time() - python
    others = time.process_time() - cpu - python
    workers = _children_cpu() - workers
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:<28} {count:>7} articles {elapsed:7.2f} s {count / elapsed:>8,.0f} articles/s"
        f"   peak RSS so far {rss:5.0f} MB",
        flush=True,
    )
    per = 1e6 / count
    total = python + others + workers
    print(
        f"{'':<28} CPU per article: {python * per:.0f} µs event loop thread + "
        f"{others * per:.0f} µs other threads + "
        f"{workers * per:.0f} µs worker processes = {total * per:.0f} µs, "
        f"{count / total:,.0f} articles per CPU second",
        flush=True,
    )
    if outcome:
        print(f"{'':<28} {outcome}", flush=True)
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


async def with_alerts(
    path: Path, args: argparse.Namespace, store: Callable[[], Awaitable[str]]
) -> None:
    """Phase 2 with the alert worker matching in a process of its own, then its figures."""
    print(await load_alert_rules(path, args.chats, args.rules, args.instant), flush=True)
    context = multiprocessing.get_context("spawn")
    stop, report = context.Event(), context.Queue()
    watcher = context.Process(target=watch_alerts, args=(path, stop, report))
    watcher.start()
    try:
        if report.get(timeout=600) != "ready":
            raise SystemExit("the alert worker did not start")
        await timed("2. end to end, alerts on", args.count, store, args.profile == "store")
        stop.set()
        done = report.get(timeout=3600)
    finally:
        stop.set()
        watcher.join(timeout=60)
    matched = max(1, done["matched"])
    print(
        f"{'':<28} alert worker: {done['matched']} articles matched, "
        f"{done['match_cpu'] / matched * 1e6:.0f} µs CPU an article matching "
        f"({done['cpu'] / matched * 1e6:.0f} µs in all, reading and queueing included); "
        f"caught up {done['caught_up']:.1f} s after the ingest ended, "
        f"all flushed after {done['flushed']:.1f} s: {done['messages']:,} messages in the outbox",
        flush=True,
    )


def _children_cpu() -> float:
    """CPU seconds of the child processes that have ended (the workers, once shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--profile", choices=("parse", "store", "again"), default=None)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that parse (default: one a core; 0: parse in this process)",
    )
    parser.add_argument(
        "--alerts",
        action="store_true",
        help="phase 2 with the alert worker on: the file holds --chats chats and --rules rules "
        "(--instant of them instant), and the worker matches the articles "
        "in a process of its own as they are stored",
    )
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=300_000)
    parser.add_argument("--instant", type=float, default=0.02)
    args = parser.parse_args()
    bases = load_bases()
    print(
        f"{args.count} articles from {len(bases)} corpus texts, batches of {BATCH_ARTICLES}, "
        f"parsed in {f'{args.workers} worker processes' if args.workers else 'this process'}"
    )

    async def parse() -> None:
        parse_only(bases, args.count)

    await timed("1. parse + summarise", args.count, parse, args.profile == "parse")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"

        async def store() -> str:
            return await ingest_all(path, bases, args.count, args.workers)

        if args.alerts:
            await with_alerts(path, args, store)
        else:
            await timed("2. end to end (fresh file)", args.count, store, args.profile == "store")
        await timed("3. re-ingest (duplicates)", args.count, store, args.profile == "again")
        storage = await SqliteStorage.open(path)
        try:

            async def again_parsed() -> str:
                return await store_parsed(Ingester(storage), bases, args.count, BATCH_ARTICLES)

            await timed("4. re-ingest, parsing all", args.count, again_parsed, False)
            stored = await storage.articles.count()
            print(f"{'':<28} {stored} articles stored, {path.stat().st_size / 2**20:.0f} MB file")
        finally:
            await storage.close()


if __name__ == "__main__":
    asyncio.run(main())
