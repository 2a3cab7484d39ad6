"""``python -m tests.botapi``: run the Bot API test server until interrupted.

Prints its base URL (one line on standard output) once it is listening; everything else
goes to the log on standard error. Drive it through ``/_control/`` (see the package docs).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from tests.botapi.core import DEFAULT_TOKEN
from tests.botapi.limits import Bucket, RateLimits, Window
from tests.botapi.server import BotAPIServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.botapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="svodka_bot")
    parser.add_argument("--no-limits", action="store_true", help="switch every rate limit off")
    parser.add_argument("--overall", type=int, default=30, help="sends per second, whole bot")
    parser.add_argument("--per-chat", type=float, default=1.0, help="sends per second, one chat")
    parser.add_argument("--chat-burst", type=int, default=3, help="quick sends one chat may get")
    parser.add_argument("--per-group", type=int, default=20, help="sends per minute, one group")
    parser.add_argument("--no-penalty", action="store_true", help="no 429 penalty windows")
    parser.add_argument("--auto-register", action="store_true", help="unknown user ids are ok")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per call")
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


def limits_from(args: argparse.Namespace) -> RateLimits:
    if args.no_limits:
        return RateLimits.off()
    return RateLimits(
        overall=Window(args.overall, 1.0) if args.overall > 0 else None,
        per_chat=Bucket(args.per_chat, args.chat_burst) if args.per_chat > 0 else None,
        per_group=Window(args.per_group, 60.0) if args.per_group > 0 else None,
        penalty=not args.no_penalty,
    )


async def serve(args: argparse.Namespace) -> None:
    server = BotAPIServer(
        args.token,
        host=args.host,
        port=args.port,
        bot_username=args.bot_username,
        limits=limits_from(args),
        auto_register=args.auto_register,
        latency=args.latency,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        print(server.url, flush=True)  # the one line a parent process waits for
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
