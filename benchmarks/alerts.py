"""Follows and instant alerts at scale: matching cost, stored → enqueued, memory, ingest rate.

    .venv/bin/python benchmarks/alerts.py [--chats 100000] [--rules 300000] [--articles 10000]
        [--instant 0.1] [--rate 200] [--only match|alerts]

The vocabulary is real: the lemmas of the dev corpus's headlines and leads (when
``../shared/corpus/dev`` is there) and wordfreq's 30,000 commonest Russian words, lemmatised as
search does. Rules: a third are tag subscriptions (2,000 tags, Zipf-distributed), two thirds
followed phrases of one to three words (some with an excluded word), drawn past the 300
commonest words with Zipf weights, so popular names and topics have many followers. Articles:
a headline of 8 words and a lead of 20, drawn with Zipf weights over the whole vocabulary (so
common words are common), one in four a corpus headline and lead, each with one or two tags.

1. **match**: every rule in one :class:`bot.follows.MatchIndex`; per article the CPU time of
   lemmatising its headline and lead (``article_words``) and of matching (``match``), the
   chats found, the index's build time and memory (tracemalloc).
2. **alerts**: a SQLite file holding the chats and rules (``--instant`` of them in instant
   mode: most people read digests), the real :class:`bot.alerts.AlertWorker` running while
   the articles are ingested through :class:`bot.ingest.Ingester` at ``--rate`` articles/s;
   for every alert (chat, article) the time from its batch's commit to the commit that put it
   in the outbox (the gathering window, :data:`bot.alerts.GATHER_SECONDS`, included), and
   the ingest's own rate with the worker on, against the same ingest without it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wordfreq import top_n_list  # noqa: E402

from bot.alerts import AlertWorker  # noqa: E402
from bot.alerts.worker import Flush  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.follows import MatchIndex, article_words  # noqa: E402
from bot.follows.phrase import make_key  # noqa: E402
from bot.ingest import Ingester  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.storage import Repositories, SqliteStorage  # noqa: E402
from bot.text.stem import query_words, tokens  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
TAGS = 2_000
SKIP_COMMON = 1000  # people follow names and topics, not «год» or «сказать»


def vocabulary() -> tuple[list[str], list[tuple[str, str]]]:
    """Word forms (commonest first) and the corpus's (headline, lead) pairs."""
    texts: list[tuple[str, str]] = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        rest = [line for line in lines[2:] if line]
        if len(rest) >= 2:
            texts.append((rest[0], rest[1]))
    words = list(dict.fromkeys(w for w in top_n_list("ru", 30_000) if len(w) > 2))
    corpus_words = [w for title, lead in texts for w in tokens(f"{title} {lead}") if len(w) > 3]
    return list(dict.fromkeys([*words, *corpus_words])), texts


def zipf_weights(count: int, offset: int = 0) -> list[float]:
    """Cumulative Zipf weights (``cum_weights``: ``random.choices`` then skips summing)."""
    return list(accumulate(1.0 / (rank + 1 + offset) for rank in range(count)))


def make_rules(
    rng: random.Random, words: list[str], chats: int, rules: int
) -> list[tuple[int, str, str]]:
    """(chat, kind, key): a third tags, the rest phrases."""
    followable = words[SKIP_COMMON:]
    weights = zipf_weights(len(followable), 10)
    tag_weights = zipf_weights(TAGS)
    made: list[tuple[int, str, str]] = []
    lemmas: dict[str, list[tuple[str, ...]]] = {}

    def lemma(word: str) -> list[tuple[str, ...]]:
        if word not in lemmas:
            lemmas[word] = query_words(word)
        return lemmas[word]

    for n in range(rules):
        chat = n % chats
        if n % 3 == 0:
            tag = rng.choices(range(TAGS), cum_weights=tag_weights)[0]
            made.append((chat, "tag", f"тема_{tag}"))
            continue
        size = rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]
        picked = rng.choices(followable, cum_weights=weights, k=size)
        found = [t for w in picked for t in lemma(w)]
        if not found:
            continue
        excluded = lemma(rng.choice(followable)) if rng.random() < 0.02 else []
        made.append((chat, "phrase", make_key(found, excluded)))
    return made


