"""Inline queries at a steady rate over a million articles: latency and CPU per query.

    .venv/bin/python benchmarks/inline.py [--articles 1000000] [--rate 100] [--seconds 30]
        [--database-url postgresql://user@host/db?search_path=bench]

The database is ``benchmarks/query.py``'s cached one (built there the first time). Queries
go through the real dispatcher — throttle, the inline handler, the search, the results
rendered and serialised as the JSON body the bot would POST — with a session that answers
``answerInlineQuery`` at once, so the figures are the bot's own, not a network's. They
arrive open-loop at ``--rate`` a second from many users, as people type: one or two words
of the corpus with a Zipf spread (popular words repeat, and repeats within 30 s are served
from the cache), a word cut short as it is typed, an empty query (the top items), a
second page. A second run makes every query distinct, so that no page is cached (an
article's result still is, as in the bot: different words find the same newest articles).

Latency is from the update's arrival to the answer being ready to send: p50, p99, max.
CPU is the process's (the SQLite thread included) per query. The target is p99 under
50 ms at 100 queries a second.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.methods.base import TelegramType  # noqa: E402
from aiogram.types import Update  # noqa: E402

from benchmarks.query import OUT, build, prepare_other, sqlite_partial, vocabulary, zipf  # noqa: E402
from bot.app import JsonSession, create_bot, create_dispatcher  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.storage import open_url  # noqa: E402

TOKEN = "123456:BENCH"
USERS = 20_000
TARGET_MS = 50.0


class AnsweringSession(JsonSession):
    """Builds each request's JSON body as the bot's session does, and answers ``True``."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: dict[str, float] = {}  # inline query id -> when its answer was ready
        self.offsets: dict[str, str] = {}  # inline query id -> next_offset
        self.results: list[int] = []  # results per answer

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = self.json_body(bot, method, {})
        self.json_dumps(body)
        query_id = body.get("inline_query_id")
        if query_id is not None:
            self.answered[query_id] = time.perf_counter()
            self.offsets[query_id] = body.get("next_offset") or ""
            self.results.append(len(body.get("results") or ()))
        return True  # type: ignore[return-value]


def typed_queries(words: list[str], seed: int) -> Callable[[int], tuple[str, bool]]:
    """The n-th query people type, and whether it asks for the second page."""
    rnd = random.Random(seed)
    weights = zipf(len(words))

    def query(n: int) -> tuple[str, bool]:
        roll = rnd.random()
        if roll < 0.05:
            return "", False
        first = rnd.choices(words, cum_weights=weights)[0]
        if roll < 0.15:
            return first[: max(2, len(first) // 2)], False  # a word half typed
        if roll < 0.35:
            return f"{first} {rnd.choices(words, cum_weights=weights)[0]}", False
        return first, roll > 0.9

    return query


def distinct_queries(words: list[str], seed: int) -> Callable[[int], tuple[str, bool]]:
    """Every query different — two words, the Zipf spread again, none twice — so that no
    page is cached and most still find something."""
    rnd = random.Random(seed)
    weights = zipf(len(words))
    seen: set[str] = set()

    def query(n: int) -> tuple[str, bool]:
        while True:
            text = " ".join(rnd.choices(words, cum_weights=weights, k=2))
            if text not in seen:
                seen.add(text)
                return text, False

    return query


async def run(
    label: str,
    bot: Bot,
    session: AnsweringSession,
    dispatcher: Any,
    queries: Callable[[int], tuple[str, bool]],
    *,
    rate: float,
    seconds: float,
) -> None:
    count = int(rate * seconds)
    ids = itertools.count(1)
    latencies: list[float] = []
    pending: set[asyncio.Task[None]] = set()

    async def one(n: int) -> None:
        text, second_page = queries(n)
        user = {"id": 10_000_000 + n % USERS, "is_bot": False, "first_name": "U"}
        offset = ""
        for _ in range(2 if second_page else 1):
            query_id = str(next(ids))
            update = Update.model_validate(
                {
                    "update_id": int(query_id),
                    "inline_query": {
                        "id": query_id, "from": user, "query": text, "offset": offset,
                        "chat_type": "sender",
                    },
                },
                context={"bot": bot},
            )  # fmt: skip
            started = time.perf_counter()
            await dispatcher.feed_update(bot, update)
            latencies.append((session.answered[query_id] - started) * 1000)
            offset = session.offsets[query_id]
            if not offset:
                break

    session.results.clear()
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(count):
        delay = wall + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(n))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(len(latencies) * 0.99) - 1)]
    answers = len(latencies)
    found = sum(1 for n in session.results if n) / answers
    print(f"{label}: {answers} answers in {wall:.1f} s ({answers / wall:.1f}/s), ", end="")
    print(f"{found:.0%} with results, {statistics.mean(session.results):.1f} results each")
    print(
        f"    p50 {statistics.median(latencies):6.2f} ms   p99 {p99:6.2f} ms   "
        f"max {latencies[-1]:7.2f} ms   CPU {cpu / answers * 1000:5.2f} ms a query   "
        + ("ok" if p99 < TARGET_MS else "SLOW")
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", help="default: benchmarks/out/query-N.sqlite3")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{OUT / f'query-{args.articles}.sqlite3'}"
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = sqlite_partial(path, rebuild=False)
        if partial is not None:
            print(f"building {path} with {args.articles:,} articles …", flush=True)
            await build(f"sqlite:///{partial}", args.articles)
            partial.rename(path)
    else:
        await prepare_other(url, args.articles, rebuild=False)
    words = vocabulary()
    storage = await open_url(url)
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)  # type: ignore[call-arg]
    session = AnsweringSession()
    bot = create_bot(settings, session=session)
    try:
        print(
            f"{storage.backend}: {await storage.articles.count():,} articles; "
            f"{args.rate:.0f} inline queries a second for {args.seconds:.0f} s, {USERS:,} users"
        )
        for label, queries in (
            ("as typed (repeats cached 30 s)", typed_queries(words, 14)),
            ("all distinct (no page cached)", distinct_queries(words, 15)),
        ):
            dispatcher = create_dispatcher(settings=settings, storage=storage)  # a cold cache
            # As the bot's start-up does: what was built stays out of the collector's passes.
            gc.collect()
            gc.freeze()
            await run(
                label, bot, session, dispatcher, queries, rate=args.rate, seconds=args.seconds
            )
    finally:
        await storage.close()


if __name__ == "__main__":
    asyncio.run(main())
