"""How many digests a second the test server takes from a real aiogram ``Bot``.

``python -m tests.botapi.bench [--messages 20000] [--concurrency 64] [--in-process]``

By default the server runs as a subprocess (its own core, as in the benchmarks), every rate
limit off, and unknown chat ids are registered on first use. Each message is a digest-like
HTML text of about 1,500 characters with hashtags and an inline keyboard.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import AsyncIterator

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests.botapi.core import DEFAULT_TOKEN
from tests.botapi.limits import RateLimits
from tests.botapi.remote import spawn_server
from tests.botapi.server import BotAPIServer

ITEM = (
    "<b>{n}. Сенат одобрил поправки в бюджет</b>\n"
    "Депутаты приняли закон во втором чтении; документ вступит в силу с 1 января. "
    "#Референдум_2026 #Политика\n"
)
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Ещё", callback_data="digest:more:2")]]
)


@contextlib.asynccontextmanager
async def _server_url(in_process: bool) -> AsyncIterator[str]:
    if in_process:
        async with BotAPIServer(limits=RateLimits.off(), auto_register=True) as server:
            yield server.url
    else:
        async with spawn_server("--no-limits", "--auto-register") as spawned:
            yield spawned.url


async def run(messages: int, concurrency: int, in_process: bool) -> None:
    text = "".join(ITEM.format(n=n) for n in range(1, 8))
    async with _server_url(in_process) as url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(url), limit=concurrency)
        bot = Bot(DEFAULT_TOKEN, session=session)
        latencies: list[float] = []
        next_chat = iter(range(10_000_001, 10_000_001 + messages))

        async def sender() -> None:
            for chat_id in next_chat:
                started = time.perf_counter()
                await bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=KEYBOARD)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        await session.close()
        latencies.sort()
        mode = "in-process" if in_process else "subprocess"
        sys.stdout.write(
            f"{messages} sendMessage in {elapsed:.2f} s = {messages / elapsed:.0f} msg/s "
            f"({mode} server, concurrency {concurrency}, {len(text)} chars HTML); latency "
            f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms\n"
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.botapi.bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.concurrency, args.in_process))
    return 0


if __name__ == "__main__":
    sys.exit(main())
