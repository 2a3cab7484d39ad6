"""Updates per second and /latest reply latency of the real bot process under many users.

    python -m benchmarks.updates [--articles 1000000] [--users 1000] [--rate 200]
                                 [--seconds 30] [--concurrency 32]

The bot runs as ``python -m bot run`` (a subprocess, configured by its environment) against
the Bot API test server, which runs here with every rate limit off, so the figures are the
bot's own. The database holds ``--articles`` generated articles (thousands of tags with a
Zipf spread): ``benchmarks/query.py``'s cached database when present (copied), else one
built with its generator; cached as ``benchmarks/out/updates-COUNT.sqlite3`` for later runs.

Two phases follow a warm-up in which every user subscribes to a few tags:

1. open loop: users send ``/latest`` (with no argument, with a tag, or with a tag and N) at
   ``--rate`` updates a second for ``--seconds``; the time from each message to the bot's
   reply gives p50/p99 latency, split with the server's call log into the wait for the
   bot's getUpdates, the bot's own handling (answer to getUpdates → sendMessage arriving)
   and the server's; the CPU of the bot and of this process (server and load) per update;
2. closed loop: ``--concurrency`` conversations each send as soon as their previous reply
   came (each message from the next user, so no chat meets its own pace), for the most
   updates a second the bot handles.

The server enforces no limit, so the bot runs with ``RATE_GLOBAL_PER_SECOND=1000`` and
``RATE_CHAT_PER_SECOND=30``, the most its settings allow, and its pacer is not what is
measured (``benchmarks/replies.py`` measures that).

``SVODKA_BENCH_PROFILE="-m cProfile -o bot.prof"`` runs the bot under a profiler.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import itertools
import logging
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.query import build
from bot.storage import SqliteStorage
from tests.botapi import BotAPIServer, RateLimits
from tests.botapi.models import CallRecord, StoredMessage

logger = logging.getLogger("benchmarks.updates")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
TOKEN = "123456:BENCH"
FIRST_USER = 5_000_001
PROFILE: list[str] = os.environ.get("SVODKA_BENCH_PROFILE", "").split()


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# -- the database -----------------------------------------------------------------------


async def article_count(path: Path) -> int:
    store = await SqliteStorage.open(path)
    try:
        return await store.articles.count()
    finally:
        await store.close()


async def ensure_database(count: int) -> Path:
    """A database of ``count`` articles that this benchmark may write chats into.

    Reuses ``benchmarks/query.py``'s cached database (copied, so the bot's writes stay out
    of it) or builds one with its generator.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"updates-{count}.sqlite3"
    if path.exists():
        return path
    shared = OUT / f"query-{count}.sqlite3"
    if shared.exists() and await article_count(shared) >= count:
        logger.warning("copying %s to %s", shared, path)
        partial = path.with_suffix(".partial")
        await asyncio.to_thread(_copy_database, shared, partial)
        partial.rename(path)
        return path
    logger.warning("building %s with benchmarks/query.py's generator (once)", path)
    partial = path.with_suffix(".partial")
    await asyncio.to_thread(_remove, partial)
    await build(f"sqlite:///{partial}", count)
    await asyncio.to_thread(_remove, partial, keep_main=True)
    partial.rename(path)
    return path


