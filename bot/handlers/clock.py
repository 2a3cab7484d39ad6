"""Times and time zones as people write them, and zones named in the reader's language.

``/time`` takes ``8``, ``07:30``, ``7.30``, ``7-30``, ``7h30``, ``0730`` or ``7:30 pm``.
``/timezone`` takes an IANA name in any case (``asia/almaty``) or its city (``Almaty``,
``new york``), a city in Russian or English (``Москва``, ``Нью-Йорк``, from Babel's
CLDR data), an offset (``UTC+3``, ``GMT+5``, ``+03:00``, ``UTC-3:30``), Moscow time with
an offset (``MSK``, ``МСК+2``) or a common abbreviation of the region (``YEKT``, ``ALMT``).
Every answer is an IANA name, which is what is stored: a whole-hour offset becomes
``Etc/GMT-3`` (the IANA sign is inverted), another one the first zone that keeps it all year.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.core import get_global
from babel.dates import get_timezone_location

from bot.i18n import LOCALES

MOSCOW = "Europe/Moscow"
MOSCOW_OFFSET = 3  # hours; Moscow has kept UTC+3 all year since 2014

_TIME = re.compile(
    r"(?P<hour>\d{1,2})(?:\s*(?:[:.\-hHчЧ]|\s)\s*(?P<minute>\d{2}))?"
    r"\s*(?P<half>[aApP]\.?\s*[mM]\.?)?"
)
_COMPACT_TIME = re.compile(r"(?P<hour>\d{1,2})(?P<minute>\d{2})")
_OFFSET = re.compile(
    r"(?P<base>utc|gmt|ut|msk|мск|z)?\s*"
    r"(?:(?P<sign>[+\-−–])\s*(?P<hours>\d{1,2})(?:\s*[:.]?\s*(?P<minutes>\d{2}))?)?"
)
# Abbreviations people in the region write; names IANA knows itself (CET, EET, EST …) are
# found as zone names.
ABBREVIATIONS = {
    "msk": MOSCOW,
    "мск": MOSCOW,
    "kalt": "Europe/Kaliningrad",
    "samt": "Europe/Samara",
    "yekt": "Asia/Yekaterinburg",
    "omst": "Asia/Omsk",
    "novt": "Asia/Novosibirsk",
    "krat": "Asia/Krasnoyarsk",
    "irkt": "Asia/Irkutsk",
    "yakt": "Asia/Yakutsk",
    "vlat": "Asia/Vladivostok",
    "magt": "Asia/Magadan",
    "pett": "Asia/Kamchatka",
    "almt": "Asia/Almaty",
    "aqtt": "Asia/Aqtau",
    "orat": "Asia/Oral",
    "qyzt": "Asia/Qyzylorda",
}
# Cities of the region with no zone of their own (nor a CLDR name): the zone they keep.
CITIES = {
    "астана": "Asia/Almaty",
    "astana": "Asia/Almaty",
    "нур-султан": "Asia/Almaty",
    "nur-sultan": "Asia/Almaty",
    "шымкент": "Asia/Almaty",
    "shymkent": "Asia/Almaty",
    "караганда": "Asia/Almaty",
    "karaganda": "Asia/Almaty",
    "санкт-петербург": MOSCOW,
    "петербург": MOSCOW,
    "saint_petersburg": MOSCOW,
    "st._petersburg": MOSCOW,
    "казань": MOSCOW,
    "kazan": MOSCOW,
    "нижний_новгород": MOSCOW,
    "уфа": "Asia/Yekaterinburg",
    "челябинск": "Asia/Yekaterinburg",
    "пермь": "Asia/Yekaterinburg",
    "тюмень": "Asia/Yekaterinburg",
    "хабаровск": "Asia/Vladivostok",
}
_NOT_ZONES = {"localtime", "Factory"}


def parse_time(text: str) -> time | None:
    """The wall-clock time in ``text``, or ``None`` if it is not one."""
    text = text.strip()
    compact = _COMPACT_TIME.fullmatch(text)
    match = compact or _TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = None if compact else match["half"]
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half[0] in "pP" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone, keyed by its name and by its city, casefolded, spaces as ``_``."""
    names = zoneinfo.available_timezones() - _NOT_ZONES
    aliases = {  # an old name to the current one (Europe/Kiev to Europe/Kyiv)
        old: new for old, new in get_global("zone_aliases").items() if new in names
    }
    # Cities by themselves, but not Etc/GMT+5 as "GMT+5": IANA's sign there is inverted, and
    # people who write GMT+5 mean five hours ahead.
    table = {
        name.split("/")[-1].casefold(): name
        for name in sorted(names)
        if "/" in name and not name.startswith("Etc/")
    }
    table.update({name.casefold(): name for name in names})
    return {key: aliases.get(name, name) for key, name in table.items()}


@functools.cache
def _city_names() -> dict[str, str]:
    """Zones by the name of their city in each interface language (``москва``)."""
    table: dict[str, str] = {}
    for name in sorted(set(_zone_names().values())):
        if "/" not in name or name.startswith("Etc/"):
            continue
        for locale in LOCALES:
            city = get_timezone_location(name, locale, return_city=True)
            table.setdefault(_key(city), name)
    return table


def _key(text: str) -> str:
    return "_".join(text.split()).casefold().replace("ё", "е")


def offset_zone(minutes: int, now: datetime | None = None) -> str | None:
    """An IANA zone that is ``minutes`` ahead of UTC all year, or ``None`` if none is."""
    if minutes % 60 == 0:
        hours = minutes // 60
        if not -12 <= hours <= 14:
            return None
        return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
    now = now or datetime.now(UTC)
    wanted = timedelta(minutes=minutes)
    half_year = now + timedelta(days=182)
    for name in sorted(set(_zone_names().values())):
        tz = ZoneInfo(name)
        if now.astimezone(tz).utcoffset() == wanted == half_year.astimezone(tz).utcoffset():
            return name
    return None


def _resolve_offset(text: str) -> str | None:
    match = _OFFSET.fullmatch(text)
    if match is None or not (match["base"] or match["sign"]):
        return None
    base = (match["base"] or "").casefold()
    if not match["sign"]:
        return MOSCOW if base in ("msk", "мск") else "UTC"
    minutes = int(match["hours"]) * 60 + int(match["minutes"] or 0)
    if match["sign"] != "+":
        minutes = -minutes
    if base in ("msk", "мск"):
        minutes += MOSCOW_OFFSET * 60
    return offset_zone(minutes)


def resolve_timezone(text: str) -> str | None:
    """The IANA name of the zone ``text`` names (see the module docstring), or ``None``."""
    key = _key(text)
    if not key or len(key) > 64:
        return None
    dashes = key.replace("-", "_")  # new-york as new_york
    return (
        _zone_names().get(key)
        or _zone_names().get(dashes)
        or ABBREVIATIONS.get(key)
        or CITIES.get(key)
        or _resolve_offset(text.strip().casefold())
        or _city_names().get(key)
        or _city_names().get(dashes)
    )


def utc_offset(name: str, now: datetime | None = None) -> str:
    """``UTC+03:00``: the zone's offset now."""
    offset = (now or datetime.now(UTC)).astimezone(ZoneInfo(name)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def zone_label(name: str, locale: str, now: datetime | None = None) -> str:
    """``Москва (UTC+03:00)`` in Russian, ``Moscow (UTC+03:00)`` in English; an offset zone
    is its offset alone."""
    offset = utc_offset(name, now)
    if "/" not in name or name.startswith("Etc/"):
        return "UTC" if offset == "UTC+00:00" else offset
    return f"{get_timezone_location(name, locale, return_city=True)} ({offset})"
