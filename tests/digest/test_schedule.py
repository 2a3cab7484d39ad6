"""The schedule: digests come at their local times, on their local weekdays, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.schedule import (
    Schedule,
    chat_schedule,
    first_due,
    interval,
    next_after,
    next_digest,
    zone,
)
from bot.models import EVERY_DAY, WEEKDAYS, Chat

ALMATY = ZoneInfo("Asia/Almaty")
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")
NINE = time(9, 0)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "tz", "at", "expected"),
    [
        # Before the time today: today; after it: tomorrow (local dates).
        ("2026-03-01T08:00+05:00", ALMATY, NINE, "2026-03-01T09:00+05:00"),
        ("2026-03-01T09:30+05:00", ALMATY, NINE, "2026-03-02T09:00+05:00"),
        ("2026-03-01T08:00+03:00", MOSCOW, NINE, "2026-03-01T09:00+03:00"),
        # The same UTC instant is a different local day in different zones.
        ("2026-03-01T20:30Z", ALMATY, time(1, 0), "2026-03-03T01:00+05:00"),  # 01:30 there
        ("2026-03-01T20:30Z", MOSCOW, time(1, 0), "2026-03-02T01:00+03:00"),  # 23:30 there
        # Midnight: 00:00 local is the start of the next local day.
        ("2026-03-01T23:59+05:00", ALMATY, time(0, 0), "2026-03-02T00:00+05:00"),
        ("2026-03-01T23:30+03:00", MOSCOW, time(23, 45), "2026-03-01T23:45+03:00"),
        # Exactly at the time: due now, not tomorrow.
        ("2026-03-01T09:00+05:00", ALMATY, NINE, "2026-03-01T09:00+05:00"),
    ],
)
def test_first_due_is_the_next_local_digest_time(
    now: str, tz: ZoneInfo, at: time, expected: str
) -> None:
    assert first_due(utc(now), utc(now), at, tz) == utc(expected)


def test_a_time_set_shortly_before_it_came_is_not_skipped_by_a_late_planner() -> None:
    changed = utc("2026-03-01T08:58+05:00")
    planner_runs = utc("2026-03-01T09:05+05:00")
    due = first_due(planner_runs, changed, NINE, ALMATY)
    assert due == utc("2026-03-01T09:00+05:00")
    assert due <= planner_runs  # so it is sent in this very pass


def test_a_change_long_ago_does_not_send_a_stale_digest() -> None:
    changed = utc("2026-02-20T08:00+05:00")
    now = utc("2026-03-01T12:00+05:00")
    assert first_due(now, changed, NINE, ALMATY) == utc("2026-03-02T09:00+05:00")


def test_a_changed_digest_time_applies_from_its_next_occurrence() -> None:
    # The chat received today's 09:00 digest, then moved its time to 18:00.
    now = utc("2026-03-01T10:00+03:00")
    assert first_due(now, now, time(18, 0), MOSCOW) == utc("2026-03-01T18:00+03:00")
    # ... or to 07:00: tomorrow, and not a second digest today.
    assert first_due(now, now, time(7, 0), MOSCOW) == utc("2026-03-02T07:00+03:00")


@pytest.mark.parametrize(
    ("due", "tz", "at", "expected"),
    [
        ("2026-03-01T09:00+05:00", ALMATY, NINE, "2026-03-02T09:00+05:00"),
        ("2026-12-31T09:00+03:00", MOSCOW, NINE, "2027-01-01T09:00+03:00"),
        ("2026-03-01T00:00+05:00", ALMATY, time(0, 0), "2026-03-02T00:00+05:00"),
        # New York springs forward on 2026-03-08: 09:00 EST, then 09:00 EDT (23 h later).
        ("2026-03-07T09:00-05:00", NEW_YORK, NINE, "2026-03-08T09:00-04:00"),
        ("2026-03-08T09:00-04:00", NEW_YORK, NINE, "2026-03-09T09:00-04:00"),
        # ... and falls back on 2026-11-01: 09:00 EDT, then 09:00 EST (25 h later).
        ("2026-10-31T09:00-04:00", NEW_YORK, NINE, "2026-11-01T09:00-05:00"),
    ],
)
def test_next_after_moves_one_local_day(due: str, tz: ZoneInfo, at: time, expected: str) -> None:
    assert next_after(utc(due), utc(due) + timedelta(seconds=5), at, tz) == utc(expected)


def test_dst_changes_keep_the_wall_clock_time_in_new_york() -> None:
    due = utc("2026-03-05T09:00-05:00")
    seen = []
    for _ in range(6):  # 5 March .. 10 March, across the spring change on the 8th
        seen.append(due.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z"))
        due = next_after(due, due, NINE, NEW_YORK)
    assert seen == [
        "03-05 09:00 EST",
        "03-06 09:00 EST",
        "03-07 09:00 EST",
        "03-08 09:00 EDT",
        "03-09 09:00 EDT",
        "03-10 09:00 EDT",
    ]


def test_a_skipped_local_time_is_sent_once_just_after_the_gap() -> None:
    # 02:30 does not exist in New York on 2026-03-08 (02:00 EST -> 03:00 EDT).
    at = time(2, 30)
    before = utc("2026-03-07T02:30-05:00")
    on_the_day = next_after(before, before, at, NEW_YORK)
    assert on_the_day == utc("2026-03-08T03:30-04:00")
    assert next_after(on_the_day, on_the_day, at, NEW_YORK) == utc("2026-03-09T02:30-04:00")


def test_a_repeated_local_time_is_sent_at_its_first_occurrence_only() -> None:
    # 01:30 happens twice in New York on 2026-11-01: first EDT, then EST.
    at = time(1, 30)
    before = utc("2026-10-31T01:30-04:00")
    first = next_after(before, before, at, NEW_YORK)
    assert first == utc("2026-11-01T01:30-04:00")
    # Planned between the two 01:30s, the next one is the following day, not the repeat.
    assert next_after(first, first + timedelta(minutes=30), at, NEW_YORK) == utc(
        "2026-11-02T01:30-05:00"
    )
    changed = first + timedelta(minutes=30)  # settings changed between the two
    assert first_due(changed, changed, at, NEW_YORK) == utc("2026-11-02T01:30-05:00")


def test_after_an_outage_one_digest_is_sent_and_the_schedule_resumes() -> None:
    due = utc("2026-03-01T09:00+05:00")
    back = utc("2026-03-04T15:00+05:00")  # down for three days
    assert next_after(due, back, NINE, ALMATY) == utc("2026-03-05T09:00+05:00")


def test_an_unknown_stored_zone_falls_back_to_the_default() -> None:
    assert zone("Mars/Olympus", "Asia/Almaty") == ALMATY
    assert zone(None, "Europe/Moscow") == MOSCOW


MORNING_EVENING = Schedule((time(8, 0), time(19, 0)))
SUNDAY = 1 << 6


@pytest.mark.parametrize(
    ("now", "schedule", "expected"),
    [
        # Several times a day: the next one of them, then tomorrow's first.
        ("2026-03-02T07:00+05:00", MORNING_EVENING, "2026-03-02T08:00+05:00"),
        ("2026-03-02T12:00+05:00", MORNING_EVENING, "2026-03-02T19:00+05:00"),
        ("2026-03-02T19:30+05:00", MORNING_EVENING, "2026-03-03T08:00+05:00"),
        # Monday to Friday: 2026-03-06 is a Friday, so after its digest comes Monday's.
        ("2026-03-06T09:30+05:00", Schedule((NINE,), WEEKDAYS), "2026-03-09T09:00+05:00"),
        ("2026-03-07T08:00+05:00", Schedule((NINE,), WEEKDAYS), "2026-03-09T09:00+05:00"),
        # Weekly on Sunday (2026-03-08): from Sunday after its time, the next Sunday.
        ("2026-03-04T12:00+05:00", Schedule((time(10, 0),), SUNDAY), "2026-03-08T10:00+05:00"),
        ("2026-03-08T10:01+05:00", Schedule((time(10, 0),), SUNDAY), "2026-03-15T10:00+05:00"),
        # The weekday is the chat's local one: 20:30 UTC on Saturday is Sunday in Almaty.
        ("2026-03-07T20:30Z", Schedule((time(1, 0),), SUNDAY), "2026-03-15T01:00+05:00"),
        ("2026-03-07T20:30Z", Schedule((time(2, 0),), SUNDAY), "2026-03-08T02:00+05:00"),
    ],
)
def test_first_due_follows_the_schedules_times_and_days(
    now: str, schedule: Schedule, expected: str
) -> None:
    assert first_due(utc(now), utc(now), schedule, ALMATY) == utc(expected)


def test_several_digests_a_day_keep_their_wall_clock_times_across_dst() -> None:
    due = utc("2026-03-07T08:00-05:00")
    seen = []
    for _ in range(6):
        seen.append(due.astimezone(NEW_YORK).strftime("%a %H:%M %Z"))
        due = next_after(due, due, MORNING_EVENING, NEW_YORK)
    assert seen == [
        "Sat 08:00 EST",
        "Sat 19:00 EST",
        "Sun 08:00 EDT",  # New York springs forward on Sunday 2026-03-08
        "Sun 19:00 EDT",
        "Mon 08:00 EDT",
        "Mon 19:00 EDT",
    ]


def test_weekdays_only_skip_the_weekend_across_the_autumn_change() -> None:
    # Europe falls back on Sunday 2026-10-25; Friday 09:00 CEST, then Monday 09:00 CET.
    berlin = ZoneInfo("Europe/Berlin")
    friday = utc("2026-10-23T09:00+02:00")
    assert next_after(friday, friday, Schedule((NINE,), WEEKDAYS), berlin) == utc(
        "2026-10-26T09:00+01:00"
    )


def test_after_an_outage_the_next_time_of_the_schedule_comes_once() -> None:
    due = utc("2026-03-02T08:00+05:00")
    back = utc("2026-03-02T20:00+05:00")  # down through the 19:00 digest
    assert next_after(due, back, MORNING_EVENING, ALMATY) == utc("2026-03-03T08:00+05:00")


@pytest.mark.parametrize(
    ("due", "schedule", "hours"),
    [
        ("2026-03-02T19:00+05:00", MORNING_EVENING, 11),
        ("2026-03-03T08:00+05:00", MORNING_EVENING, 13),
        ("2026-03-09T09:00+05:00", Schedule((NINE,), WEEKDAYS), 72),  # Monday: since Friday
        ("2026-03-10T09:00+05:00", Schedule((NINE,), WEEKDAYS), 24),
        ("2026-03-08T10:00+05:00", Schedule((time(10, 0),), SUNDAY), 7 * 24),
        # Across New York's spring change the local day is 23 hours long.
        ("2026-03-08T09:00-04:00", Schedule((NINE,)), 23),
    ],
)
def test_interval_is_the_time_since_the_schedules_previous_digest(
    due: str, schedule: Schedule, hours: int
) -> None:
    tz = NEW_YORK if due.endswith("-04:00") else ALMATY
    assert interval(utc(due), schedule, tz) == timedelta(hours=hours)


def test_a_chat_from_before_schedules_keeps_its_one_time() -> None:
    old = Chat(1, digest_time=time(7, 30))
    assert chat_schedule(old, NINE) == Schedule((time(7, 30),), EVERY_DAY)
    assert chat_schedule(Chat(2), NINE) == Schedule((NINE,))
    both = Chat(3, digest_time=time(8), digest_times=(time(19), time(8)), digest_days=WEEKDAYS)
    assert chat_schedule(both, NINE) == Schedule((time(8), time(19)), WEEKDAYS)


def test_next_digest_shows_the_first_time_the_planner_will_choose() -> None:
    chat = Chat(1, digest_times=(time(8), time(19)))
    now = utc("2026-03-02T12:00+05:00")
    assert next_digest(chat, now, NINE, "Asia/Almaty") == utc("2026-03-02T19:00+05:00")
    chat.paused = True
    assert next_digest(chat, now, NINE, "Asia/Almaty") is None


@pytest.mark.parametrize(("times", "days"), [((), EVERY_DAY), ((NINE,), 0), ((NINE,), 128)])
def test_a_schedule_without_a_time_or_a_day_is_refused(times: tuple[time, ...], days: int) -> None:
    with pytest.raises(ValueError, match="needs a time and a day"):
        Schedule(times, days)