def _remove(path: Path, *, keep_main: bool = False) -> None:
    for suffix in ("-wal", "-shm", *(() if keep_main else ("",))):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a WAL database (SQLite's backup API, not a file copy)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


# -- the bot process --------------------------------------------------------------------


class BotProcess:
    def __init__(self, database: Path, api_url: str, log: Path) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.upper().startswith("BOT_")},
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": f"sqlite:///{database}",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_SECONDS": "0",
            # The server enforces no limit here: the bot's own pacer must not either.
            "RATE_GLOBAL_PER_SECOND": "1000",
            "RATE_CHAT_PER_SECOND": "30",
            "FEEDS": "",
            "INBOX_DIR": str(log.parent / "inbox"),
        }
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *PROFILE, "-m", "bot", "run", cwd=ROOT, env=self.env,
                stdout=log, stderr=log,
            )  # fmt: skip

    def cpu_seconds(self) -> float:
        """User + system CPU time the bot process has used so far (Linux)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.process.wait(), 30)
        return self.process.returncode or 0


# -- load -------------------------------------------------------------------------------


@dataclass
class Sent:
    message: StoredMessage
    reply: StoredMessage | None = None

    @property
    def latency(self) -> float:
        assert self.reply is not None
        return self.reply.sent_at - self.message.sent_at


def commands(tags: list[str], rnd: random.Random) -> Callable[[], str]:
    def pick() -> str:
        roll = rnd.random()
        if roll < 0.5:
            return "/latest"  # the user's subscriptions
        tag = rnd.choice(tags)
        return f"/latest {tag}" if roll < 0.85 else f"/latest {tag} 10"

    return pick


async def collect(server: BotAPIServer, sent: list[Sent], within: float) -> None:
    """Pair each message with the bot's first message after it in that chat."""

    def unanswered() -> list[Sent]:
        waiting = []
        for item in sent:
            if item.reply is None:
                chat = item.message.chat
                for message_id in range(item.message.message_id + 1, chat.last_message_id + 1):
                    message = chat.messages.get(message_id)
                    if message is not None and message.from_bot:
                        item.reply = message
                        break
                if item.reply is None:
                    waiting.append(item)
        return waiting

    deadline = time.monotonic() + within
    while unanswered():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(unanswered())} messages got no reply")
        await asyncio.sleep(0.05)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@dataclass(frozen=True, slots=True)
class Stages:
    """Where one reply's latency went, in seconds, from the server's call log."""

    waiting: float  # queued until the bot's getUpdates answer carrying it was sent
    bot: float  # from that answer to the bot's sendMessage reaching the server
    server: float  # from there to the reply being stored


def stages(sent: list[Sent], calls: list[CallRecord]) -> list[Stages]:
    """Split each reply's latency at the getUpdates that delivered it and the sendMessage.

    An update is delivered by the first successful getUpdates that ends after it was queued
    and asks from an offset at or below its id; its reply is the first sendMessage to its
    chat that arrives after that.
    """
    polls = sorted(
        (c.monotonic + c.duration, int(c.params.get("offset") or 0))
        for c in calls
        if c.method.lower() == "getupdates" and c.ok
    )
    ends = [end for end, _offset in polls]
    sends: dict[str, list[float]] = {}
    for c in calls:
        if c.method.lower() == "sendmessage" and c.ok:
            sends.setdefault(str(c.params.get("chat_id")), []).append(c.monotonic)
    found = []
    for item in sent:
        message, reply = item.message, item.reply
        if reply is None or message.update_id is None:
            continue
        first = bisect.bisect_left(ends, message.sent_at)
        delivered = next(
            (end for end, offset in polls[first:] if offset <= message.update_id), None
        )
        arrivals = sends.get(str(message.chat.id), [])
        if delivered is None:
            continue
        request = next((t for t in arrivals if t >= delivered), None)
        if request is None or request > reply.sent_at:
            continue
        found.append(
            Stages(delivered - message.sent_at, request - delivered, reply.sent_at - request)
        )
    return found


def spread(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {statistics.median(ms):.1f}, p90 {percentile(ms, 0.9):.1f}, "
        f"p99 {percentile(ms, 0.99):.1f}, max {max(ms):.1f} ms"
    )


async def open_loop(
    server: BotAPIServer, users: list[int], pick: Callable[[], str], rate: float, seconds: float
) -> tuple[list[Sent], float]:
    sent: list[Sent] = []
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    cycle = itertools.cycle(users)
    started = loop.time()
    for n in range(total):
        delay = started + n / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(Sent(server.send_text(next(cycle), None, pick())))
    await collect(server, sent, within=120)
    replies = [item.reply for item in sent if item.reply is not None]
    elapsed = max(r.sent_at for r in replies) - sent[0].message.sent_at
    return sent, elapsed


