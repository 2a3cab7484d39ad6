"""What digest schedules and quiet hours cost: the next due instant per chat, a planner pass
giving due instants to many chats, and the quiet-hours check per alert.

    .venv/bin/python benchmarks/schedule.py [--chats 20000] [--calls 100000]

Pure computations are timed over ``--calls`` calls in one loop (microseconds a call, CPU
time); the planner pass is :meth:`bot.digest.planner.Planner.schedule` over ``--chats``
chats whose due instant was cleared, in a fresh SQLite file, as after a mass settings change.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.digest.planner import Planner  # noqa: E402
from bot.digest.schedule import Schedule, first_due, next_after  # noqa: E402
from bot.models import WEEKDAYS, Chat  # noqa: E402
from bot.quiet import alert_timing  # noqa: E402
from bot.storage import open_url  # noqa: E402

TOKEN = "123456:ABC-benchmark"
START = datetime(2026, 3, 1, tzinfo=UTC)
SCHEDULES = {
    "daily, one time": Schedule((clock(9),)),
    "weekdays, six times": Schedule(
        tuple(clock(hour) for hour in (7, 9, 12, 15, 18, 21)), WEEKDAYS
    ),
    "weekly": Schedule((clock(10),), 1 << 6),
}


def per_call(call: Callable[[int], object], calls: int) -> float:
    """CPU microseconds a call."""
    started = time.process_time()
    for i in range(calls):
        call(i)
    return (time.process_time() - started) / calls * 1e6


def pure(calls: int) -> None:
    tz = ZoneInfo("America/New_York")  # DST changes inside the month timed
    minute = timedelta(minutes=7)
    for name, schedule in SCHEDULES.items():
        due = per_call(lambda i, s=schedule: first_due(START + i * minute, None, s, tz), calls)
        step = per_call(
            lambda i, s=schedule: next_after(START + i * minute, START + i * minute, s, tz), calls
        )
        print(f"{name:22} first_due {due:6.1f} µs   next_after {step:6.1f} µs")
    quiet = Chat(1, timezone="Europe/Moscow", quiet_start=clock(23), quiet_end=clock(7, 30))
    spent = per_call(lambda i: alert_timing(quiet, START + i * minute), calls)
    print(f"{'alert_timing':22} {spent:6.1f} µs a call (23:00-07:30, over every hour of the day)")


async def planner_pass(chats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        storage = await open_url(url)
        settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)  # type: ignore[call-arg]
        try:
            for name, schedule in SCHEDULES.items():
                times = ",".join(at.strftime("%H:%M") for at in schedule.times)
                rows = [(chat_id, times, schedule.days) for chat_id in range(1, chats + 1)]
                async with storage.db.transaction() as tx:
                    await tx.execute("DELETE FROM chats")
                    await tx.executemany(
                        "INSERT INTO chats (id, digest_time, digest_days, timezone, created_at, "
                        "updated_at) VALUES ($1, $2, $3, 'America/New_York', 0, 0)",
                        rows,
                    )
                planner = Planner(storage, settings)
                wall, cpu = time.perf_counter(), time.process_time()
                done = await planner.schedule(START)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(
                    f"{name:22} {done} chats scheduled in {wall:.2f} s "
                    f"({done / wall:,.0f} chats/s, {cpu / done * 1e6:.0f} µs CPU a chat)"
                )
        finally:
            await storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    pure(args.calls)
    asyncio.run(planner_pass(args.chats))


if __name__ == "__main__":
    main()