def make_articles(
    rng: random.Random, words: list[str], texts: list[tuple[str, str]], count: int
) -> list[Article]:
    weights = zipf_weights(len(words), 50)
    tag_weights = zipf_weights(TAGS)
    now = datetime.now(UTC)
    made = []
    for n in range(count):
        if texts and n % 4 == 0:
            title, lead = texts[n % len(texts)]
            title = f"{title} ({n})"
        else:
            title = " ".join(rng.choices(words, cum_weights=weights, k=8)).capitalize()
            lead = " ".join(rng.choices(words, cum_weights=weights, k=20)).capitalize() + "."
        tags = tuple(
            f"Тема-{t}"
            for t in set(rng.choices(range(TAGS), cum_weights=tag_weights, k=rng.randint(1, 2)))
        )
        made.append(
            Article(
                title=title,
                published=now - timedelta(seconds=count - n),
                lead=lead,
                brief=lead,
                tags=tags,
                url=f"https://example.kz/alerts/{n}",
                date_only=False,
            )
        )
    return made


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def bench_match(rules: list[tuple[int, str, str]], articles: list[Article]) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    index: MatchIndex[int] = MatchIndex()
    for chat, kind, key in rules:
        (index.add_tag if kind == "tag" else index.add_phrase)(key, chat)
    built = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lemmatise: list[float] = []
    match: list[float] = []
    hits: list[int] = []
    for article in articles:
        t0 = time.process_time()
        words = article_words(article.title, article.lead)
        t1 = time.process_time()
        found = index.match(words, {t.casefold().replace("-", "_") for t in article.tags})
        t2 = time.process_time()
        lemmatise.append(t1 - t0)
        match.append(t2 - t1)
        hits.append(len(found))
    print(f"rules: {len(rules):,} ({sum(k == 'tag' for _c, k, _ in rules):,} tags)")
    print(f"index: built in {built:.1f} s, {peak / 2**20:.0f} MiB (tracemalloc peak)")
    print(
        f"match: {statistics.mean(match) * 1e6:.0f} µs/article mean, "
        f"p50 {percentile(match, 0.5) * 1e6:.0f} µs, p99 {percentile(match, 0.99) * 1e6:.0f} µs"
    )
    print(
        f"lemmatise headline and lead: {statistics.mean(lemmatise) * 1e6:.0f} µs/article mean "
        "(word forms cached after their first sight)"
    )
    print(
        f"chats found per article: mean {statistics.mean(hits):.0f}, "
        f"p50 {percentile(hits, 0.5):.0f}, p99 {percentile(hits, 0.99):.0f}"
    )


class TimedWorker(AlertWorker):
    """The worker, noting when the transaction that enqueued each alert committed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.enqueued: list[tuple[int, float]] = []  # (article id, when), one per alert
        self._flushed: list[int] = []

    async def _write(self, tx: Repositories, plan: Flush, now: float) -> int:
        self._flushed = [a for chat_id in plan.flushed for a in plan.queued[chat_id]]
        return await super()._write(tx, plan, now)

    async def _flush_batch(self, chat_ids: Sequence[int], now: float) -> int:
        count = await super()._flush_batch(chat_ids, now)
        moment = time.time()  # committed: the alerts are in the outbox
        self.enqueued.extend((article, moment) for article in self._flushed)
        return count


async def load_rules(
    storage: SqliteStorage,
    rules: list[tuple[int, str, str]],
    chats: int,
    instant: float,
    rng: random.Random,
) -> int:
    now = int(time.time())
    await storage.db.insert_many(
        "chats",
        ("id", "type", "created_at", "updated_at"),
        [(chat + 1, "private", now, now) for chat in range(chats)],
    )
    subs: dict[tuple[int, str], str] = {}
    follows: dict[tuple[int, str], str] = {}
    for chat, kind, key in rules:
        mode = "instant" if rng.random() < instant else "digest"
        (subs if kind == "tag" else follows)[(chat + 1, key)] = mode
    await storage.db.insert_many(
        "subscriptions",
        ("chat_id", "tag_key", "display", "created_at", "mode"),
        [(c, k, k, now, m) for (c, k), m in subs.items()],
    )
    await storage.db.insert_many(
        "follows",
        ("chat_id", "phrase", "normalized", "created_at", "mode"),
        [(c, k, k, now, m) for (c, k), m in follows.items()],
    )
    return sum(m == "instant" for m in [*subs.values(), *follows.values()])


async def ingest(
    storage: SqliteStorage, articles: list[Article], rate: float, batch: int
) -> tuple[dict[int, float], float]:
    """Ingest at ``rate`` articles/s; when each stored article's batch committed, and the
    ingest's own busy time."""
    ingester = Ingester(storage)
    stored: dict[int, float] = {}
    busy = 0.0
    started = time.monotonic()
    for n in range(0, len(articles), batch):
        chunk = articles[n : n + batch]
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        t0 = time.perf_counter()
        await ingester.store(chunk)
        busy += time.perf_counter() - t0
        moment = time.time()
        stored.update((a.id, moment) for a in chunk if a.id is not None)
    return stored, busy


