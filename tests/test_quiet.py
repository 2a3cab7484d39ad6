"""Quiet hours: alerts inside a chat's window wait for its end or go silently."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.models import Chat
from bot.quiet import alert_timing


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def chat(start: str, end: str, *, tz: str | None = "Asia/Almaty", silent: bool = False) -> Chat:
    return Chat(
        1,
        timezone=tz,
        quiet_start=time.fromisoformat(start),
        quiet_end=time.fromisoformat(end),
        quiet_silent=silent,
    )


NIGHT = chat("23:00", "07:30")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Across midnight: late evening and early morning are inside, the day outside.
        ("2026-03-02T23:00+05:00", "2026-03-03T07:30+05:00"),
        ("2026-03-02T23:59+05:00", "2026-03-03T07:30+05:00"),
        ("2026-03-03T00:00+05:00", "2026-03-03T07:30+05:00"),
        ("2026-03-03T07:29+05:00", "2026-03-03T07:30+05:00"),
        ("2026-03-03T07:30+05:00", None),
        ("2026-03-03T12:00+05:00", None),
        ("2026-03-02T22:59+05:00", None),
        # The chat's zone decides: 18:30 UTC is 23:30 in Almaty.
        ("2026-03-02T18:30Z", "2026-03-03T07:30+05:00"),
    ],
)
def test_an_alert_in_quiet_hours_waits_for_their_end(now: str, expected: str | None) -> None:
    until = utc(expected) if expected else None
    assert alert_timing(NIGHT, utc(now)) == (until, False)


def test_a_window_within_one_day() -> None:
    lunch = chat("13:00", "14:00", tz="Europe/Moscow")
    assert alert_timing(lunch, utc("2026-03-02T13:15+03:00")) == (
        utc("2026-03-02T14:00+03:00"),
        False,
    )
    assert alert_timing(lunch, utc("2026-03-02T23:15+03:00")) == (None, False)


def test_a_chat_that_chose_silent_alerts_gets_them_at_once_without_sound() -> None:
    silent = chat("23:00", "07:30", silent=True)
    assert alert_timing(silent, utc("2026-03-03T02:00+05:00")) == (None, True)
    assert alert_timing(silent, utc("2026-03-03T12:00+05:00")) == (None, False)


def test_no_quiet_hours_send_at_once() -> None:
    assert alert_timing(Chat(1), utc("2026-03-03T02:00+05:00")) == (None, False)
    assert alert_timing(chat("07:00", "07:00"), utc("2026-03-03T07:00+05:00")) == (None, False)


def test_a_chat_on_the_default_zone_uses_the_one_given() -> None:
    night = chat("23:00", "07:30", tz=None)
    now = utc("2026-03-02T21:00Z")  # 02:00 in Almaty, 00:00 in Moscow
    assert alert_timing(night, now) == (utc("2026-03-03T07:30+05:00"), False)
    assert alert_timing(night, now, default_zone="Europe/Moscow") == (
        utc("2026-03-03T07:30+03:00"),
        False,
    )


def test_the_window_follows_the_wall_clock_across_dst() -> None:
    new_york = chat("23:00", "07:30", tz="America/New_York")
    # Spring forward on 2026-03-08: the night is an hour shorter, it still ends at 07:30 EDT.
    assert alert_timing(new_york, utc("2026-03-07T23:30-05:00")) == (
        utc("2026-03-08T07:30-04:00"),
        False,
    )
    # Fall back on 2026-11-01: an hour longer, ending at 07:30 EST.
    assert alert_timing(new_york, utc("2026-10-31T23:30-04:00")) == (
        utc("2026-11-01T07:30-05:00"),
        False,
    )


def test_an_end_in_the_repeated_autumn_hour_comes_at_its_first_occurrence() -> None:
    early = chat("00:30", "01:30", tz="America/New_York")
    # 01:30 happens twice on 2026-11-01; the window ends at the first.
    assert alert_timing(early, utc("2026-11-01T01:00-04:00")) == (
        utc("2026-11-01T01:30-04:00"),
        False,
    )
    # In the repeated hour the clock reads 01:10 again: inside, ending at the second 01:30.
    assert alert_timing(early, utc("2026-11-01T01:10-05:00")) == (
        utc("2026-11-01T01:30-05:00"),
        False,
    )


def test_an_end_the_spring_gap_skips_comes_past_the_gap() -> None:
    early = chat("01:00", "02:30", tz="America/New_York")
    assert alert_timing(early, utc("2026-03-08T01:45-05:00")) == (
        utc("2026-03-08T03:30-04:00"),
        False,
    )
