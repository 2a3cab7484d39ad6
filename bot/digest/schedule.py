"""When a chat's digest is due: its schedule's local times, as instants in UTC.

A schedule is up to :data:`MAX_TIMES` local times on a set of weekdays (every day, Monday
to Friday, one day a week …). The next due instant is kept as one number per chat
(``chats.next_digest_at``) and found on local calendar days, never by adding hours, so the
digest stays at 09:00 local time across daylight-saving changes. A local time that a
spring-forward gap skips (02:30 in New York on the second Sunday of March) is sent at the
same distance past the gap (03:30 daylight time); a time that happens twice in autumn is
sent at its first occurrence only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import EVERY_DAY, Chat

# How far back a chat's settings change may reach when its next due instant is computed:
# a planner that runs every few minutes (or an hourly cron job) still sends the digest of a
# chat whose time was set shortly before that time came.
SETTINGS_GRACE = timedelta(hours=1)
MAX_TIMES = 6
"""Digests a day, at most: each one a message, and people asked for morning and evening."""
_SEARCH_DAYS = 9  # a week and the days a zone's calendar may skip or repeat


@dataclass(frozen=True, slots=True)
class Schedule:
    """Local digest times (sorted, distinct, at least one) on the weekdays of ``days``."""

    times: tuple[time, ...]
    days: int = EVERY_DAY

    def __post_init__(self) -> None:
        if not self.times or not 0 < self.days <= EVERY_DAY:
            raise ValueError("a schedule needs a time and a day")

    def on(self, day: date) -> bool:
        return bool(self.days >> day.weekday() & 1)

    @property
    def weekly(self) -> bool:
        return self.days.bit_count() == 1


def schedule_of(at: time | Schedule) -> Schedule:
    return at if isinstance(at, Schedule) else Schedule((at,))


def stored_schedule(times: Sequence[time], days: int, default_time: time) -> Schedule:
    """A schedule as stored: no times is ``DIGEST_TIME``; no days, or a mask out of range,
    every day."""
    return Schedule(tuple(sorted(set(times or (default_time,)))), (days & EVERY_DAY) or EVERY_DAY)


def chat_schedule(chat: Chat, default_time: time) -> Schedule:
    """The chat's schedule: its times (``DIGEST_TIME`` while it has none) on its days."""
    times = chat.digest_times or ((chat.digest_time,) if chat.digest_time else ())
    return stored_schedule(times, chat.digest_days, default_time)


def zone(name: str | None, default: str) -> ZoneInfo:
    """The chat's time zone; an unknown stored name falls back to the default zone."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``at`` in ``tz``, as an aware UTC instant.

    ``fold=0`` picks the first of two ambiguous instants; for a skipped time it uses the
    offset before the gap, which lands after the gap by the gap's length.
    """
    local = datetime.combine(day, at, tzinfo=tz).replace(fold=0)
    return local.astimezone(UTC)


def _on_day(day: date, schedule: Schedule, tz: ZoneInfo) -> list[datetime]:
    return [at_local(day, at, tz) for at in schedule.times] if schedule.on(day) else []


def first_at_or_after(moment: datetime, at: time | Schedule, tz: ZoneInfo) -> datetime:
    """The first instant ``>= moment`` that the schedule (or one local time) names in ``tz``."""
    schedule = schedule_of(at)
    day = moment.astimezone(tz).date() - timedelta(days=1)
    found: list[datetime] = []
    for _ in range(_SEARCH_DAYS):
        later = [c for c in _on_day(day, schedule, tz) if c >= moment]
        if found:
            return min(found + later)
        if later:
            first = min(later)
            if first.astimezone(tz).date() <= day:
                return first
            found = later  # pushed past midnight by a gap: the next day's first may be earlier
        day += timedelta(days=1)
    if found:
        return min(found)
    raise AssertionError("every schedule has a day within a week")


def last_before(moment: datetime, at: time | Schedule, tz: ZoneInfo) -> datetime:
    """The last instant ``< moment`` that the schedule names in ``tz``."""
    schedule = schedule_of(at)
    day = moment.astimezone(tz).date() + timedelta(days=1)
    found: list[datetime] = []
    for _ in range(_SEARCH_DAYS):
        earlier = [c for c in _on_day(day, schedule, tz) if c < moment]
        if found:
            return max(found + earlier)
        found = earlier
        day -= timedelta(days=1)
    if found:
        return max(found)
    raise AssertionError("every schedule has a day within a week")


def first_due(
    now: datetime, changed_at: datetime | None, at: time | Schedule, tz: ZoneInfo
) -> datetime:
    """The due instant of a chat that has none (new chat, or schedule/zone/pause changed).

    Counted from the settings change, at most :data:`SETTINGS_GRACE` back and never ahead of
    ``now``, so a change made at 08:58 to a 09:00 digest is not skipped by a planner whose
    next pass comes at 09:05; a result ``<= now`` is due at once.
    """
    since = now - SETTINGS_GRACE
    if changed_at is not None:
        since = min(max(changed_at, since), now)
    return first_at_or_after(since, at, tz)


def next_after(due: datetime, now: datetime, at: time | Schedule, tz: ZoneInfo) -> datetime:
    """The instant after a digest that was due at ``due`` and built at ``now``.

    The schedule's next time after ``due``; when the process was down past that, the first
    one after ``now`` instead, so a long outage yields one digest, not one per missed time.
    """
    following = first_at_or_after(due + timedelta(microseconds=1), at, tz)
    if following <= now:
        following = first_at_or_after(now + timedelta(microseconds=1), at, tz)
    return following


def interval(due: datetime, at: time | Schedule, tz: ZoneInfo) -> timedelta:
    """How long before ``due`` the schedule's previous digest was: a day for a daily one,
    the weekend and Friday night for Monday's of a Monday-to-Friday one, a week for a
    weekly one. A digest reads news back at least this far."""
    return due - last_before(due, at, tz)


def next_digest(
    chat: Chat, now: datetime, default_time: time, default_zone: str
) -> datetime | None:
    """When the chat's next digest is due (UTC), for showing it; ``None`` while paused.

    The stored instant once the planner has set it; before that (a new chat, or settings
    changed a moment ago), the first one the planner will choose.
    """
    if chat.paused:
        return None
    if chat.next_digest_at is not None:
        return chat.next_digest_at
    schedule = chat_schedule(chat, default_time)
    return first_due(now, now, schedule, zone(chat.timezone, default_zone))
