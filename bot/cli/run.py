"""``svodka run``: the bot until Ctrl-C or SIGTERM, by long polling or, with WEBHOOK_URL,
as a webhook."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Coroutine, Iterator
from typing import Any

from pydantic import ValidationError

from bot.config import Settings, redact_url

EXIT_INTERRUPTED = 130  # as a shell reports a process stopped by Ctrl-C


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "run",
        help="start the bot (long polling, or a webhook if WEBHOOK_URL is set) with its "
        "background workers",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace, settings: Settings) -> int | Coroutine[Any, Any, int]:
    if settings.bot_token is None:
        print(
            "svodka: BOT_TOKEN is not set; get one from @BotFather and put it in the "
            "environment or .env",
            file=sys.stderr,
        )
        return 2
    # Imported here so that the other subcommands start without loading aiogram, and before
    # the event loop starts, where a Ctrl-C would cancel the process as it opens its database.
    # A Ctrl-C during the import itself is held back: pydantic, building its schemas, turns
    # it into an error of its own with a long traceback.
    with _sigint_held() as interrupted:
        import bot.runtime  # noqa: F401
    if interrupted:
        return EXIT_INTERRUPTED
    return _serve(settings)


@contextlib.contextmanager
def _sigint_held() -> Iterator[list[int]]:
    """SIGINT recorded instead of raised while the block runs; the list says if it came."""
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


async def _serve(settings: Settings) -> int:
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramBadRequest,
        TelegramNetworkError,
        TelegramServerError,
        TelegramUnauthorizedError,
    )

    from bot.runtime import run_polling, run_webhook

    api = redact_url(settings.telegram_api_url)
    try:
        if settings.webhook_url is not None:
            await run_webhook(settings)
        else:
            await run_polling(settings)
    except TelegramUnauthorizedError:
        print("svodka: BOT_TOKEN was rejected by the Bot API (401 Unauthorized)", file=sys.stderr)
        return 2
    except TelegramNetworkError as exc:
        print(f"svodka: cannot reach the Bot API at {api}: {exc.message}", file=sys.stderr)
        return 1
    except TelegramBadRequest as exc:  # setWebhook refused the URL or the secret
        print(f"svodka: the Bot API refused the webhook: {exc.message}", file=sys.stderr)
        return 1
    except TelegramServerError as exc:
        print(
            f"svodka: the Bot API at {api} answered {_method(exc)} with a server error: "
            f"{exc.message}",
            file=sys.stderr,
        )
        return 1
    except TelegramAPIError as exc:
        print(
            f"svodka: the Bot API at {api} refused {_method(exc)}: {exc.message}", file=sys.stderr
        )
        return 1
    except ClientDecodeError as exc:
        print(
            f"svodka: the Bot API at {api} answered with {_what(exc)}, not a Bot API "
            "response; is TELEGRAM_API_URL right?",
            file=sys.stderr,
        )
        return 1
    return 0


def _method(exc: Any) -> str:
    return str(getattr(exc.method, "__api_method__", "a request"))


def _what(exc: Any) -> str:
    """What a Bot API answer that could not be read was, in a few words."""
    if isinstance(exc.original, ValidationError):
        return "JSON of another shape"
    return "an HTML page" if str(exc.data).lstrip().startswith("<") else "text that is not JSON"
