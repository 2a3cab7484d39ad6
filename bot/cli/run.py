"""``svodka run``: the bot with long polling until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config import Settings


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "run", help="start the bot (long polling) with its background workers"
    )
    parser.set_defaults(func=_run)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None:
        print(
            "svodka: BOT_TOKEN is not set; get one from @BotFather and put it in the "
            "environment or .env",
            file=sys.stderr,
        )
        return 2
    # Imported here so that the other subcommands start without loading aiogram.
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.runtime import run_polling

    try:
        await run_polling(settings)
    except TelegramUnauthorizedError:
        print("svodka: BOT_TOKEN was rejected by the Bot API (401 Unauthorized)", file=sys.stderr)
        return 2
    except TelegramNetworkError as exc:
        print(
            f"svodka: cannot reach the Bot API at {settings.telegram_api_url}: {exc.message}",
            file=sys.stderr,
        )
        return 1
    return 0
