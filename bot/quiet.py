"""Quiet hours: whether an instant alert goes now, waits for the window's end, or goes silently.

A chat's quiet hours are two local wall-clock times in its zone (``quiet_start`` to
``quiet_end``; across midnight when the end comes first: 23:00-07:30). Inside them an alert
waits until the end, or, if the chat chose so, is sent at once with
``disable_notification``. Pure: the alert worker asks :func:`alert_timing` for each alert.

Daylight-saving changes follow the wall clock: the window ends when the chat's clock first
reads ``quiet_end`` (the first of two, when autumn repeats an hour; when spring skips it,
as far past the gap as the end lay inside it, as digests do).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.digest.schedule import zone
from bot.models import Chat

DEFAULT_ZONE = "Asia/Almaty"
"""``DEFAULT_TIMEZONE``'s own default; callers that know the configured one pass it."""


def inside(at: time, start: time, end: time) -> bool:
    """Whether the wall-clock time ``at`` lies in ``[start, end)``, across midnight too."""
    if start <= end:
        return start <= at < end
    return at >= start or at < end


def window_end(now: datetime, end: time, tz: ZoneInfo) -> datetime:
    """The first instant after ``now`` at which the wall clock in ``tz`` reads ``end``."""
    day = now.astimezone(tz).date()
    for offset in range(3):
        current = day + timedelta(days=offset)
        real = []
        for fold in (0, 1):
            local = datetime.combine(current, end, tzinfo=tz).replace(fold=fold)
            moment = local.astimezone(UTC)
            if moment.astimezone(tz).time() == end:  # not a time the clock skips
                real.append(moment)
        if not real:  # skipped: as far past the gap as it lay inside it
            real = [datetime.combine(current, end, tzinfo=tz).astimezone(UTC)]
        later = [moment for moment in real if moment > now]
        if later:
            return min(later)
    raise AssertionError("a wall-clock time comes within two days")


def alert_timing(
    chat: Chat, now: datetime, *, default_zone: str = DEFAULT_ZONE
) -> tuple[datetime | None, bool]:
    """When and how an alert to ``chat`` goes at ``now``: ``(hold_until, silent)``.

    ``(the UTC instant the quiet hours end, False)`` inside them when the chat holds alerts;
    ``(None, True)`` inside them when it chose silent ones; ``(None, False)`` outside them,
    or when it has none. ``default_zone`` is for a chat on the default zone.
    """
    start, end = chat.quiet_start, chat.quiet_end
    if start is None or end is None or start == end:
        return None, False
    tz = zone(chat.timezone, default_zone)
    if not inside(now.astimezone(tz).time().replace(tzinfo=None), start, end):
        return None, False
    if chat.quiet_silent:
        return None, True
    return window_end(now, end, tz), False
