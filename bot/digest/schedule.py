"""When a chat's digest is due: its local digest time, as an instant in UTC.

The schedule is kept as one number per chat (``chats.next_digest_at``) and moved forward by
local calendar days, never by adding 24 hours, so the digest stays at 09:00 local time across
daylight-saving changes. A local time that a spring-forward gap skips (02:30 in New York on
the second Sunday of March) is sent at the same distance past the gap (03:30 daylight time);
a time that happens twice in autumn is sent at its first occurrence only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import Chat

# How far back a chat's settings change may reach when its next due instant is computed:
# a planner that runs every few minutes (or an hourly cron job) still sends the digest of a
# chat whose time was set shortly before that time came.
SETTINGS_GRACE = timedelta(hours=1)


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


def first_at_or_after(moment: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first instant ``>= moment`` whose local wall-clock time in ``tz`` is ``at``."""
    day = moment.astimezone(tz).date() - timedelta(days=1)
    while True:
        candidate = at_local(day, at, tz)
        if candidate >= moment:
            return candidate
        day += timedelta(days=1)


def first_due(now: datetime, changed_at: datetime | None, at: time, tz: ZoneInfo) -> datetime:
    """The due instant of a chat that has none (new chat, or time/zone/pause just changed).

    Counted from the settings change, at most :data:`SETTINGS_GRACE` back and never ahead of
    ``now``, so a change made at 08:58 to a 09:00 digest is not skipped by a planner whose
    next pass comes at 09:05; a result ``<= now`` is due at once.
    """
    since = now - SETTINGS_GRACE
    if changed_at is not None:
        since = min(max(changed_at, since), now)
    return first_at_or_after(since, at, tz)


def next_after(due: datetime, now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The instant after a digest that was due at ``due`` and built at ``now``.

    The next local calendar day at ``at``; when the process was down past that, the first
    one after ``now`` instead, so a long outage yields one digest, not one per missed day.
    """
    day = due.astimezone(tz).date() + timedelta(days=1)
    following = at_local(day, at, tz)
    while following <= due:  # cannot happen with real zones, kept as a guard
        day += timedelta(days=1)
        following = at_local(day, at, tz)
    if following <= now:
        following = first_at_or_after(now + timedelta(microseconds=1), at, tz)
    return following


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
    at = chat.digest_time or default_time
    return first_due(now, now, at, zone(chat.timezone, default_zone))
