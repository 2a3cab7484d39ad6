"""The webhook: only Telegram (who knows the secret) gets updates handled; /metrics counts."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from aiogram import Bot

from tests.botapi import BotAPIServer
from tests.web.conftest import SECRET, USER, Web

HEADER = "X-Telegram-Bot-Api-Secret-Token"
_ids = itertools.count(1)


def command(text: str, user_id: int = USER) -> dict[str, Any]:
    """A private-chat message update as Telegram posts it."""
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": "ru"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def post(site: Web, update: dict[str, Any], secret: str | None) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    async with site.http.post(site.webhook, json=update, headers=headers) as response:
        return response.status


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET.lower()])
async def test_a_forged_update_is_refused_and_nothing_is_handled(
    site: Web, api: BotAPIServer, secret: str | None
) -> None:
    assert await post(site, command("/start"), secret) == 401
    assert api.calls("sendMessage") == []
    assert await site.metric("svodka_updates_total", type="message") is None


async def test_an_update_from_telegram_is_answered(site: Web, api: BotAPIServer, bot: Bot) -> None:
    await bot.set_webhook(site.webhook, secret_token=SECRET)
    asked = api.send_text(USER, None, "/start")
    [reply] = await api.wait_for_messages(USER, 1, after_id=asked.message_id)
    assert reply.text is not None
    assert "Сводка" in reply.text
    assert api.webhook is not None
    assert "last_error_message" not in api.webhook  # every delivery was accepted


async def test_metrics_count_updates_and_time_commands(site: Web, api: BotAPIServer) -> None:
    assert await site.metric("svodka_updates_total", type="message") is None

    assert await post(site, command("/start"), SECRET) == 200
    assert await post(site, command("/start"), SECRET) == 200
    assert await post(site, command("/no_such_command_42"), SECRET) == 200

    assert await site.metric("svodka_updates_total", type="message") == 3
    assert await site.metric("svodka_command_duration_seconds_count", command="start") == 2
    assert await site.metric("svodka_command_duration_seconds_count", command="other") == 1
    _, text = await site.get("/metrics")
    assert "no_such_command_42" not in text  # users cannot grow the label set
    assert len(api.calls("sendMessage")) >= 2


async def test_metrics_are_prometheus_text_with_the_outbox_depth(site: Web) -> None:
    async with site.http.get(site.url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    assert "# TYPE svodka_updates_total counter" in text
    assert "# TYPE svodka_command_duration_seconds histogram" in text
    assert await site.metric("svodka_outbox_open") == 0
    for name in (
        "svodka_digest_messages_sent_total",
        "svodka_digest_rate_limited_total",
        "svodka_digest_forbidden_total",
        "svodka_feed_errors_total",
    ):
        assert await site.metric(name) == 0, name


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe{}",
        b"[1, 2]",
        b"{}",
        b'{"update_id": "many"}',
        b'{"update_id": 1, "message": {"text": 5}}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
async def test_a_body_that_is_not_an_update_is_a_bad_request(
    site: Web, api: BotAPIServer, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {HEADER: SECRET, "Content-Type": "application/json"}
    async with site.http.post(site.webhook, data=body, headers=headers) as response:
        assert response.status == 400
        assert await response.text() == "not a Telegram update"
    refused = [r for r in caplog.records if r.name == "bot.web"]
    assert [r.levelname for r in refused] == ["WARNING"]
    assert refused[0].getMessage().startswith("webhook: refused a body that is not")
    assert not [r for r in caplog.records if r.exc_info]  # no traceback anywhere
    assert await post(site, command("/start"), SECRET) == 200  # and the next update is served
    assert api.calls("sendMessage")