async def closed_loop(
    server: BotAPIServer,
    users: list[int],
    concurrency: int,
    pick: Callable[[], str],
    seconds: float,
) -> tuple[int, float]:
    """``concurrency`` conversations, each sending as soon as its previous reply came.

    Each next message comes from the next user of the pool, as many people writing at once
    would: one person writing back to back would meet the per-chat pace, not the bot's.
    """
    handled = 0
    stop_at = time.monotonic() + seconds
    pool = itertools.cycle(users)

    async def conversation() -> None:
        nonlocal handled
        while time.monotonic() < stop_at:
            user_id = next(pool)
            message = server.send_text(user_id, None, pick())
            await server.wait_for_messages(user_id, 1, after_id=message.message_id, timeout=60)
            handled += 1

    started = time.monotonic()
    await asyncio.gather(*(conversation() for _ in range(concurrency)))
    return handled, time.monotonic() - started


async def run(args: argparse.Namespace) -> None:
    database = await ensure_database(args.articles)
    store = await SqliteStorage.open(database)
    try:
        total = await store.articles.count()
        tags = [t.display for t in await store.articles.tags(limit=200)]
        # A clean slate for the simulated users.
        await store.db.execute("DELETE FROM chats WHERE id >= $1", FIRST_USER)
    finally:
        await store.close()
    rnd = random.Random(7)
    pick = commands(tags, rnd)
    log = OUT / "updates-bot.log"
    async with BotAPIServer(TOKEN, limits=RateLimits.off(), max_log=200_000) as server:
        users = [u.id for u in server.add_users(args.users, first_id=FIRST_USER)]
        bot = BotProcess(database, server.url, log)
        await bot.start()
        try:
            await server.wait_for_polling(timeout=60)
            warm = [Sent(server.send_text(u, None, "/subscribe " + " ".join(rnd.sample(tags, 3))))
                    for u in users]  # fmt: skip
            await collect(server, warm, within=300)
            gc.collect()
            gc.freeze()  # keep this process's collector from pausing the server mid-run
            cpu, own_cpu = bot.cpu_seconds(), time.process_time()
            sent, elapsed = await open_loop(server, users, pick, args.rate, args.seconds)
            cpu, own_cpu = bot.cpu_seconds() - cpu, time.process_time() - own_cpu
            latencies = [item.latency * 1000 for item in sent]
            split = stages(sent, server.calls())
            handled, busy = await closed_loop(
                server, users, args.concurrency, pick, min(args.seconds, 20)
            )
        finally:
            status = await bot.stop()
    out(f"articles stored: {total:,}; users: {args.users}; bot exit status {status}")
    out(
        f"open loop: {len(sent)} /latest at {args.rate:.0f}/s offered -> "
        f"{len(sent) / elapsed:.0f} updates/s handled; reply latency "
        f"p50 {statistics.median(latencies):.1f} ms, p90 {percentile(latencies, 0.9):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
    )
    out(
        f"  of which ({len(split)} replies traced): waiting for getUpdates "
        f"{spread([s.waiting for s in split])}"
    )
    out(f"  bot, update received -> sendMessage sent: {spread([s.bot for s in split])}")
    out(f"  test server, sendMessage -> reply stored: {spread([s.server for s in split])}")
    out(
        f"bot process CPU: {cpu / len(sent) * 1000:.2f} ms per update "
        f"(~{len(sent) / cpu:.0f} updates/s per fully available core); "
        f"machine load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    out(f"test server and load generator CPU: {own_cpu / len(sent) * 1000:.2f} ms per update")
    out(
        f"closed loop: {args.concurrency} conversations back to back -> "
        f"{handled / busy:.0f} updates/s handled ({handled} in {busy:.1f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.updates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="updates a second offered")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    shutil.rmtree(OUT / "inbox", ignore_errors=True)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
