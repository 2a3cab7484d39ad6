"""Times and time zones as people write them (bot/handlers/clock.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.handlers.clock import offset_zone, parse_time, resolve_timezone, zone_label

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("8", time(8)), ("08", time(8)), ("7:30", time(7, 30)), ("07:30", time(7, 30)),
        ("7.30", time(7, 30)), ("7-30", time(7, 30)), ("7h30", time(7, 30)),
        ("7ч30", time(7, 30)), ("7 30", time(7, 30)), ("0730", time(7, 30)),
        ("730", time(7, 30)), ("2359", time(23, 59)), (" 0:00 ", time(0)),
        ("7:30 pm", time(19, 30)), ("7:30PM", time(19, 30)), ("12am", time(0)),
        ("12 p.m.", time(12)), ("9 AM", time(9)),
    ],
)  # fmt: skip
def test_times_in_the_forms_people_write(written: str, parsed: time) -> None:
    assert parse_time(written) == parsed


@pytest.mark.parametrize(
    "written",
    ["", "24:00", "2400", "25", "9:5", "09:60", "-1:00", "13pm", "0am", "nine", "7:30:15",
     "7,5", "1" * 4000],
)  # fmt: skip
def test_what_is_not_a_time(written: str) -> None:
    assert parse_time(written) is None


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("Europe/Moscow", "Europe/Moscow"),
        ("asia/ALMATY", "Asia/Almaty"),
        ("Almaty", "Asia/Almaty"),
        ("new york", "America/New_York"),
        ("New-York", "America/New_York"),
        ("Москва", "Europe/Moscow"),
        ("нью-йорк", "America/New_York"),
        ("Астана", "Asia/Almaty"),
        ("Kiev", "Europe/Kyiv"),  # an old name gives the current one
        ("MSK", "Europe/Moscow"),
        ("мск", "Europe/Moscow"),
        ("МСК+2", "Etc/GMT-5"),
        ("MSK-1", "Etc/GMT-2"),
        ("UTC+3", "Etc/GMT-3"),  # IANA's Etc signs are inverted
        ("utc + 3", "Etc/GMT-3"),
        ("+03:00", "Etc/GMT-3"),
        ("+0300", "Etc/GMT-3"),
        ("GMT+5", "Etc/GMT-5"),  # five hours ahead, not IANA's Etc/GMT+5
        ("UTC−3", "Etc/GMT+3"),
        ("UTC", "Etc/UTC"),
        ("Z", "UTC"),
        ("UTC+05:30", "Asia/Colombo"),
        ("YEKT", "Asia/Yekaterinburg"),
        ("Etc/GMT+5", "Etc/GMT+5"),  # an IANA name is taken as written
    ],
)
def test_zones_in_the_forms_people_write(written: str, zone: str) -> None:
    assert resolve_timezone(written) == zone
    ZoneInfo(zone)  # what is stored is a name the database of zones knows


@pytest.mark.parametrize("written", ["", "Mars/Olympus", "UTC+15", "UTC-13", "+5:17", "x" * 4000])
def test_what_is_not_a_zone(written: str) -> None:
    assert resolve_timezone(written) is None


def test_a_non_whole_offset_is_a_zone_that_keeps_it_all_year() -> None:
    name = offset_zone(5 * 60 + 45, WINTER)
    assert name is not None
    summer = datetime(2026, 7, 15, tzinfo=UTC)
    for moment in (WINTER, summer):
        offset = moment.astimezone(ZoneInfo(name)).utcoffset()
        assert offset is not None
        assert offset.total_seconds() == (5 * 60 + 45) * 60


@pytest.mark.parametrize(
    ("zone", "locale", "label"),
    [
        ("Europe/Moscow", "ru", "Москва (UTC+03:00)"),
        ("Europe/Moscow", "en", "Moscow (UTC+03:00)"),
        ("Asia/Almaty", "ru", "Алматы (UTC+05:00)"),
        ("America/New_York", "ru", "Нью-Йорк (UTC-05:00)"),
        ("Etc/GMT-3", "ru", "UTC+03:00"),
        ("Etc/UTC", "en", "UTC"),
    ],
)
def test_zones_are_named_in_the_readers_language(zone: str, locale: str, label: str) -> None:
    assert zone_label(zone, locale, WINTER) == label
