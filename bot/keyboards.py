"""Inline keyboards. Labels come from the catalogues, payloads from :mod:`bot.callbacks`."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    ConfirmTag,
    LatestForTag,
    MorePage,
    ReadArticle,
    SetPaused,
    SetTimezone,
    StoryOutlets,
    TagsPage,
    ToggleTag,
    View,
)
from bot.models import Tag
from bot.text.tags import telegram_hashtag

READ_BUTTONS_PER_ROW = 5
OUTLETS_BUTTONS_PER_ROW = 4
TAG_BUTTONS_PER_ROW = 2

# The time zones offered as buttons: Kazakhstan's, then Russia's from west to east.
COMMON_TIMEZONES = (
    "Asia/Almaty",
    "Asia/Aqtau",
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Vladivostok",
)


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(len(buttons)) if i % width == 0]


def tag_label(tag: Tag, *, subscribed: bool, count: bool = True, rising: bool = False) -> str:
    hashtag = telegram_hashtag(tag.display)
    text = f"{hashtag} · {tag.count}" if count and tag.count else hashtag
    if rising:
        text = _("button.tag_rising").format(tag=text)
    return _("button.tag_on").format(tag=text) if subscribed else text


def tags_keyboard(
    tags: Sequence[Tag],
    refs: Sequence[int],
    subscribed: set[str],
    *,
    offset: int,
    page_size: int,
    has_next: bool,
    rising: Collection[str] = (),
) -> InlineKeyboardMarkup:
    """The tag picker: one toggle per tag (✅ when subscribed, 📈 when on the rise) and page
    arrows."""
    buttons = [
        _button(
            tag_label(tag, subscribed=tag.key in subscribed, rising=tag.key in rising),
            ToggleTag(ref=ref, view=View.TAGS, offset=offset).pack(),
        )
        for tag, ref in zip(tags, refs, strict=True)
    ]
    rows = _rows(buttons, TAG_BUTTONS_PER_ROW)
    nav = []
    if offset > 0:
        nav.append(_button(_("button.prev"), TagsPage(offset=max(0, offset - page_size)).pack()))
    if has_next:
        nav.append(_button(_("button.next"), TagsPage(offset=offset + page_size).pack()))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def subscriptions_keyboard(tags: Sequence[Tag], refs: Sequence[int]) -> InlineKeyboardMarkup:
    """One "remove" button per subscribed tag."""
    buttons = [
        _button(
            _("button.remove_tag").format(tag=telegram_hashtag(tag.display)),
            ToggleTag(ref=ref, view=View.SUBSCRIPTIONS).pack(),
        )
        for tag, ref in zip(tags, refs, strict=True)
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, TAG_BUTTONS_PER_ROW))


def suggestions_keyboard(
    unknown: Sequence[tuple[Tag, int]],
    suggested: Sequence[tuple[Tag, int]],
    subscribed: set[str],
) -> InlineKeyboardMarkup:
    """For unknown tags: "subscribe anyway" buttons, then toggles for the closest tags."""
    rows = [
        [
            _button(
                _("button.subscribe_anyway").format(tag=telegram_hashtag(tag.display)),
                ConfirmTag(ref=ref).pack(),
            )
        ]
        for tag, ref in unknown
        if tag.key not in subscribed
    ]
    buttons = [
        _button(
            tag_label(tag, subscribed=tag.key in subscribed, count=False),
            ToggleTag(ref=ref, view=View.SUGGESTIONS).pack(),
        )
        for tag, ref in suggested
    ]
    rows.extend(_rows(buttons, TAG_BUTTONS_PER_ROW))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def latest_suggestions_keyboard(suggested: Sequence[tuple[Tag, int]]) -> InlineKeyboardMarkup:
    """Buttons showing the newest items for each suggested tag."""
    buttons = [
        _button(telegram_hashtag(tag.display), LatestForTag(ref=ref).pack())
        for tag, ref in suggested
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, TAG_BUTTONS_PER_ROW))


def items_keyboard(
    numbered: Sequence[tuple[int, int]],
    more: MorePage | None = None,
    outlets: Sequence[tuple[int, int, int]] = (),
) -> InlineKeyboardMarkup | None:
    """Buttons to read each ``(number, article_id)`` item, to see the other outlets of each
    ``(number, story, others)`` story, and, if given, to see more."""
    buttons = [
        _button(_("button.read").format(n=number), ReadArticle(article_id=article_id).pack())
        for number, article_id in numbered
    ]
    rows = _rows(buttons, READ_BUTTONS_PER_ROW)
    rows.extend(
        _rows(
            [
                _button(
                    _("button.outlets").format(n=number, count=others),
                    StoryOutlets(story=story).pack(),
                )
                for number, story, others in outlets
            ],
            OUTLETS_BUTTONS_PER_ROW,
        )
    )
    if more is not None:
        rows.append([_button(_("button.more"), more.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def without_more(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard with its "more" button removed (once the next page is shown)."""
    return without_buttons(markup, MorePage)


def without_buttons(
    markup: InlineKeyboardMarkup | None, kind: type[CallbackData]
) -> InlineKeyboardMarkup | None:
    """The keyboard without the buttons whose payload is of ``kind``; None if none are left."""
    if markup is None:
        return None
    prefix = kind.__prefix__ + kind.__separator__
    rows = [
        [b for b in row if not (b.callback_data or "").startswith(prefix)]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def settings_keyboard(
    zones: Sequence[tuple[str, str]], current: str, *, paused: bool
) -> InlineKeyboardMarkup:
    """Time zones as ``(IANA name, label)`` (the current one marked) and the pause switch."""
    buttons = [
        _button(
            _("button.current").format(label=label) if zone == current else label,
            SetTimezone(zone=zone).pack(),
        )
        for zone, label in zones
    ]
    rows = _rows(buttons, 2)
    toggle = _("button.resume") if paused else _("button.pause")
    rows.append([_button(toggle, SetPaused(paused=not paused).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)
