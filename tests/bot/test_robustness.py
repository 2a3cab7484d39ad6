"""Failures: handler errors, blocked users, flood control, migrations, and throttling."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.models import Tag
from bot.storage import Storage
from tests.bot.conftest import USER_ID, RecordingSession, Tg, article, only, sent

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
    assert "Sorry" in only(await tg.send("/latest", language="en")).text
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


async def test_flood_control_gives_up_after_three_tries(
    tg: Tg, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def sleep(seconds: float) -> None:
        pass

    monkeypatch.setattr("bot.middlewares.asyncio.sleep", sleep)
    tg.session.fail("sendMessage", USER_ID, flood(1), flood(1), flood(1))
    calls = await tg.send("/help")
    # three refused tries, then the error handler's apology (a fourth send) goes through
    assert [c.method for c in calls] == ["sendMessage"] * 4
    assert calls[-1].text.startswith("Извините")


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


@pytest.fixture
async def throttled(
    settings: Settings, store: Storage, session: RecordingSession
) -> AsyncIterator[Tg]:
    slow = settings.model_copy(update={"throttle_seconds": 30})
    bot = create_bot(slow, session=session)
    yield Tg(create_dispatcher(settings=slow, storage=store), bot, session)
    await bot.session.close()


async def test_flooding_latest_and_search_is_throttled_with_one_warning(
    throttled: Tg, store: Storage
) -> None:
    await store.articles.upsert_many([article("А")])
    assert "А" in only(await throttled.send("/latest")).text
    warning = only(await throttled.send("/search А"))
    assert warning.text.startswith("Не так быстро — подождите")
    assert not sent(await throttled.send("/latest"))
    assert not sent(await throttled.send("/search А"))
    assert sent(await throttled.send("/help"))  # other commands are not limited
    other = await throttled.send("/latest", user_id=USER_ID + 1)
    assert "А" in only(other).text  # the limit is per chat


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
