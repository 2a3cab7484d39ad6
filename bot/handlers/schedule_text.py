"""Digest schedules and quiet hours as people write them, and as the bot says them.

``/time`` takes one to :data:`~bot.digest.schedule.MAX_TIMES` times in any form
:func:`~bot.handlers.clock.parse_time` reads (``8``, ``7:30 pm``), with weekdays before
or after them: ``пн-пт`` or ``mon-fri`` (a range wraps past Sunday: ``пт-пн``), ``сб,вс``,
``будни``/``weekdays``, ``выходные``/``weekend``, ``ежедневно``/``daily``, and
``weekly вс``/``еженедельно вс`` (exactly one day). Times without days keep the chat's days,
days without times keep its times.

``/quiet`` takes a window with minutes on both sides: ``23:00-07:30``, ``23.00 – 7.30``,
``23:00 07:30``. ``9-5`` is refused: people write it for 09:00 to 17:00 as often as for
09:00 to 05:00, and a guess would hold alerts all day or send them all night.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import Enum

from aiogram.utils.i18n import gettext as _
from babel.dates import get_day_names
from babel.lists import format_list

from bot.digest.schedule import MAX_TIMES, Schedule
from bot.handlers.clock import parse_time
from bot.i18n import current_locale
from bot.models import EVERY_DAY, WEEKDAYS, WEEKEND

DAY_NAMES = {
    0: ("пн", "пон", "понедельник", "mo", "mon", "monday"),
    1: ("вт", "вто", "вторник", "tu", "tue", "tues", "tuesday"),
    2: ("ср", "сре", "среда", "среду", "we", "wed", "wednesday"),
    3: ("чт", "чет", "четверг", "th", "thu", "thur", "thurs", "thursday"),
    4: ("пт", "пят", "пятница", "пятницу", "fr", "fri", "friday"),
    5: ("сб", "суб", "суббота", "субботу", "sa", "sat", "saturday"),
    6: ("вс", "вос", "воскр", "воскресенье", "su", "sun", "sunday"),
}
_DAYS = {name: day for day, names in DAY_NAMES.items() for name in names}
_SETS = {
    "ежедневно": EVERY_DAY,
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "будни": WEEKDAYS,
    "будням": WEEKDAYS,
    "weekdays": WEEKDAYS,
    "workdays": WEEKDAYS,
    "выходные": WEEKEND,
    "выходным": WEEKEND,
    "weekend": WEEKEND,
    "weekends": WEEKEND,
}
_WEEKLY = {"weekly", "еженедельно"}
_FILLER = {"в", "во", "по", "и", "at", "on", "and", "every"}
_HALF = re.compile(r"[ap]\.?m\.?", re.IGNORECASE)
_RANGE = re.compile(r"(?<=[^\W\d_])\s*[-–—]\s*(?=[^\W\d_])")
_QUIET = re.compile(
    r"(?P<start>\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?)\s*(?:[-–—]|до|to|\s)\s*"
    r"(?P<end>\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?)",
    re.IGNORECASE,
)
OFF = frozenset({"off", "no", "none", "выкл", "выключить", "нет", "отключить"})


class Problem(Enum):
    """Why a schedule was refused; each has one line to say so."""

    WORD = "word"  # a word that is neither a time nor a day
    TOO_MANY = "too_many"
    WEEKLY_DAY = "weekly_day"  # weekly without exactly one day
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class ScheduleText:
    """What ``/time`` asked for: times (none: keep) and days (``None``: keep)."""

    times: tuple[time, ...] = ()
    days: int | None = None
    problem: Problem | None = None
    word: str = ""


def _day_range(word: str) -> int | None:
    first, dash, last = word.partition("-")
    if not dash:
        day = _DAYS.get(word)
        return None if day is None else 1 << day
    start, end = _DAYS.get(first), _DAYS.get(last)
    if start is None or end is None:
        return None
    mask, day = 0, start
    while True:
        mask |= 1 << day
        if day == end:
            return mask
        day = (day + 1) % 7


def parse_schedule(text: str) -> ScheduleText:
    """The times and days ``text`` names (see the module docstring), or the problem."""
    whole = parse_time(text)
    if whole is not None:  # one time in a form with a space: "7 30", "7:30 pm"
        return ScheduleText(times=(whole,))
    words = _RANGE.sub("-", text).replace(",", " ").split()
    times: set[time] = set()
    days = 0
    weekly = False
    index = 0
    while index < len(words):
        word = words[index]
        key = word.casefold().replace("ё", "е").rstrip(".")
        index += 1
        if key in _FILLER:
            continue
        if key in _WEEKLY:
            weekly = True
            continue
        mask = _SETS.get(key) or _day_range(key)
        if mask is not None:
            days |= mask
            continue
        if index < len(words) and _HALF.fullmatch(words[index]):
            word = f"{word} {words[index]}"
            index += 1
        at = parse_time(word)
        if at is None:
            return ScheduleText(problem=Problem.WORD, word=word)
        times.add(at)
    if len(times) > MAX_TIMES:
        return ScheduleText(problem=Problem.TOO_MANY)
    if weekly and days.bit_count() != 1:
        return ScheduleText(problem=Problem.WEEKLY_DAY)
    if not times and not days:
        return ScheduleText(problem=Problem.EMPTY)
    return ScheduleText(times=tuple(sorted(times)), days=days or None)


def parse_quiet(text: str) -> tuple[time, time] | None:
    """The quiet window ``text`` names (start, end), or ``None`` if it names none."""
    match = _QUIET.fullmatch(re.sub(r"^(?:с|from)\s+", "", text.strip(), flags=re.I))
    if match is None:
        return None
    start, end = parse_time(match["start"]), parse_time(match["end"])
    if start is None or end is None or start == end:
        return None
    return start, end


def times_list(times: tuple[time, ...], locale: str) -> str:
    """``08:00 и 19:00`` / ``08:00 and 19:00``."""
    return format_list([at.strftime("%H:%M") for at in times], locale=locale)


def week(locale: str) -> list[str]:
    """The days' short names from Monday, capitalised: ``Пн`` … ``Вс``, ``Mon`` … ``Sun``."""
    names = get_day_names("abbreviated", locale=locale)
    return [str(names[day]).capitalize() for day in range(7)]


def day_names(days: int, locale: str) -> str:
    """``пн, ср, пт`` / ``Mon, Wed, Fri``."""
    names = get_day_names("abbreviated", locale=locale)
    return ", ".join(str(names[day]) for day in range(7) if days >> day & 1)


def describe_days(days: int) -> str:
    """``каждый день``, ``по будням``, ``раз в неделю: вс`` or ``пн, ср, пт``."""
    if days == EVERY_DAY:
        return _("schedule.every_day")
    if days == WEEKDAYS:
        return _("schedule.weekdays")
    if days == WEEKEND:
        return _("schedule.weekend")
    names = day_names(days, current_locale())
    return _("schedule.weekly").format(day=names) if days.bit_count() == 1 else names


def describe(schedule: Schedule) -> str:
    """``в 08:00 и 19:00``, ``по будням в 08:00``: the schedule as a phrase."""
    times = times_list(schedule.times, current_locale())
    if schedule.days == EVERY_DAY:
        return _("schedule.at").format(times=times)
    return _("schedule.days_at").format(days=describe_days(schedule.days), times=times)
