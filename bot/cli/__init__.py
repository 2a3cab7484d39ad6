"""The command line: ``python -m bot run | ingest | latest | search | tags | stories | digest
| export | db | feeds``.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module adds
its parser and sets ``func`` to a callable ``(args, settings) -> int`` (sync or async).
Settings are read once, here, after the arguments parse; a bad one is one line on standard
error and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import sys
from collections.abc import Sequence

from bot import __version__
from bot.config import Settings, load_settings
from bot.errors import SvodkaError

EXIT_USAGE = 2

# Order of the subcommands in --help.
_MODULES = ("run", "ingest", "query", "stories", "digest", "export", "db", "feeds")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="svodka",
        description="Svodka: news summaries by tag in Telegram, with daily digests.",
    )
    parser.add_argument("--version", action="version", version=f"svodka {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _MODULES:
        importlib.import_module(f"bot.cli.{name}").register(sub)
    return parser


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SvodkaError as exc:
        print(f"svodka: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings)
    try:
        result = args.func(args, settings)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    except SvodkaError as exc:
        print(f"svodka: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)
