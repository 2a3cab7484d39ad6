"""Failures: handler errors, blocked users, flood control, migrations, and throttling."""

from __future__ import annotations

import logging

import pytest

from bot.models import Tag
from bot.storage import Storage
from tests.bot.conftest import USER_ID, Tg, article, only, sent

BLOCKED = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


def flood(seconds: int) -> dict[str, object]:
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {seconds}",
        "parameters": {"retry_after": seconds},
    }


async def test_an_error_in_a_handler_is_logged_and_answered_with_an_apology(
    tg: Tg, store: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store.articles, "latest", broken)
    with caplog.at_level(logging.ERROR):
        reply = only(await tg.send("/latest"))
    assert reply.text == "Извините, что-то пошло не так. Попробуйте ещё раз чуть позже."
    record = next(r for r in caplog.records if r.name == "bot.handlers.errors")
    assert record.getMessage() == "update 1 failed: disk on fire"
    assert record.exc_info is not None
    assert not sent(await tg.send("/latest"))  # one apology per chat in a while
    other = await tg.send("/latest", user_id=USER_ID + 1, language="en")
    assert "Sorry" in only(other).text
    assert sent(await tg.send("/help"))  # still serving


async def test_an_error_after_a_button_press_is_answered_in_an_alert(
    tg: Tg, store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.articles.upsert_many([article("А")])
    reply = only(await tg.send("/tags"))

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(store.chats, "subscribe", broken)
    calls = await tg.press(reply.buttons[0][1], on=reply)
    alert = only(calls, "answerCallbackQuery")
    assert alert.params["show_alert"]
    assert alert.params["text"].startswith("Извините")


async def test_a_user_who_blocked_the_bot_is_deactivated_not_fatal(
    tg: Tg, store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await tg.send("/start")
    tg.session.fail("sendMessage", USER_ID, BLOCKED)
    with caplog.at_level(logging.WARNING):
        calls = await tg.send("/help")
    assert [c.method for c in calls] == ["sendMessage"]  # no apology to a blocked chat
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert not chat.active
    assert "deactivating" in caplog.text
    assert "TEST-token" not in caplog.text
    await tg.send("/start")  # unblocked and came back
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.active


async def test_flood_control_is_waited_out_and_the_reply_retried(
    tg: Tg, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr("bot.middlewares.asyncio.sleep", sleep)
    tg.session.fail("sendMessage", USER_ID, flood(3))
    calls = await tg.send("/help")
    assert [c.method for c in calls] == ["sendMessage", "sendMessage"]
    assert waited == [3]


async def test_flood_control_gives_up_after_three_tries_without_an_apology(
    tg: Tg, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def sleep(seconds: float) -> None:
        pass

    monkeypatch.setattr("bot.middlewares.asyncio.sleep", sleep)
    tg.session.fail("sendMessage", USER_ID, flood(1), flood(1), flood(1))
    with caplog.at_level(logging.WARNING):
        calls = await tg.send("/help")
    # three refused tries; an apology would be refused the same way, so none is sent
    assert [c.method for c in calls] == ["sendMessage"] * 3
    assert not any(c.text.startswith("Извините") for c in calls)
    [line] = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert line.levelno == logging.WARNING
    assert "was not delivered" in line.getMessage()
    assert line.exc_info is None  # one line, not a traceback


async def test_a_chat_that_became_a_supergroup_is_migrated_on_send(tg: Tg, store: Storage) -> None:
    old, new = -55, -10055
    sender = {"id": old, "type": "group", "title": "G"}
    await tg.send("/start", chat_id=old, chat_type="group", sender_chat=sender)
    await store.chats.subscribe(old, [Tag(key="выборы", display="Выборы")])
    moved = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new},
    }
    tg.session.fail("sendMessage", old, moved)
    await tg.send("/help", chat_id=old, chat_type="group", sender_chat=sender)
    assert await store.chats.subscribed_keys(new) == {"выборы"}


async def test_every_command_is_throttled_after_a_small_burst_with_one_warning(
    throttled: Tg, store: Storage
) -> None:
    await store.articles.upsert_many([article("А")])
    burst = ["/latest", "/help", "/search А", "/start", "/settings"]
    for command in burst:  # a person's quick taps all go through
        assert sent(await throttled.send(command)), command
    warning = only(await throttled.send("/tags"))
    assert warning.text.startswith("Не так быстро — подождите")
    for command in ("/latest", "/help", "/subscriptions", "hello"):
        assert not sent(await throttled.send(command)), command  # the flood: dropped
    other = await throttled.send("/latest", user_id=USER_ID + 1)
    assert "А" in only(other).text  # the limit is per chat


async def test_a_throttled_button_press_is_answered_without_text(
    throttled: Tg, store: Storage
) -> None:
    await store.articles.upsert_many([article("А"), article("Б")])
    page = only(await throttled.send("/latest 1"))
    for _ in range(4):
        await throttled.press(page.button("Ещё"), on=page)
    warned = await throttled.press(page.button("Ещё"), on=page)
    assert only(warned, "answerCallbackQuery").params["text"].startswith("Не так быстро")
    silent = await throttled.press(page.button("Ещё"), on=page)
    assert [c.method for c in silent] == ["answerCallbackQuery"]
    assert "text" not in silent[0].params  # the spinner stops, nothing is said


async def test_an_error_after_the_button_was_answered_apologises_in_the_chat(
    tg: Tg, store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.articles.upsert_many([article("А"), article("Б")])
    page = only(await tg.send("/latest 1"))

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.handlers.latest.send_listing", broken)
    too_old = {"ok": False, "error_code": 400, "description": "Bad Request: query is too old"}
    tg.session.fail("answerCallbackQuery", None, None, too_old)  # the apology cannot go there
    calls = await tg.press(page.button("Ещё"), on=page)
    assert [c.method for c in calls][-2:] == ["answerCallbackQuery", "sendMessage"]
    assert only(calls).text.startswith("Извините")
