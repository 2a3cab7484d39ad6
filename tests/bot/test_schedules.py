"""/time with several times, weekdays and weekly; /quiet; their buttons in /settings."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton

from bot.callbacks import SetDays, SetQuietSilent
from bot.digest.schedule import Schedule, first_due
from bot.models import EVERY_DAY, WEEKDAYS, Chat
from bot.storage import Storage
from tests.bot.conftest import USER_ID, Tg, only
from tests.botapi.html import parse_html

SUNDAY = 1 << 6


async def _chat(store: Storage) -> Chat:
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    return chat


def _text(calls: list, method: str = "sendMessage") -> str:  # type: ignore[type-arg]
    return parse_html(only(calls, method).text).text


@pytest.mark.parametrize(
    ("written", "reply", "times", "days"),
    [
        ("08:00 19:00", "в 08:00 и 19:00", (time(8), time(19)), EVERY_DAY),
        ("19:00, 8", "в 08:00 и 19:00", (time(8), time(19)), EVERY_DAY),
        ("пн-пт 08:00", "по будням, в 08:00", (time(8),), WEEKDAYS),
        ("по будням в 7:30 pm", "по будням, в 19:30", (time(19, 30),), WEEKDAYS),
        ("mon-fri 8 20", "по будням, в 08:00 и 20:00", (time(8), time(20)), WEEKDAYS),
        ("сб,вс 10:00", "по выходным, в 10:00", (time(10),), 0b1100000),
        ("weekly вс 10:00", "раз в неделю: вс, в 10:00", (time(10),), SUNDAY),
        ("еженедельно Вс 10", "раз в неделю: вс, в 10:00", (time(10),), SUNDAY),
        ("ПН-ПТ 8 PM", "по будням, в 20:00", (time(20),), WEEKDAYS),
        ("пн ср пт 9", "пн, ср, пт, в 09:00", (time(9),), 0b0010101),
        ("пт-пн 9", "пн, пт, сб, вс, в 09:00", (time(9),), 0b1110001),
    ],
)
async def test_time_takes_several_times_and_weekdays(
    tg: Tg, store: Storage, written: str, reply: str, times: tuple[time, ...], days: int
) -> None:
    text = _text(await tg.send(f"/time {written}"))
    assert text.startswith(f"✅ Дайджест будет приходить {reply}.")
    assert "Время дайджеста: " + ", ".join(f"{t:%H:%M}" for t in times) + "\n" in text
    chat = await _chat(store)
    assert (chat.digest_times, chat.digest_days, chat.next_digest_at) == (times, days, None)


async def test_days_alone_keep_the_times_and_times_alone_keep_the_days(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/time 08:00 19:00")
    text = _text(await tg.send("/time будни"))
    assert text.startswith("✅ Дайджест будет приходить по будням, в 08:00 и 19:00.")
    await tg.send("/time 7:15")
    chat = await _chat(store)
    assert (chat.digest_times, chat.digest_days) == ((time(7, 15),), WEEKDAYS)
    await tg.send("/time ежедневно")
    assert (await _chat(store)).digest_days == EVERY_DAY


async def test_english_schedule(tg: Tg, store: Storage) -> None:
    text = _text(await tg.send("/time weekly sun 10:00", language="en"))
    assert text.startswith("✅ The digest will come once a week: Sun, at 10:00.")
    assert "Days: once a week: Sun\n" in text
    text = _text(await tg.send("/time 8 19:30", language="en"))
    assert text.startswith("✅ The digest will come once a week: Sun, at 08:00 and 19:30.")


async def test_settings_say_when_a_weekly_digest_comes_in_the_chats_zone(
    tg: Tg, store: Storage
) -> None:
    text = _text(await tg.send("/time weekly вс 10:00"))
    assert "Дни: раз в неделю: вс\n" in text
    tz = ZoneInfo("Asia/Almaty")
    now = datetime.now(UTC)
    due = first_due(now, now, Schedule((time(10),), SUNDAY), tz).astimezone(tz)
    assert due.weekday() == 6
    days = (due.date() - now.astimezone(tz).date()).days
    when = {0: "сегодня", 1: "завтра"}.get(days) or format_skeleton("MMMMd", due, locale="ru")
    assert f"Следующий дайджест: {when} в 10:00\n" in text


@pytest.mark.parametrize(
    ("bad", "answer"),
    [
        ("25:00", "«25:00» — не время и не день."),
        ("пн-пт 25:00", "«25:00» — не время и не день."),
        ("пн-xx 8", "«пн-xx» — не время и не день."),
        ("ПН-ПТ NINE", "«NINE» — не время и не день."),
        ("8 9 10 11 12 13 14", "Не больше 6 дайджестов в день"),
        ("weekly 10:00", "Для дайджеста раз в неделю назовите один день"),
        ("еженедельно пн,вт 10:00", "Для дайджеста раз в неделю назовите один день"),
        ("в", "Напишите время дайджеста (до 6 раз в день)"),
    ],
)
async def test_a_bad_schedule_gets_one_clear_line_and_changes_nothing(
    tg: Tg, store: Storage, bad: str, answer: str
) -> None:
    await tg.send("/time 08:00 19:00")
    reply = only(await tg.send(f"/time {bad}"))
    assert reply.text.startswith(answer), reply.text
    assert "\n\n" not in reply.text  # one line, not the whole settings
    chat = await _chat(store)
    assert (chat.digest_times, chat.digest_days) == ((time(8), time(19)), EVERY_DAY)


async def test_time_without_argument_explains_every_form(tg: Tg) -> None:
    text = only(await tg.send("/time")).text
    for form in ("/time 08:00 19:00", "/time пн-пт 08:00", "/time weekly вс 10:00"):
        assert f"<code>{form}</code>" in text


async def test_weekday_buttons_switch_days_and_keep_one(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/settings"))
    calls = await tg.press(reply.button("✅Сб"), on=reply)
    assert only(calls, "answerCallbackQuery").params["text"] == "Дни: пн, вт, ср, чт, пт, вс"
    redrawn = only(calls, "editMessageText")
    assert "Сб" in [label for label, _ in redrawn.buttons]
    assert (await _chat(store)).digest_days == EVERY_DAY & ~(1 << 5)
    calls = await tg.press(redrawn.button("По будням"), on=redrawn)
    assert only(calls, "answerCallbackQuery").params["text"] == "Дни: по будням"
    assert (await _chat(store)).digest_days == WEEKDAYS
    await tg.press(SetDays(days=SUNDAY))
    weekly = _text(await tg.send("/settings"))
    assert "Дни: раз в неделю: вс\n" in weekly
    reply = only(await tg.send("/settings"))
    await tg.press(reply.button("✅Вс"), on=reply)  # the last day stays
    assert (await _chat(store)).digest_days == SUNDAY
    await tg.press(reply.button("Каждый день"), on=reply)
    assert (await _chat(store)).digest_days == EVERY_DAY


@pytest.mark.parametrize("forged", ["sd:0", "sd:128", "sd:-1", "sd:x", "qs:maybe"])
async def test_forged_schedule_buttons_change_nothing(tg: Tg, store: Storage, forged: str) -> None:
    await tg.send("/start")
    calls = await tg.press(forged)
    assert only(calls, "answerCallbackQuery")
    chat = await _chat(store)
    assert (chat.digest_days, chat.quiet_silent) == (EVERY_DAY, False)


async def test_quiet_hours_are_set_shown_and_turned_off(tg: Tg, store: Storage) -> None:
    text = _text(await tg.send("/quiet 23:00-07:30"))
    assert text.startswith("✅ Тихие часы: 23:00–07:30.")
    assert "Тихие часы: 23:00–07:30, уведомления ждут конца\n" in text
    chat = await _chat(store)
    assert (chat.quiet_start, chat.quiet_end, chat.quiet_silent) == (time(23), time(7, 30), False)
    for off in ("выкл", "off", "OFF"):
        await tg.send("/quiet 22:00-06:00")
        text = _text(await tg.send(f"/quiet {off}"))
        assert text.startswith("✅ Тихие часы выключены.")
        assert "Тихие часы: нет\n" in text
        assert (await _chat(store)).quiet_start is None


@pytest.mark.parametrize(
    ("written", "start", "end"),
    [
        ("23.00 – 7.30", time(23), time(7, 30)),
        ("с 22:00 до 06:00", time(22), time(6)),
        ("11:00 pm - 7:00 am", time(23), time(7)),
        ("13:00 14:30", time(13), time(14, 30)),
    ],
)
async def test_quiet_hours_in_the_forms_people_write(
    tg: Tg, store: Storage, written: str, start: time, end: time
) -> None:
    only(await tg.send(f"/quiet {written}"))
    chat = await _chat(store)
    assert (chat.quiet_start, chat.quiet_end) == (start, end)


@pytest.mark.parametrize("bad", ["9-5", "23:00", "25:00-07:00", "10:00-10:00", "ночью", "23-7"])
async def test_bad_quiet_hours_get_one_clear_line(tg: Tg, store: Storage, bad: str) -> None:
    await tg.send("/quiet 22:00-06:00")
    reply = only(await tg.send(f"/quiet {bad}"))
    assert reply.text.startswith(f"«{bad}» — не промежуток времени. Напишите начало и конец")
    assert "\n" not in reply.text
    chat = await _chat(store)
    assert (chat.quiet_start, chat.quiet_end) == (time(22), time(6))


async def test_quiet_without_argument_explains_and_shows_the_settings(tg: Tg) -> None:
    text = only(await tg.send("/quiet")).text
    assert "<code>/quiet 23:00-07:30</code>" in text
    assert "Тихие часы: нет" in parse_html(text).text


async def test_the_quiet_mode_button_switches_hold_and_silent(tg: Tg, store: Storage) -> None:
    none = only(await tg.send("/settings"))
    assert not [label for label, _ in none.buttons if "Тихие часы" in label]
    reply = only(await tg.send("/quiet 23:00-07:30"))
    calls = await tg.press(reply.button("ждать до конца"), on=reply)
    assert only(calls, "answerCallbackQuery").params["text"] == "уведомления приходят без звука"
    redrawn = only(calls, "editMessageText")
    assert "Тихие часы: 23:00–07:30, уведомления приходят без звука\n" in _text(
        calls, "editMessageText"
    )
    assert (await _chat(store)).quiet_silent
    await tg.press(redrawn.button("присылать без звука"), on=redrawn)
    assert not (await _chat(store)).quiet_silent
    await tg.press(SetQuietSilent(silent=True))
    assert (await _chat(store)).quiet_silent


async def test_english_quiet_hours(tg: Tg) -> None:
    text = _text(await tg.send("/quiet 23:00-07:30", language="en"))
    assert text.startswith("✅ Quiet hours: 23:00–07:30.")
    assert "Quiet hours: 23:00–07:30, alerts wait until the end\n" in text
    bad = only(await tg.send("/quiet 9-5", language="en")).text
    assert bad.startswith("“9-5” is not a span of time.")
    off = _text(await tg.send("/quiet off", language="en"))
    assert off.startswith("✅ Quiet hours are off.")
