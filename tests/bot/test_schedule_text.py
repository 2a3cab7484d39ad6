"""Schedules and quiet hours as people write them."""

from __future__ import annotations

from datetime import time

import pytest

from bot.handlers.schedule_text import (
    Problem,
    ScheduleText,
    day_names,
    parse_quiet,
    parse_schedule,
    times_list,
    week,
)
from bot.models import EVERY_DAY, WEEKDAYS, WEEKEND


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8", ScheduleText((time(8),))),
        ("7 30", ScheduleText((time(7, 30),))),  # one time with a space, as before
        ("7:30 pm", ScheduleText((time(19, 30),))),
        ("19:00 08:00 19:00", ScheduleText((time(8), time(19)))),
        ("08:00,19:00", ScheduleText((time(8), time(19)))),
        ("8:00 7:30 p.m.", ScheduleText((time(8), time(19, 30)))),
        ("пн-пт 08:00", ScheduleText((time(8),), WEEKDAYS)),
        ("пн – пт 08:00", ScheduleText((time(8),), WEEKDAYS)),
        ("Mon-Fri 8", ScheduleText((time(8),), WEEKDAYS)),
        ("8 mon-fri", ScheduleText((time(8),), WEEKDAYS)),
        ("сб,вс 10", ScheduleText((time(10),), WEEKEND)),
        ("выходные 10", ScheduleText((time(10),), WEEKEND)),
        ("weekends at 10", ScheduleText((time(10),), WEEKEND)),
        ("ежедневно 9", ScheduleText((time(9),), EVERY_DAY)),
        ("пт-пн 9", ScheduleText((time(9),), 0b1110001)),
        ("weekly вс 10:00", ScheduleText((time(10),), 1 << 6)),
        ("еженедельно в воскресенье в 10:00", ScheduleText((time(10),), 1 << 6)),
        ("в среду 9", ScheduleText((time(9),), 1 << 2)),
        ("будни", ScheduleText((), WEEKDAYS)),
        ("", ScheduleText(problem=Problem.EMPTY)),
        ("в", ScheduleText(problem=Problem.EMPTY)),
        ("25:00", ScheduleText(problem=Problem.WORD, word="25:00")),
        ("пн-пт Девять", ScheduleText(problem=Problem.WORD, word="Девять")),
        ("пн-xx 8", ScheduleText(problem=Problem.WORD, word="пн-xx")),
        ("13 pm", ScheduleText(problem=Problem.WORD, word="13 pm")),
        ("1 2 3 4 5 6 7", ScheduleText(problem=Problem.TOO_MANY)),
        ("weekly 10", ScheduleText(problem=Problem.WEEKLY_DAY)),
        ("weekly сб,вс 10", ScheduleText(problem=Problem.WEEKLY_DAY)),
    ],
)
def test_schedules_in_the_forms_people_write(text: str, expected: ScheduleText) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23:00-07:30", (time(23), time(7, 30))),
        ("23:00 - 07:30", (time(23), time(7, 30))),
        ("23.00–7.30", (time(23), time(7, 30))),
        ("23:00 07:30", (time(23), time(7, 30))),
        ("с 23:00 до 07:30", (time(23), time(7, 30))),
        ("from 11:00 pm to 7:00 am", (time(23), time(7))),
        ("13:00-14:00", (time(13), time(14))),
        ("9-5", None),  # 09:00-17:00 or 09:00-05:00: refused, not guessed
        ("23-7", None),
        ("23:00", None),
        ("23:00-24:00", None),
        ("10:00-10:00", None),
        ("23:00-07:30-08:00", None),
        ("ночью", None),
    ],
)
def test_quiet_hours_need_a_start_and_an_end_with_minutes(
    text: str, expected: tuple[time, time] | None
) -> None:
    assert parse_quiet(text) == expected


def test_days_and_times_are_said_in_the_readers_language() -> None:
    assert week("ru") == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    assert week("en")[0] == "Mon"
    assert day_names(0b1010101, "ru") == "пн, ср, пт, вс"
    assert day_names(0b1010101, "en") == "Mon, Wed, Fri, Sun"
    assert times_list((time(8), time(13), time(19)), "ru") == "08:00, 13:00 и 19:00"
    assert times_list((time(8), time(19)), "en") == "08:00 and 19:00"
