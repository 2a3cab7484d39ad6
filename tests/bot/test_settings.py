"""/settings, /time, /timezone, /pause, /resume and their buttons."""

from __future__ import annotations

from datetime import time

import pytest

from bot.callbacks import SetPaused, SetTimezone
from bot.storage import Storage
from tests.bot.conftest import USER_ID, Tg, only
from tests.botapi.html import parse_html


async def _force_next_digest(store: Storage) -> None:
    await store.db.execute("UPDATE chats SET next_digest_at = 99 WHERE id = $1", USER_ID)


async def _next_digest(store: Storage) -> object:
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    return chat.next_digest_at


async def test_settings_show_the_defaults_and_buttons(tg: Tg) -> None:
    reply = only(await tg.send("/settings"))
    text = parse_html(reply.text).text
    assert "Время дайджеста: 09:00 (по умолчанию)" in text
    assert "Часовой пояс: Asia/Almaty (по умолчанию)" in text
    assert "Ежедневный дайджест: включён" in text
    labels = [label for label, _ in reply.buttons]
    assert labels[0] == "✅ Almaty (UTC+05:00)"
    assert "Moscow (UTC+03:00)" in labels
    assert labels[-1] == "⏸ Приостановить дайджест"


async def test_time_is_stored_and_the_next_digest_recomputed(tg: Tg, store: Storage) -> None:
    await tg.send("/start")
    await _force_next_digest(store)
    reply = only(await tg.send("/time 7:05"))
    assert reply.text.startswith("✅ Дайджест будет приходить в 07:05.")
    assert "Время дайджеста: 07:05\n" in parse_html(reply.text).text
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.digest_time == time(7, 5)
    assert chat.next_digest_at is None


@pytest.mark.parametrize("bad", ["25:00", "9", "09:60", "nine", "9:5", "-1:00"])
async def test_a_bad_time_gets_a_clear_message(tg: Tg, store: Storage, bad: str) -> None:
    reply = only(await tg.send(f"/time {bad}"))
    assert reply.text == (
        f"«{bad}» — не время. Укажите ЧЧ:ММ от 00:00 до 23:59, например <code>/time 08:30</code>."
    )
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.digest_time is None


async def test_time_without_argument_explains(tg: Tg) -> None:
    assert "ЧЧ:ММ" in only(await tg.send("/time")).text


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("Europe/Moscow", "Europe/Moscow"),
        ("asia/almaty", "Asia/Almaty"),
        ("Novosibirsk", "Asia/Novosibirsk"),
    ],
)
async def test_timezone_is_stored_case_insensitively(
    tg: Tg, store: Storage, written: str, zone: str
) -> None:
    await tg.send("/start")
    await _force_next_digest(store)
    reply = only(await tg.send(f"/timezone {written}"))
    assert reply.text.startswith(f"✅ Часовой пояс: {zone}.")
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.timezone == zone
    assert chat.next_digest_at is None


async def test_unknown_timezone_gets_a_clear_error(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/timezone Mars/Olympus"))
    assert reply.text == (
        "Часовой пояс «Mars/Olympus» не найден. Укажите его название из базы IANA, например: "
        "Asia/Almaty, Asia/Aqtau, Europe/Kaliningrad, Europe/Moscow."
    )
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.timezone is None


async def test_timezone_without_argument_offers_buttons(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/timezone"))
    assert "<code>/timezone Asia/Almaty</code>" in reply.text
    calls = await tg.press(reply.button("Moscow"), on=reply)
    assert only(calls, "answerCallbackQuery").params["text"] == "Часовой пояс: Europe/Moscow"
    redrawn = only(calls, "editMessageText")
    assert "Часовой пояс: Europe/Moscow\n" in parse_html(redrawn.text).text
    assert "✅ Moscow (UTC+03:00)" in [label for label, _ in redrawn.buttons]
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.timezone == "Europe/Moscow"


async def test_pause_and_resume_by_command_and_button(tg: Tg, store: Storage) -> None:
    await tg.send("/start")
    await _force_next_digest(store)
    reply = only(await tg.send("/pause"))
    assert reply.text.startswith("⏸ Ежедневный дайджест приостановлен.")
    assert await _next_digest(store) is None
    assert reply.buttons[-1][0] == "▶️ Возобновить дайджест"
    calls = await tg.press(reply.button("Возобновить"), on=reply)
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert not chat.paused
    assert "Ежедневный дайджест: включён" in parse_html(only(calls, "editMessageText").text).text
    await tg.press(SetPaused(paused=True))
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.paused
    assert "снова включён" in only(await tg.send("/resume")).text


async def test_a_forged_timezone_button_is_refused(tg: Tg, store: Storage) -> None:
    calls = await tg.press(SetTimezone(zone="Nowhere/Land"))
    assert only(calls, "answerCallbackQuery").params["show_alert"]
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.timezone is None


async def test_english_settings(tg: Tg) -> None:
    text = parse_html(only(await tg.send("/settings", language="en")).text).text
    assert "Digest time: 09:00 (default)" in text
    assert "Daily digest: on" in text
