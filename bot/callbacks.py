"""Payloads of inline buttons, packed by aiogram's CallbackData (at most 64 bytes each).

Values that could be long — tag keys, search queries, paging cursors — never travel in a
payload: they are stored server-side (``ChatRepo.ref``) and the payload carries the short
integer reference.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class View(StrEnum):
    """Which message a tag button belongs to, so it can be redrawn in place."""

    TAGS = "t"  # /tags, /start and the empty /subscribe picker
    SUBSCRIPTIONS = "s"  # /subscriptions
    SUGGESTIONS = "g"  # suggestions for an unknown tag


class ReadArticle(CallbackData, prefix="r"):
    """Show the whole stored article."""

    article_id: int


class MorePage(CallbackData, prefix="m"):
    """The next (older) page of a /latest or /search listing.

    ``ref`` names the stored query; the paging state travels here. When it would not fit,
    ``ref`` names the whole stored listing and ``cursor`` is empty.
    """

    ref: int
    limit: int = 0
    shown: int = 0
    cursor: str = ""


class TagsPage(CallbackData, prefix="tp"):
    """Another page of the tag list."""

    offset: int


class ToggleTag(CallbackData, prefix="tt"):
    """Subscribe to or unsubscribe from the tag stored under ``ref``, then redraw ``view``."""

    ref: int
    view: View = View.TAGS
    offset: int = 0


class ConfirmTag(CallbackData, prefix="ct"):
    """Subscribe to a tag that has no articles yet, after the user was told so."""

    ref: int


class LatestForTag(CallbackData, prefix="lt"):
    """The newest items for the tag stored under ``ref``."""

    ref: int


class SetTimezone(CallbackData, prefix="tz"):
    """Choose one of the common time zones (an IANA name, at most 32 characters)."""

    zone: str


class SetPaused(CallbackData, prefix="dp"):
    """Pause or resume the daily digest."""

    paused: bool


ALL_CALLBACKS: tuple[type[CallbackData], ...] = (
    ReadArticle,
    MorePage,
    TagsPage,
    ToggleTag,
    ConfirmTag,
    LatestForTag,
    SetTimezone,
    SetPaused,
)
