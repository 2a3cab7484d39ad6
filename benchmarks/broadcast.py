"""Digest broadcast: delivery rate, 429s, lost and duplicated messages, CPU per message;
and the time to build the digests of many chats over a large article store.

    .venv/bin/python benchmarks/broadcast.py [--chats 20000] [--rate 1000]
                                             [--build-chats 100000] [--articles 1000000]
                                             [--phrases 0] [--skip-send] [--skip-build]
                                             [--database-url postgresql://…]

SQLite files under ``benchmarks/out/`` by default; with ``--database-url`` the same runs
go to PostgreSQL, each in a schema of its own (``svodka_bench_send``, ``svodka_bench_build``)
created afresh and dropped afterwards, so the database is left as it was.

Delivery: ``--chats`` private chats each get a digest of a dozen new articles (two
messages) from the real planner; the Bot API test server runs as a subprocess (its own
core) enforcing ``--rate`` messages a second overall and Telegram's per-chat limit (1/s,
burst 3), answering 429 to any excess. The bot's delivery worker drains the outbox here,
with ``RATE_GLOBAL_PER_SECOND=--rate``. Printed: messages a second as a fraction of the
limit, 429s received, messages lost and duplicated (every chat's received texts against
its outbox rows), and the bot process's CPU time per message (all threads).

Build: ``--build-chats`` chats, each subscribed to three of the 300 busiest tags with its
cursor one day of articles back, over ``--articles`` stored articles; the planner claims
them all and writes their outbox rows. Each chat also follows ``--phrases`` phrases in
digest mode: one or two words of the :data:`VOCABULARY` headlines draw theirs from, the
rarer more often (a phrase meets up to 150 of the day's 3,000 articles, most a few). On SQLite
the article store is built once and cached under ``benchmarks/out/``; on PostgreSQL it is
ingested into the run's schema.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import hashlib
import itertools
import logging
import os
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
import asyncpg
from wordfreq import top_n_list

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import create_bot  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.delivery.worker import DeliveryWorker  # noqa: E402
from bot.digest.planner import Planner  # noqa: E402
from bot.follows import Phrase, PhraseError, parse_follow  # noqa: E402
from bot.models import Article, Tag  # noqa: E402
from bot.storage import SqliteStorage, Storage, open_url  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
TOKEN = "123456789:AAH_svodka-broadcast-benchmark"
FIRST_CHAT = 7_000_001
NOW = datetime(2030, 3, 1, 4, 0, tzinfo=UTC)  # 09:00 in Asia/Almaty
DAY_OF_ARTICLES = 3_000  # new articles in a day of a busy aggregator
WINDOW_TOLERANCE = 0.02  # the test server's slack, as in tests/botapi/limits.py
# Headlines hold three words of these (wordfreq's Russian words past the commonest 1,000),
# the commoner more often; followed phrases are drawn from them too.
VOCABULARY = top_n_list("ru", 6_000)[1_000:]

logger = logging.getLogger("benchmarks.broadcast")


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def settings_for(url: str, api_url: str, rate: float) -> Settings:
    return load_settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=api_url,
        database_url=url,
        rate_global_per_second=rate,
        default_timezone="Asia/Almaty",
    )


# -- the database ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def bench_database(name: str, server: str | None) -> AsyncIterator[str]:
    """A fresh database URL: ``OUT/<name>.sqlite3``, or a schema of its own on ``server``."""
    if server is None:
        OUT.mkdir(parents=True, exist_ok=True)
        for path in OUT.glob(f"{name}.sqlite3*"):
            path.unlink()
        yield f"sqlite:///{OUT / f'{name}.sqlite3'}"
        return
    schema = f"svodka_bench_{name}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        parts = urlsplit(server)
        query = "&".join(q for q in (parts.query, urlencode({"search_path": schema})) if q)
        yield urlunsplit(parts._replace(query=query))
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()


async def insert_rows(
    storage: Storage, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk rows in one transaction: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""
    async with storage.db.transaction() as tx:
        await tx.insert_many(table, columns, rows)


async def fetch_rows(storage: Storage, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await storage.db.fetch(sql)]


# -- the test server, in its own process ------------------------------------------------


async def serve(rate: int, chats: int) -> None:
    """Run the Bot API test server with a summary endpoint; print its URL, wait for EOF."""
    from aiohttp import web

    from tests.botapi import BotAPIServer, Bucket, RateLimits, Window

    # The test server keeps every message it accepts: a million objects after a broadcast,
    # whose full garbage collections stall it for a tenth of a second and then admit the
    # queued requests in a burst, a server artefact that Telegram's own limits never see.
    gc.disable()
    limits = RateLimits(
        overall=Window(rate, 1.0), per_chat=Bucket(1.0, 3), per_group=Window(20, 60.0)
    )
    server = BotAPIServer(TOKEN, limits=limits, max_log=int(os.environ.get("BENCH_MAX_LOG", "10")))
    server.add_users(chats, first_id=FIRST_CHAT)

    async def summary(request: web.Request) -> web.Response:
        received: dict[str, list[str]] = {}
        accepted: list[float] = []
        for chat_id, chat in server.chats.items():
            mine = [m for m in chat.messages.values() if m.from_bot]
            if mine:
                received[str(chat_id)] = [digest(m.raw_text or "") for m in mine]
                accepted.extend(m.sent_at for m in mine)
        body = {
            "received": received,
            "stats": server.stats(),
            "first": min(accepted, default=0.0),
            "last": max(accepted, default=0.0),
            "accepted": sorted(accepted),
        }
        return web.json_response(body)

    original = server.make_app

    def make_app() -> web.Application:
        app = original()
        app.router.add_get("/_bench/summary", summary)
        return app

    server.make_app = make_app  # type: ignore[method-assign]
    async with server:
        print(server.url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of a running process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- delivery ----------------------------------------------------------------------------


async def seed_broadcast(url: str, chats: int) -> None:
    """Chats with two subscriptions each; every tag has six new articles (two messages)."""
    tags = [Tag(f"тема_{n}", f"Тема-{n}") for n in range(40)]
    brief = "Подробности события в двух-трёх предложениях, как их даёт сводка. " * 4
    articles = [
        Article(
            title=f"Новость {n} по теме {tag.display}: что произошло и что будет дальше",
            published=NOW - timedelta(hours=12) + timedelta(minutes=n),
            lead=brief,
            brief=brief.strip(),
            tags=(tag.display,),
            url=f"https://example.kz/news/{tag.key}/{n}",
            date_only=False,
        )
        for tag in tags
        for n in range(6)
    ]
    storage = await open_url(url)
    try:
        await storage.articles.upsert_many(articles)
        now = int(time.time())
        await insert_rows(
            storage,
            "chats",
            ("id", "type", "next_digest_at", "created_at", "updated_at"),
            [(FIRST_CHAT + i, "private", int(NOW.timestamp()), now, now) for i in range(chats)],
        )
        await insert_rows(
            storage,
            "subscriptions",
            ("chat_id", "tag_key", "display", "created_at"),
            [
                (FIRST_CHAT + i, tag.key, tag.display, now)
                for i in range(chats)
                for tag in dict.fromkeys((tags[i % 40], tags[(i * 7 + 3) % 40]))
            ],
        )
    finally:
        await storage.close()


async def bench_send(chats: int, rate: int, server_url: str | None) -> None:
    async with bench_database("send", server_url) as url:
        await seed_broadcast(url, chats)
        await deliver(url, chats, rate)


async def deliver(db: str, chats: int, rate: int) -> None:
    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "serve", str(rate), str(chats),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert server.stdin is not None
    assert server.stdout is not None
    try:
        url = (await server.stdout.readline()).decode().strip()
        settings = settings_for(db, url, rate)
        storage = await open_url(db)
        print(f"{storage.backend}: {chats} chats, rate limit {rate} msg/s", flush=True)
        bot = create_bot(settings)
        try:
            started = time.perf_counter()
            run = await Planner(storage, settings).run_due(NOW)
            planned = time.perf_counter() - started
            assert run is not None
            print(f"planned {run.chats_due} chats, {run.messages} messages in {planned:.1f} s")
            worker = DeliveryWorker(storage, bot, settings)
            starts = record_request_starts(worker)
            cpu, wall = time.process_time(), time.perf_counter()
            stats = await worker.drain()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            expected: dict[int, list[str]] = {}
            for chat_id, text in await fetch_rows(
                storage, "SELECT chat_id, text FROM outbox ORDER BY id"
            ):
                expected.setdefault(chat_id, []).append(digest(text))
        finally:
            await bot.session.close()
            await storage.close()
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/_bench/summary") as response,
        ):
            summary: dict[str, Any] = await response.json()
        server_cpu = process_cpu(server.pid)
    finally:
        server.stdin.close()
        await server.wait()
    report_send(rate, worker, stats.sent, cpu, wall, expected, summary, starts=starts)
    print(f"test server CPU: {server_cpu:.1f} s (its own process)")


def record_request_starts(worker: DeliveryWorker) -> list[float]:
    """Note when each request leaves the bot (to check the pacing on the bot's side)."""
    starts: list[float] = []
    send = worker.client.send

    async def timed(chat_id: int, text: str, reply_markup: str | None) -> int:
        starts.append(time.monotonic())
        return await send(chat_id, text, reply_markup)

    worker.client.send = timed  # type: ignore[method-assign]
    return starts


def most_in_window(times: list[float], period: float) -> int:
    """The most events in any window of ``period`` seconds (a sliding window)."""
    most = start = 0
    ordered = sorted(times)
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - period:
            start += 1
        most = max(most, end - start + 1)
    return most


def report_send(
    rate: int,
    worker: DeliveryWorker,
    sent: int,
    cpu: float,
    wall: float,
    expected: dict[int, list[str]],
    summary: dict[str, Any],
    *,
    starts: list[float],
) -> None:
    received = {int(k): v for k, v in summary["received"].items()}
    lost = duplicated = disordered = 0
    for chat_id, texts in expected.items():
        got = received.get(chat_id, [])
        lost += len(set(texts) - set(got))
        duplicated += len(got) - len(set(got))
        if [t for i, t in enumerate(got) if t not in got[:i]] != texts:
            disordered += 1
    stats = summary["stats"]
    span = summary["last"] - summary["first"]
    steady = (sent - 1) / span if span > 0 else 0.0
    total = sum(len(texts) for texts in expected.values())
    print(f"messages: {total} to {len(expected)} chats, {sent} sent by {worker.senders} senders")
    print(
        f"rate: {steady:.0f} msg/s between the first and last accepted message = "
        f"{steady / rate:.1%} of the {rate} msg/s limit ({sent / wall:.0f} msg/s over "
        f"the whole drain of {wall:.1f} s)"
    )
    print(
        f"429s received: {stats.get('429', 0)} (overall {stats.get('429.rate.overall', 0)}, "
        f"per chat {stats.get('429.rate.chat', 0)}, penalty {stats.get('429.penalty', 0)}); "
        f"worker saw {worker.stats.rate_limited}"
    )
    ours = most_in_window(starts, 1.0 - WINDOW_TOLERANCE)
    theirs = most_in_window(summary["accepted"], 1.0 - WINDOW_TOLERANCE)
    print(
        f"most requests started in any {1 - WINDOW_TOLERANCE:.2f} s: {ours} (the bot's pacing; "
        f"limit {rate}); most accepted by the server in any such window: {theirs}"
    )
    print(f"lost: {lost}, duplicated: {duplicated}, chats out of order: {disordered}")
    print(f"bot CPU: {cpu:.1f} s = {cpu / max(sent, 1) * 1000:.3f} ms per message")


# -- building --------------------------------------------------------------------------


async def ensure_articles(count: int) -> Path:
    """A SQLite store of ``count`` articles, built once and cached (never given chats)."""
    path = OUT / f"digest-articles-v2-{count}.sqlite3"  # v2: headlines of varied words
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        storage = await SqliteStorage.open(partial)
        try:
            await build_articles(storage, count)
        finally:
            await storage.close()
        partial.rename(path)
    return path


async def build_articles(storage: Storage, count: int) -> None:
    print(f"ingesting {count} articles into {storage.backend} …", flush=True)
    rng = random.Random(1)
    tags = [f"Тег-{n}" for n in range(2000)]
    weights = [1 / (n + 1) for n in range(2000)]  # a few busy tags, a long tail
    rubrics = ["Политика", "Экономика", "Общество", "В мире", "Спорт", "Культура"]
    brief = "Краткое изложение события для сводки, одно-два предложения. "
    start = datetime(2027, 1, 1, tzinfo=UTC)
    common = [1 / (n + 10) for n in range(len(VOCABULARY))]
    for first in range(0, count, 10_000):
        words = iter(rng.choices(VOCABULARY, common, k=3 * 10_000))
        batch = [
            Article(
                title=f"Новость номер {n}: {next(words)} {next(words)} {next(words)}",
                published=start + timedelta(seconds=30 * n),
                lead=brief,
                brief=brief,
                tags=tuple(rng.choices(tags, weights, k=2)),
                rubric=rubrics[n % len(rubrics)],
                url=f"https://example.kz/a/{n}",
                date_only=False,
            )
            for n in range(first, min(first + 10_000, count))
        ]
        await storage.articles.upsert_many(batch)


def fresh_delivery_tables(db: Path) -> None:
    """Empty digest tables: only the articles of a cached store are reused."""
    with sqlite3.connect(db) as conn:
        conn.executescript(
            "DELETE FROM outbox; DELETE FROM digest_runs; DELETE FROM delivery_lease; "
            "DELETE FROM sqlite_sequence WHERE name = 'outbox';"
        )


async def bench_build(chats: int, articles: int, phrases: int, server_url: str | None) -> None:
    async with bench_database("build", server_url) as url:
        if server_url is None:
            db = Path(url.removeprefix("sqlite:///"))
            shutil.copyfile(await ensure_articles(articles), db)  # the cache stays clean
            fresh_delivery_tables(db)
        storage = await open_url(url)
        try:
            if server_url is not None:
                started = time.perf_counter()
                await build_articles(storage, articles)
                print(f"ingested in {time.perf_counter() - started:.0f} s", flush=True)
            await plan_all(storage, url, chats, phrases)
        finally:
            await storage.close()


async def plan_all(storage: Storage, url: str, chats: int, phrases: int) -> None:
    stored = await storage.articles.count()
    top = await storage.articles.tags(limit=300)
    cursor = await storage.articles.max_id() - DAY_OF_ARTICLES
    # Digests carry the last two days' news: they are due an hour after the newest article.
    newest = await storage.articles.newest_published()
    due = (newest or NOW) + timedelta(hours=1)
    rng = random.Random(2)
    now = int(time.time())
    await insert_rows(
        storage,
        "chats",
        ("id", "type", "next_digest_at", "digest_cursor", "created_at", "updated_at"),
        [
            (FIRST_CHAT + i, "private", int(due.timestamp()), cursor, now, now)
            for i in range(chats)
        ],
    )
    await insert_rows(
        storage,
        "subscriptions",
        ("chat_id", "tag_key", "display", "created_at"),
        [
            (FIRST_CHAT + i, tag.key, tag.display, now)
            for i in range(chats)
            for tag in rng.sample(top, 3)
        ],
    )
    if phrases:
        await insert_rows(
            storage,
            "follows",
            ("chat_id", "phrase", "normalized", "excluded", "mode", "created_at"),
            [
                (FIRST_CHAT + i, phrase.text, phrase.key, "[]", "digest", now)
                for i in range(chats)
                # a chat follows a key once
                for phrase in {p.key: p for p in (follows(rng) for _ in range(phrases))}.values()
            ],
        )
    settings = settings_for(url, "http://127.0.0.1:9", 30)
    cpu, started = time.process_time(), time.perf_counter()
    run = await Planner(storage, settings).run_due(due)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert run is not None
    print(
        f"{storage.backend}, {phrases} phrases a chat: built {run.chats_due} digests "
        f"({run.digests} not empty, {run.messages} messages) over {stored} articles "
        f"in {elapsed:.1f} s ({elapsed / run.chats_due * 1000:.2f} ms a chat, "
        f"CPU {cpu:.1f} s in this process)"
    )


_PHRASES: dict[str, Phrase] = {}
_RARER = list(itertools.accumulate(1 / (n + 1000) for n in range(len(VOCABULARY))))


def follows(rng: random.Random) -> Phrase:
    """A phrase a chat follows: one word of the headlines' vocabulary, else two, the rarer
    more often than headlines hold them (a quarter of the words are of the commonest 500)."""
    while True:
        text = " ".join(rng.choices(VOCABULARY, cum_weights=_RARER, k=rng.choice((1, 1, 2))))
        if text not in _PHRASES:
            try:
                _PHRASES[text] = parse_follow(text)
            except PhraseError:  # function words only
                continue
        return _PHRASES[text]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        asyncio.run(serve(int(sys.argv[2]), int(sys.argv[3])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--build-chats", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--phrases", type=int, default=0, help="phrases each chat follows")
    parser.add_argument("--skip-send", action="store_true")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL server (postgresql://…) to run on instead of SQLite files",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.skip_send:
        asyncio.run(bench_send(args.chats, args.rate, args.database_url))
    if not args.skip_build:
        asyncio.run(bench_build(args.build_chats, args.articles, args.phrases, args.database_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
