"""``svodka run``: the bot until Ctrl-C or SIGTERM, by long polling or, with WEBHOOK_URL,
as a webhook."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config import Settings


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "run",
        help="start the bot (long polling, or a webhook if WEBHOOK_URL is set) with its "
        "background workers",
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
    from aiogram.exceptions import (
        TelegramBadRequest,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    from bot.runtime import run_polling, run_webhook

    try:
        if settings.webhook_url is not None:
            await run_webhook(settings)
        else:
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
    except TelegramBadRequest as exc:  # setWebhook refused the URL or the secret
        print(f"svodka: the Bot API refused the webhook: {exc.message}", file=sys.stderr)
        return 1
    return 0
