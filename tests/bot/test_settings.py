"""/settings, /time, /timezone, /pause, /resume and their buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

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
    assert "Часовой пояс: Алматы (UTC+05:00) (по умолчанию)" in text
    assert "Дайджест: включён" in text
    assert "Дни: каждый день\n" in text
    assert "Тихие часы: нет\n" in text
    labels = [label for label, _ in reply.buttons]
    assert labels[:9] == [
        "✅Пн",
        "✅Вт",
        "✅Ср",
        "✅Чт",
        "✅Пт",
        "✅Сб",
        "✅Вс",
        "Каждый день",
        "По будням",
    ]
    assert labels[9] == "✅ Алматы (UTC+05:00)"
    assert "Москва (UTC+03:00)" in labels
    assert labels[-1] == "⏸ Приостановить дайджест"
    english = only(await tg.send("/settings", language="en"))
    assert "Time zone: Almaty (UTC+05:00) (default)" in parse_html(english.text).text
    assert "Moscow (UTC+03:00)" in [label for label, _ in english.buttons]


async def _schedule(store: Storage, due: datetime) -> None:
    [chat] = await store.digests.unscheduled()
    await store.digests.schedule([(chat, due)])


async def test_settings_say_when_the_next_digest_comes_in_the_chats_zone(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/subscribe")  # remembers the chat
    await _schedule(store, datetime(2030, 3, 5, 4, 0, tzinfo=UTC))
    text = parse_html(only(await tg.send("/settings")).text).text
    assert "Следующий дайджест: 5 марта в 09:00\n" in text  # 04:00 UTC is 09:00 in Almaty
    english = parse_html(only(await tg.send("/settings", language="en")).text).text
    assert "Next digest: March 5 at 09:00\n" in english


async def test_after_a_change_the_next_digest_is_the_coming_one(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/timezone Москва"))
    text = parse_html(reply.text).text
    assert re.search(r"Следующий дайджест: (сегодня|завтра) в 09:00\n", text), text
    assert "Подписок пока нет" in text
    paused = parse_html(only(await tg.send("/pause")).text).text
    assert "Следующий дайджест" not in paused
    assert "Дайджест: на паузе" in paused


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


@pytest.mark.parametrize(
    ("written", "stored"),
    [("8", time(8)), ("7.30", time(7, 30)), ("0730", time(7, 30)), ("21:05", time(21, 5)),
     ("7:30 pm", time(19, 30)), ("7 30", time(7, 30))],
)  # fmt: skip
async def test_time_in_the_forms_people_write(
    tg: Tg, store: Storage, written: str, stored: time
) -> None:
    reply = only(await tg.send(f"/time {written}"))
    assert reply.text.startswith(f"✅ Дайджест будет приходить в {stored:%H:%M}.")
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.digest_time == stored


@pytest.mark.parametrize("bad", ["25:00", "09:60", "nine", "9:5", "-1:00", "13 pm"])
async def test_a_bad_time_gets_a_clear_message(tg: Tg, store: Storage, bad: str) -> None:
    reply = only(await tg.send(f"/time {bad}"))
    assert reply.text.startswith(f"«{bad}» — не время и не день. Напишите часы и минуты")
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.digest_time is None


async def test_a_message_long_time_is_quoted_cut(tg: Tg) -> None:
    reply = only(await tg.send("/time " + "9" * 4000))
    assert reply.text.startswith("«" + "9" * 63 + "…» — не время и не день.")


async def test_time_without_argument_explains(tg: Tg) -> None:
    assert "<code>/time 8:30</code>" in only(await tg.send("/time")).text


@pytest.mark.parametrize(
    ("written", "zone", "label"),
    [
        ("Europe/Moscow", "Europe/Moscow", "Москва (UTC+03:00)"),
        ("asia/almaty", "Asia/Almaty", "Алматы (UTC+05:00)"),
        ("Novosibirsk", "Asia/Novosibirsk", "Новосибирск (UTC+07:00)"),
        ("Москва", "Europe/Moscow", "Москва (UTC+03:00)"),
        ("MSK", "Europe/Moscow", "Москва (UTC+03:00)"),
        ("UTC+3", "Etc/GMT-3", "UTC+03:00"),
        ("+03:00", "Etc/GMT-3", "UTC+03:00"),
        ("GMT+5", "Etc/GMT-5", "UTC+05:00"),
        ("МСК+2", "Etc/GMT-5", "UTC+05:00"),
    ],
)
async def test_timezone_in_the_forms_people_write(
    tg: Tg, store: Storage, written: str, zone: str, label: str
) -> None:
    await tg.send("/start")
    await _force_next_digest(store)
    reply = only(await tg.send(f"/timezone {written}"))
    assert reply.text.startswith(f"✅ Часовой пояс: {label}.")
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.timezone == zone
    assert chat.next_digest_at is None


async def test_unknown_timezone_gets_a_clear_error(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/timezone Mars/Olympus"))
    assert reply.text.startswith(
        "Часовой пояс «Mars/Olympus» не найден. Напишите город (<code>Алматы</code>"
    )
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.timezone is None


async def test_timezone_without_argument_offers_buttons(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/timezone"))
    assert "<code>/timezone Алматы</code>" in reply.text
    calls = await tg.press(reply.button("Москва"), on=reply)
    toast = only(calls, "answerCallbackQuery").params["text"]
    assert toast == "Часовой пояс: Москва (UTC+03:00)"
    redrawn = only(calls, "editMessageText")
    assert "Часовой пояс: Москва (UTC+03:00)\n" in parse_html(redrawn.text).text
    assert "✅ Москва (UTC+03:00)" in [label for label, _ in redrawn.buttons]
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.timezone == "Europe/Moscow"


async def test_pause_and_resume_by_command_and_button(tg: Tg, store: Storage) -> None:
    await tg.send("/start")
    await _force_next_digest(store)
    reply = only(await tg.send("/pause"))
    assert reply.text.startswith("⏸ Дайджест приостановлен.")
    assert await _next_digest(store) is None
    assert reply.buttons[-1][0] == "▶️ Возобновить дайджест"
    calls = await tg.press(reply.button("Возобновить"), on=reply)
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert not chat.paused
    assert "Дайджест: включён" in parse_html(only(calls, "editMessageText").text).text
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
    assert "Digest: on" in text