async def bench_alerts(
    rules: list[tuple[int, str, str]], articles: list[Article], args: argparse.Namespace
) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "alerts.sqlite3"
        storage = await SqliteStorage.open(path)
        try:
            instant = await load_rules(storage, rules, args.chats, args.instant, rng)
            settings = load_settings(
                _env_file=None, bot_token="1:x", database_url=f"sqlite:///{path}"
            )
            worker = TimedWorker(storage, settings)
            await worker.step()  # the cursor starts here
            await worker.refresh()
            task = asyncio.create_task(worker.run())
            stored, busy = await ingest(storage, articles, args.rate, args.batch)
            for _ in range(6000):  # what was stored last is matched and gathered
                idle = not await storage.alerts.waiting()
                if idle and await storage.alerts.cursor() == max(stored):
                    break
                await asyncio.sleep(0.2)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            latency = [at - stored[a] for a, at in worker.enqueued if a in stored]
            messages = await storage.outbox.open_count()
            print(f"instant rules: {instant:,} of {len(rules):,}; {args.chats:,} chats")
            print(
                f"alerts: {len(latency):,} (chat, article) pairs in {messages:,} messages; "
                f"matching {worker.match_seconds / max(1, worker.matched) * 1e6:.0f} µs/article "
                "(CPU, lemmatising included)"
            )
            print(
                f"stored → enqueued: p50 {percentile(latency, 0.5):.2f} s, "
                f"p99 {percentile(latency, 0.99):.2f} s, max {max(latency, default=0):.2f} s"
            )
            print(
                f"ingest with the worker on: {len(articles) / busy:,.0f} articles/s "
                f"while busy ({busy:.1f} s for {len(articles):,}, offered at {args.rate:.0f}/s)"
            )
        finally:
            await storage.close()
        alone = await SqliteStorage.open(Path(folder) / "alone.sqlite3")
        try:
            fresh = make_articles(random.Random(11), *vocabulary(), len(articles))
            _stored, busy = await ingest(alone, fresh, 1e9, args.batch)
            rate = len(fresh) / busy
            print(f"ingest without it (articles of the same kind, at full speed): {rate:,.0f}/s")
        finally:
            await alone.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=300_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--instant", type=float, default=0.02)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--only", choices=("match", "alerts"))
    args = parser.parse_args()
    rng = random.Random(1)
    t0 = time.perf_counter()
    words, texts = vocabulary()
    rules = make_rules(rng, words, args.chats, args.rules)
    articles = make_articles(rng, words, texts, args.articles)
    took = time.perf_counter() - t0
    print(f"vocabulary {len(words):,} words, {len(texts)} corpus texts; made in {took:.1f} s")
    if args.only != "alerts":
        bench_match(rules, articles)
    if args.only != "match":
        asyncio.run(bench_alerts(rules, articles, args))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
