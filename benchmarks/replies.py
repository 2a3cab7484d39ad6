"""Replies under Telegram's limits: a burst of users, and a flood of commands to one chat.

    python -m benchmarks.replies [--users 2000] [--rate 100] [--flood 200] [--deadline 180]

The bot runs as ``python -m bot run`` (a subprocess, configured by its environment, with
``RATE_GLOBAL_PER_SECOND=--rate``) against the Bot API test server enforcing ``--rate``
messages a second overall and Telegram's per-chat limit (1/s, burst 3), with its penalty
windows: every 429 the bot provokes costs it more.

1. burst: ``--users`` users write ``/help`` at the same instant (a post that went viral).
   Printed: how many were answered and when the last answer came, the rate achieved as a
   fraction of the limit, and the 429s the bot received.
2. flood: one user sends ``--flood`` commands in ten seconds (``/start``, ``/help``,
   ``/tags`` …) with the bot's default throttle. Printed: the answers the chat got, how
   many of them were «Не так быстро», the 429s, and the tracebacks in the bot's log.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from tests.botapi import BotAPIServer, RateLimits, Window

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "replies"
TOKEN = "123456:REPLIES"
FIRST_USER = 8_000_001
COMMANDS = ["/start", "/help", "/tags", "/latest", "/settings", "/subscriptions"]


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class BotProcess:
    def __init__(self, api_url: str, rate: float, folder: Path) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.upper().startswith("BOT_")},
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": f"sqlite:///{folder / 'replies.sqlite3'}",
            "RATE_GLOBAL_PER_SECOND": str(rate),
            "LOG_LEVEL": "WARNING",
            "FEEDS": "",
            "INBOX_DIR": str(folder / "inbox"),
        }
        self.log = folder / "bot.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env,
                stdout=log, stderr=log,
            )  # fmt: skip

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.process.wait(), 60)
        return self.process.returncode or 0


def rate_limited(server: BotAPIServer) -> int:
    return int(server.stats().get("429", 0))


async def burst(server: BotAPIServer, users: int, rate: float, deadline: float) -> None:
    ids = [u.id for u in server.add_users(users, first_id=FIRST_USER)]
    before = rate_limited(server)
    started = time.monotonic()
    for user in ids:
        server.send_text(user, None, "/help")
    answered: dict[int, float] = {}
    stop_at = started + deadline
    while len(answered) < users and time.monotonic() < stop_at:
        for user in ids:
            if user not in answered and (found := server.messages_for(user)):
                answered[user] = found[0].sent_at
        await asyncio.sleep(0.1)
    last = max(answered.values(), default=started) - started
    out(
        f"burst: {users} users at once, limit {rate:.0f} msg/s -> {len(answered)} answered, "
        f"the last after {last:.1f} s ({len(answered) / max(last, 1e-9):.0f} msg/s, "
        f"{len(answered) / max(last, 1e-9) / rate:.0%} of the limit); "
        f"429s received: {rate_limited(server) - before}"
    )


async def flood(server: BotAPIServer, count: int, bot: BotProcess) -> None:
    user = FIRST_USER - 1
    server.add_user(user, language_code="ru")
    before = rate_limited(server)
    started = time.monotonic()
    for n in range(count):
        delay = started + n * 10.0 / count - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        server.send_text(user, None, COMMANDS[n % len(COMMANDS)])
    await asyncio.sleep(5)  # the last allowed answers, at the chat's pace
    answers = [m.text or "" for m in server.messages_for(user)]
    warned = sum(text.startswith("Не так быстро") for text in answers)
    tracebacks = bot.log.read_text(encoding="utf-8", errors="replace").count("Traceback")
    out(
        f"flood: {count} commands in 10 s to one chat -> {len(answers)} answers "
        f"({warned} «Не так быстро»); 429s received: {rate_limited(server) - before}; "
        f"tracebacks logged: {tracebacks}"
    )


async def run(args: argparse.Namespace) -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    limits = RateLimits(overall=Window(int(args.rate), 1.0))
    async with BotAPIServer(TOKEN, limits=limits, max_log=200_000) as server:
        bot = BotProcess(server.url, args.rate, OUT)
        await bot.start()
        try:
            await server.wait_for_polling(timeout=60)
            await burst(server, args.users, args.rate, args.deadline)
            await asyncio.sleep(5)  # penalty windows, if any, run out
            await flood(server, args.flood, bot)
        finally:
            status = await bot.stop()
    out(f"bot exit status {status}; log in {bot.log}")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.replies",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0, help="messages a second allowed")
    parser.add_argument("--flood", type=int, default=200, help="commands in 10 s to one chat")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds for the burst")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
