"""Dates of feed items: read in their own zone when they carry one, stored in UTC.

RSS gives RFC 822 dates (``Tue, 03 Mar 2026 12:53:00 +0500``), Atom ISO 8601 ones; a date
that names no zone is read in the bot's default zone (``DEFAULT_TIMEZONE``), which is what
a local outlet means by it, rather than in UTC as feedparser would. A date that cannot be
shown in UTC (year 1 in a zone east of Greenwich, year 9999 west of it) counts as no date.

No article is dated much later than now: a date past :func:`horizon` is a typo or a hostile
value, and stored as it is it would stay on top of ``/latest`` for ever.
"""

from __future__ import annotations

import calendar
import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

_DATE_ONLY = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*")
# A local day runs up to 14 hours ahead of UTC (date-only articles are dated by it) and
# clocks drift: a day past now covers both.
FUTURE_MARGIN = timedelta(days=1)


def horizon(now: datetime | None = None) -> datetime:
    """The latest publication time an article may credibly have."""
    return (now or datetime.now(UTC)) + FUTURE_MARGIN


def entry_date(entry: Mapping[str, Any], zone: tzinfo) -> tuple[datetime | None, bool]:
    """(UTC datetime, date_only) from the raw date text, read in its own zone if it has one."""
    for key in ("published", "updated", "created"):
        raw = raw_field(entry, key)
        if isinstance(raw, str) and raw.strip():
            parsed = _parse_date(raw, zone)
            if parsed is not None:
                return parsed
            struct = raw_field(entry, f"{key}_parsed")
            if struct:
                try:
                    return datetime.fromtimestamp(calendar.timegm(struct), UTC), False
                except (OverflowError, ValueError, OSError):
                    continue
    return None, False


def raw_field(entry: Mapping[str, Any], key: str) -> Any:
    """A field as parsed, without feedparser's deprecated ``updated``→``published`` alias."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _parse_date(raw: str, zone: tzinfo) -> tuple[datetime, bool] | None:
    if _DATE_ONLY.fullmatch(raw):
        try:
            return datetime.fromisoformat(raw.strip()).replace(tzinfo=UTC), True
        except ValueError:
            return None
    value: datetime | None
    try:
        value = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None:
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC), False
    except OverflowError:
        return None
