"""The schedule: a chat's digest comes at its local time, every local day, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.schedule import first_due, next_after, zone

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
