"""``python -m bot run`` in webhook mode: registers its webhook, answers, stops cleanly."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.botapi import BotAPIServer
from tests.e2e.conftest import TOKEN, BotProcess

pytestmark = pytest.mark.e2e

SECRET = "process_Webhook-secret"
USER = 1001


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def api() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(TOKEN) as server:
        server.add_user(USER, "Ann", language_code="ru")
        yield server


async def test_the_process_serves_its_webhook_and_stops_cleanly(
    api: BotAPIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    # BotProcess passes the environment on, with its own token, API URL and database.
    monkeypatch.setenv("WEBHOOK_URL", url)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("WEB_PORT", str(port))
    monkeypatch.setenv("INBOX_DIR", str(tmp_path / "inbox"))
    process = BotProcess(tmp_path / "svodka.sqlite3", api.url, tmp_path / "bot.log")
    await process.start()
    try:
        try:
            await api.wait_for(lambda: api.webhook, timeout=30, what="setWebhook")
        except TimeoutError:
            raise AssertionError(f"the bot did not start:\n{process.log}") from None
        assert api.webhook is not None
        assert (api.webhook["url"], api.webhook["secret_token"]) == (url, SECRET)
        [registered] = api.calls("setWebhook")
        allowed = registered.params["allowed_updates"]
        assert "message" in (json.loads(allowed) if isinstance(allowed, str) else allowed)

        asked = api.send_text(USER, None, "/start")
        [reply] = await api.wait_for_messages(USER, 1, after_id=asked.message_id, timeout=10)
        assert reply.text is not None
        assert "Сводка" in reply.text

        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert await response.json() == {"database": "ok", "telegram": "ok"}
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
        assert 'svodka_updates_total{type="message"} 1.0' in metrics
        assert 'svodka_command_duration_seconds_count{command="start"} 1.0' in metrics
    finally:
        status = await process.stop()
    assert status == 0, process.log
    assert api.webhook is not None  # left for the other instances
    assert api.calls("deleteWebhook") == []
    assert TOKEN not in process.log
    assert SECRET not in process.log
    assert "Traceback" not in process.log, process.log
