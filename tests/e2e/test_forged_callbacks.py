"""Forged button payloads against the real bot process: each press is answered (the
client's spinner stops) with "stale button", and the bot logs no traceback."""

from __future__ import annotations

import time

import pytest

from tests.botapi import BotAPIServer
from tests.botapi.models import CallbackQueryRecord, StoredMessage
from tests.e2e.conftest import BotProcess

pytestmark = pytest.mark.e2e

USER = 1001
STALE = "Эта кнопка устарела — повторите команду."
FORGED = [
    f"r:{2**64}",  # beyond 64 bits
    "r:-1",
    f"m:{2**70}:5:0:",
    "m:1:5:0:zzzzzzzzzzzzzzzzzzzzzz.1",  # a cursor beyond any date
    f"tp:{2**64}",
    "tt:1:x:0",
    "ct:",
    "lt:abc",
    "dp:maybe",
    f"dg:0:{2**64}:0",
    "zz:1",
    "hello",
]


def press_forged(server: BotAPIServer, user: int, message: StoredMessage, data: str) -> str:
    """A press on ``message`` carrying ``data``, as a modified client could send it."""
    query = CallbackQueryRecord(
        f"forged-{len(server.callbacks)}", server.user(user), message, data, time.monotonic()
    )
    server.callbacks[query.id] = query
    server.enqueue_update(
        {
            "callback_query": {
                "id": query.id,
                "from": query.user.to_api(),
                "message": message.to_api(server.bot),
                "chat_instance": "forged",
                "data": data,
            }
        }
    )
    return query.id


async def test_every_forged_press_is_answered_as_stale(
    server: BotAPIServer, bot: BotProcess
) -> None:
    server.add_user(USER, language_code="ru")
    server.send_text(USER, None, "/latest 1")
    (page,) = await server.wait_for_messages(USER, 1, timeout=10)
    for data in FORGED:
        answer = await server.wait_for_callback_answer(
            press_forged(server, USER, page, data), timeout=10
        )
        assert (answer["text"], answer["show_alert"]) == (STALE, True), data
    # the bot fixture's teardown checks the log holds no traceback
