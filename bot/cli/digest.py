"""``svodka digest preview --chat ID`` and ``svodka digest run-due [--now ISO-8601]``.

``run-due`` is the whole daily job in one process, for cron-style deployments (and for tests,
which drive time with ``--now``): plan what is due at that instant, deliver it and anything
a previous run left in the outbox, and exit once the outbox is drained. It is safe to run
while the bot runs: claiming is transactional, and only one process delivers at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings
from bot.errors import UserInputError
from bot.storage import open_storage


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "digest", help="daily digests: preview one, or build and deliver what is due"
    )
    actions = parser.add_subparsers(dest="digest_command", required=True, metavar="ACTION")
    preview = actions.add_parser("preview", help="print the digest a chat would get now")
    preview.add_argument("--chat", type=int, required=True, metavar="ID", help="chat id")
    preview.set_defaults(func=_preview)
    run_due = actions.add_parser(
        "run-due", help="build the digests due now (or at --now), deliver them, and exit"
    )
    run_due.add_argument(
        "--now",
        type=parse_instant,
        metavar="ISO-8601",
        help="the instant to plan for, e.g. 2026-03-01T09:00+05:00 (no offset: UTC)",
    )
    run_due.set_defaults(func=_run_due)


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time such as 2026-03-01T09:00+05:00, got {value!r}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def _preview(args: argparse.Namespace, settings: Settings) -> int:
    from bot.digest.planner import Planner

    storage = await open_storage(settings, create=False)
    try:
        preview = await Planner(storage, settings).preview(args.chat)
    finally:
        await storage.close()
    if preview is None:
        raise UserInputError(f"no chat {args.chat}")
    digest = preview.digest
    print(
        f"chat {preview.chat.id}: articles {digest.after + 1}..{digest.upto}, "
        f"{digest.shown} shown, {digest.more} more, {len(preview.messages)} messages"
    )
    if not digest.subscribed:
        print("(no subscriptions: no digest)")
    elif not preview.messages:
        print("(nothing new: no message)")
    for number, message in enumerate(preview.messages, start=1):
        print(f"──── message {number}/{len(preview.messages)} ────")
        print(message.text)
        for row in _buttons(message.reply_markup):
            print("  ".join(f"[{label}]" for label in row))
    return 0


def _buttons(markup: str | None) -> list[list[str]]:
    if markup is None:
        return []
    rows = json.loads(markup).get("inline_keyboard", [])
    return [[str(button.get("text", "")) for button in row] for row in rows]


async def _run_due(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None:
        print("svodka: BOT_TOKEN is required to deliver digests", file=sys.stderr)
        return 2
    from bot.app import create_bot
    from bot.delivery.worker import DeliveryWorker
    from bot.digest.planner import Planner

    now: datetime = args.now or datetime.now(UTC)
    started = time.monotonic()
    storage = await open_storage(settings)
    bot = create_bot(settings)
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        # SIGTERM stops like Ctrl-C: requests in flight finish and are recorded.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        run = await Planner(storage, settings).run_due(now)
        if run is None:
            print(f"nothing due at {now.isoformat(timespec='seconds')}")
        else:
            print(
                f"run {run.id} at {now.isoformat(timespec='seconds')}: {run.chats_due} chats "
                f"due, {run.digests} digests, {run.messages} messages"
            )
        stats = await DeliveryWorker(storage, bot, settings).drain()
        print(
            f"outbox drained in {time.monotonic() - started:.1f} s: {stats.sent} sent, "
            f"{stats.retried} retried ({stats.rate_limited} after 429, {stats.recovered} "
            f"after a crash), {stats.failed} failed, {stats.dropped} dropped, "
            f"{stats.deactivated} chats deactivated"
            + (f", {stats.redirected} to the general topic" if stats.redirected else "")
        )
        if run is not None and (final := await storage.digests.run(run.id)) is not None:
            print(f"run {final.id}: {final.summary()}")
    finally:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)
        await bot.session.close()
        await storage.close()
    return 0
