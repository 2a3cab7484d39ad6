"""Two bot processes on one PostgreSQL database, in webhook mode, against the test server.

Both answer users; exactly one runs the digest planner and sender. Killing that one in the
middle of a broadcast hands the work to the other within a few seconds, and every digest
arrives once — but for the documented window: a message Telegram accepted just before the
kill may be sent again, at most one per sender and never more than one per chat.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.delivery.worker import default_senders
from bot.models import Tag
from bot.storage import Storage, open_url
from tests.botapi import BotAPIServer, RateLimits
from tests.storage.factory import article
from tests.waiting import until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TWOINSTANCES"
SECRET = "s3cret-" + secrets.token_hex(8)
CHATS = 240
FIRST_CHAT = 7_000_001
RATE = 40.0  # messages a second: the broadcast takes about six seconds
LEADS = "this instance now runs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Instance:
    """``python -m bot run`` in webhook mode on its own port, logging to a file."""

    def __init__(self, name: str, database_url: str, api_url: str, log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.upper().startswith(("BOT_", "DATABASE_", "WEB", "TELEGRAM_", "RATE_"))
        }
        self.env.update(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api_url,
            DATABASE_URL=database_url,
            WEBHOOK_URL=f"http://127.0.0.1:{self.port}/telegram",
            WEBHOOK_SECRET=SECRET,
            WEB_PORT=str(self.port),
            RATE_GLOBAL_PER_SECOND=str(RATE),
            THROTTLE_SECONDS="0",
            INBOX_DIR=str(log.parent / f"inbox-{name}"),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def leads(self) -> bool:
        return LEADS in self.log

    async def healthy(self) -> bool:
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{self.port}/healthz") as response,
            ):
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def post_update(self, update: dict[str, object]) -> int:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{self.port}/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response,
        ):
            return response.status

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()

    async def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.process.wait(), 20)
        return self.process.returncode


async def prepare(storage: Storage) -> None:
    """Today's articles under one tag and CHATS subscribed chats whose digest is due now."""
    today = datetime.now(UTC)
    await storage.articles.upsert_many(
        [article(f"Выборы: новость {n}", tags=("#Выборы",), published=today) for n in range(3)]
    )
    tag = Tag(key="выборы", display="Выборы")
    for chat_id in range(FIRST_CHAT, FIRST_CHAT + CHATS):
        await storage.chats.upsert(chat_id, type="private")
        await storage.chats.subscribe(chat_id, [tag])
    await storage.db.execute(  # type: ignore[attr-defined]
        "UPDATE chats SET next_digest_at = $1", int(time.time()) - 60
    )


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(TOKEN, limits=RateLimits.off(), auto_register=True) as api:
        api.add_users(CHATS, first_id=FIRST_CHAT)
        api.add_user(42, "Reader")
        yield api


async def test_killing_the_leader_mid_broadcast_hands_over_and_loses_nothing(
    server: BotAPIServer, pg_url: str, tmp_path: Path
) -> None:
    storage = await open_url(pg_url)
    instances = [Instance(name, pg_url, server.url, tmp_path / f"bot-{name}.log") for name in "ab"]
    try:
        await prepare(storage)
        for instance in instances:
            await instance.start()
        for instance in instances:
            await until(instance.healthy, 30, f"instance {instance.name} up\n{instance.log}")

        # Both answer users over the webhook.
        for n, instance in enumerate(instances):
            update = {
                "update_id": 900 + n,
                "message": {
                    "message_id": 10 + n,
                    "date": int(time.time()),
                    "chat": {"id": 42, "type": "private", "first_name": "Reader"},
                    "from": {"id": 42, "is_bot": False, "first_name": "Reader"},
                    "text": "/help",
                },
            }
            assert await instance.post_update(update) == 200
        await server.wait_for_messages(42, 2, timeout=15)

        # Exactly one leads; it starts the broadcast.
        await until(lambda: any(i.leads for i in instances), 20, "a leader")
        await asyncio.sleep(1.0)
        assert sum(i.leads for i in instances) == 1, [i.log for i in instances]
        leader, follower = sorted(instances, key=lambda i: not i.leads)

        def delivered() -> list[int]:
            return [
                int(call.params["chat_id"])
                for call in server.calls("sendMessage", status=200)
                if int(call.params["chat_id"]) >= FIRST_CHAT
            ]

        await until(lambda: len(delivered()) >= CHATS // 4, 30, "a quarter of the digests")
        leader.kill()
        killed_at = time.monotonic()
        await until(lambda: follower.leads, 15, f"the takeover\n{follower.log}")
        takeover = time.monotonic() - killed_at
        assert takeover < 5.0, f"took over after {takeover:.1f} s"

        await until(lambda: len(set(delivered())) == CHATS, 60, "every digest")
        await asyncio.sleep(1.0)  # nothing more should come
        counts = Counter(delivered())
        duplicated = {chat: n for chat, n in counts.items() if n > 1}
        assert set(counts) == set(range(FIRST_CHAT, FIRST_CHAT + CHATS))
        assert all(n == 2 for n in duplicated.values()), duplicated
        assert len(duplicated) <= default_senders(RATE), duplicated
        print(f"takeover after {takeover:.2f} s; {len(duplicated)} digests sent twice")

        open_rows = await storage.outbox.open_count()
        assert open_rows == 0
        assert await follower.stop() == 0
        assert "Traceback" not in follower.log, follower.log
    finally:
        for instance in instances:
            if instance.process is not None and instance.process.returncode is None:
                instance.kill()
                await instance.process.wait()
        await storage.close()
