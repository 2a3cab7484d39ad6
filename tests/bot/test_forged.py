"""Button payloads come back from the client and may be forged: every press is answered,
a payload that is not ours says the button is stale, and nothing reaches the error handler."""

from __future__ import annotations

import logging

import pytest

from bot.callbacks import MorePage
from bot.storage import Storage
from tests.bot.conftest import Tg, article, only, sent

STALE = "Эта кнопка устарела — повторите команду."

FORGED = [
    f"r:{2**64}",  # beyond any 64-bit integer
    f"r:{2**63}",
    "r:-1",
    "r:" + "9" * 5000,  # more digits than int() takes
    f"m:{2**70}:5:0:",
    "m:1:5:0:1.1:extra",
    f"tp:{2**64}",
    "tp:-10",
    "tt:1:x:0",  # no such view
    f"tt:1:t:{2**64}",
    "ct:",
    "lt:abc",
    "dp:maybe",
    f"dg:0:{2**64}:0",
    "dg:1:2",
    "zz:1",  # no such prefix
    "hello",
    "\x00\x01",
    "r:1.5",
]


@pytest.mark.parametrize("data", FORGED)
async def test_a_forged_payload_is_answered_as_stale(
    tg: Tg, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    await tg.send("/start")
    with caplog.at_level(logging.ERROR):
        calls = await tg.press(data)
    answer = only(calls, "answerCallbackQuery")
    assert answer.params["text"] == STALE
    assert answer.params["show_alert"]
    assert not sent(calls)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_press_without_data_is_answered(tg: Tg) -> None:
    query = {
        "id": "77",
        "from": Tg.user(),
        "chat_instance": "ci",
        "game_short_name": "game",
    }
    calls = await tg.feed({"callback_query": query})
    assert only(calls, "answerCallbackQuery").params["text"] == STALE


@pytest.mark.parametrize(
    "cursor", ["zzzzzzzzzzzzzzzzzzzzzz.1", "1.zzzzzzzzzzzzzzzzzzzz", "garbage", "-1.-1", "1.1.1"]
)
async def test_a_more_button_with_a_forged_cursor_is_stale(
    tg: Tg, store: Storage, cursor: str
) -> None:
    await store.articles.upsert_many([article(f"Новость {i}") for i in range(7)])
    page = only(await tg.send("/latest"))
    real = MorePage.unpack(page.button("Ещё"))
    assert real.cursor  # the query is stored once, the position travels in the payload
    forged = MorePage(ref=real.ref, limit=real.limit, shown=real.shown, cursor=cursor)
    calls = await tg.press(forged, on=page)
    assert only(calls, "answerCallbackQuery").params["text"] == STALE
    assert not sent(calls)


async def test_a_more_button_asking_for_a_huge_page_is_stale(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many([article(f"Новость {i}") for i in range(7)])
    page = only(await tg.send("/latest"))
    real = MorePage.unpack(page.button("Ещё"))
    forged = MorePage(ref=real.ref, limit=100_000, shown=real.shown, cursor=real.cursor)
    calls = await tg.press(forged, on=page)
    assert only(calls, "answerCallbackQuery").params["text"] == STALE
    assert not sent(calls)
