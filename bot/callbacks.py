"""Payloads of inline buttons, packed by aiogram's CallbackData (at most 64 bytes each).

Values that could be long — tag keys, search queries, paging cursors — never travel in a
payload: they are stored server-side (``ChatRepo.ref``) and the payload carries the short
integer reference.

A payload comes back from the client and may be forged: every number is bounded, so a
value the database could not hold fails to unpack like any other garbage, the button's
handler never sees it, and the catch-all answers that the button is stale.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL's bigint store
MAX_COUNT = 1_000_000  # offsets and item counts: far beyond any real list

Id = Annotated[int, Field(ge=0, le=MAX_ID)]
"""A row id or a stored reference."""
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""An offset or a number of items."""
ChatId = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]
"""A Telegram chat id (a channel's is negative)."""


class View(StrEnum):
    """Which message a tag button belongs to, so it can be redrawn in place."""

    TAGS = "t"  # /tags, /start and the empty /subscribe picker
    SUBSCRIPTIONS = "s"  # /subscriptions
    SUGGESTIONS = "g"  # suggestions for an unknown tag


class ReadArticle(CallbackData, prefix="r"):
    """Show the whole stored article."""

    article_id: Id


class MorePage(CallbackData, prefix="m"):
    """The next (older) page of a /latest or /search listing.

    ``ref`` names the stored query; the paging state travels here. When it would not fit,
    ``ref`` names the whole stored listing and ``cursor`` is empty.
    """

    ref: Id
    limit: Count = 0
    shown: Count = 0
    cursor: str = ""


class TagsPage(CallbackData, prefix="tp"):
    """Another page of the tag list."""

    offset: Count


class ToggleTag(CallbackData, prefix="tt"):
    """Subscribe to or unsubscribe from the tag stored under ``ref``, then redraw ``view``."""

    ref: Id
    view: View = View.TAGS
    offset: Count = 0


class ConfirmTag(CallbackData, prefix="ct"):
    """Subscribe to a tag that has no articles yet, after the user was told so."""

    ref: Id


class LatestForTag(CallbackData, prefix="lt"):
    """The newest items for the tag stored under ``ref``."""

    ref: Id


class SetTimezone(CallbackData, prefix="tz"):
    """Choose one of the common time zones (an IANA name, at most 32 characters)."""

    zone: Annotated[str, Field(max_length=64)]


class SetPaused(CallbackData, prefix="dp"):
    """Pause or resume the daily digest."""

    paused: bool


class SetDays(CallbackData, prefix="sd"):
    """The digest's weekdays: a mask, bit 0 Monday (one day: weekly)."""

    days: Annotated[int, Field(ge=1, le=0b1111111)]


class SetQuietSilent(CallbackData, prefix="qs"):
    """In quiet hours, send alerts silently (True) or hold them until the end (False)."""

    silent: bool


class StoryOutlets(CallbackData, prefix="so"):
    """The other outlets' headlines and links of the story ``story``."""

    story: Id


class DigestPage(CallbackData, prefix="dg"):
    """The next page of a digest's items past its cap: articles ``after < id <= upto``."""

    after: Id
    upto: Id
    offset: Count


class FollowLink(CallbackData, prefix="fl"):
    """Subscribe to the tag a deep link named by its id, once the user confirms."""

    tag: Id


class TagLink(CallbackData, prefix="tl"):
    """«🔗»: give the deep link that subscribes to the tag with this id."""

    tag: Id


class ChannelAction(StrEnum):
    MANAGE = "m"  # act for the channel, and show its panel
    PANEL = "p"  # show the panel again in place
    PREVIEW = "v"  # its next digest, shown in the private chat
    REMOVE = "r"  # ask to confirm
    REMOVE_CONFIRMED = "rr"
    LEAVE = "l"  # act for the private chat itself again


class ChannelPanel(CallbackData, prefix="ch"):
    """A button of ``/channels`` about one channel the user runs."""

    channel: ChatId
    action: ChannelAction


class ExportFeeds(CallbackData, prefix="xf"):
    """Send the feeds as an OPML document."""


ALL_CALLBACKS: tuple[type[CallbackData], ...] = (
    ReadArticle,
    MorePage,
    TagsPage,
    ToggleTag,
    ConfirmTag,
    LatestForTag,
    SetTimezone,
    SetPaused,
    DigestPage,
    StoryOutlets,
    FollowLink,
    TagLink,
    ChannelPanel,
    ExportFeeds,
)


class TagMode(CallbackData, prefix="tm"):
    """Switch the subscription to the tag stored under ``ref`` between digest and instant."""

    ref: Id


class FollowAction(StrEnum):
    MODE = "m"  # switch between digest and instant
    REMOVE = "r"  # stop following


class FollowButton(CallbackData, prefix="fw"):
    """A button of ``/subscriptions`` about one followed phrase (by the follow's id)."""

    follow: Id
    action: FollowAction


class Unmute(CallbackData, prefix="um"):
    """Lift the mute stored under ``ref`` (``mute:KIND:KEY``)."""

    ref: Id
