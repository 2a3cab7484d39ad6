"""Inline keyboards. Labels come from the catalogues, payloads from :mod:`bot.callbacks`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from urllib.parse import urlencode

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    ChatAdministratorRights,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestChat,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    ChannelAction,
    ChannelPanel,
    ConfirmTag,
    ExportFeeds,
    FollowAction,
    FollowButton,
    FollowLink,
    LatestForTag,
    MorePage,
    ReadArticle,
    SetDays,
    SetPaused,
    SetQuietSilent,
    SetTimezone,
    StoryOutlets,
    TagLink,
    TagMode,
    TagsPage,
    ToggleTag,
    Unmute,
    View,
)
from bot.follows import Follow
from bot.models import EVERY_DAY, WEEKDAYS, Chat, Tag
from bot.render import shorten
from bot.text.tags import telegram_hashtag

READ_BUTTONS_PER_ROW = 5
PHRASE_LABEL = 32  # characters of a followed phrase on its button
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


def mode_label(mode: str) -> str:
    """A subscription's mode as its button shows it (pressing switches it)."""
    return _("button.mode_instant") if mode == "instant" else _("button.mode_digest")


def subscriptions_keyboard(
    tags: Sequence[Tag],
    refs: Sequence[int],
    modes: dict[str, str] | None = None,
    follows: Sequence[Follow] = (),
    mutes: Sequence[tuple[str, int]] = (),
) -> InlineKeyboardMarkup:
    """A row per subscribed tag and per followed phrase: "remove" and its mode; then a
    button per mute that lifts it (``mutes``: its label and reference)."""
    modes = modes or {}
    rows = [
        [
            _button(
                _("button.remove_tag").format(tag=telegram_hashtag(tag.display)),
                ToggleTag(ref=ref, view=View.SUBSCRIPTIONS).pack(),
            ),
            _button(mode_label(modes.get(tag.key, "digest")), TagMode(ref=ref).pack()),
        ]
        for tag, ref in zip(tags, refs, strict=True)
    ]
    rows += [
        [
            _button(
                _("button.remove_follow").format(
                    phrase=shorten(follow.phrase.replace('"', ""), PHRASE_LABEL)
                ),
                FollowButton(follow=follow.id, action=FollowAction.REMOVE).pack(),
            ),
            _button(
                mode_label(follow.mode),
                FollowButton(follow=follow.id, action=FollowAction.MODE).pack(),
            ),
        ]
        for follow in follows
    ]
    buttons = [
        _button(_("button.unmute").format(target=label), Unmute(ref=ref).pack())
        for label, ref in mutes
    ]
    rows += _rows(buttons, TAG_BUTTONS_PER_ROW)
    return InlineKeyboardMarkup(inline_keyboard=rows)


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
    footer: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup | None:
    """Buttons to read each ``(number, article_id)`` item, to see the other outlets of each
    ``(number, story, others)`` story, and, if given, to see more, then the ``footer`` row
    (such as a tag's «🔗»)."""
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
    if footer:
        rows.append(list(footer))
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
    zones: Sequence[tuple[str, str]],
    current: str,
    *,
    paused: bool,
    days: int = EVERY_DAY,
    day_names: Sequence[str] = (),
    quiet_silent: bool | None = None,
) -> InlineKeyboardMarkup:
    """The digest's weekdays (each a switch; ``day_names`` from Monday), every day and
    weekdays at one tap; time zones as ``(IANA name, label)`` (the current one marked); the
    quiet-hours mode when the chat has quiet hours (``quiet_silent`` not ``None``); pause."""
    rows: list[list[InlineKeyboardButton]] = []
    if day_names:
        switches = []
        for day, name in enumerate(day_names):
            bit = 1 << day
            on = bool(days & bit)
            # The last day on stays on: a schedule needs one.
            toggled = days ^ bit if days ^ bit else days
            label = _("button.day_on").format(day=name) if on else name
            switches.append(_button(label, SetDays(days=toggled).pack()))
        rows.append(switches)
        rows.append(
            [
                _button(_("button.every_day"), SetDays(days=EVERY_DAY).pack()),
                _button(_("button.weekdays"), SetDays(days=WEEKDAYS).pack()),
            ]
        )
    buttons = [
        _button(
            _("button.current").format(label=label) if zone == current else label,
            SetTimezone(zone=zone).pack(),
        )
        for zone, label in zones
    ]
    rows += _rows(buttons, 2)
    if quiet_silent is not None:
        mode = _("button.quiet_silent") if quiet_silent else _("button.quiet_hold")
        rows.append([_button(mode, SetQuietSilent(silent=not quiet_silent).pack())])
    toggle = _("button.resume") if paused else _("button.pause")
    rows.append([_button(toggle, SetPaused(paused=not paused).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# -- deep links, channels, OPML ------------------------------------------------------------

LABEL_CHARS = 40  # a tag or channel title inside a button's label


def _short_tag(tag: Tag) -> str:
    return shorten(telegram_hashtag(tag.display), LABEL_CHARS)


def tag_link_button(tag: Tag, tag_id: int) -> InlineKeyboardButton:
    """«🔗 #Tag»: gives the link that subscribes to the tag in one tap.

    A listing or a digest puts it under a tag's items (``tag_id`` from
    :meth:`~bot.storage.ArticleRepo.tag_ids`); a digest writing its keyboard as JSON takes
    ``tag_link_button(…).model_dump_json(exclude_none=True)``.
    """
    label = _("button.tag_link").format(tag=_short_tag(tag))
    return _button(label, TagLink(tag=tag_id).pack())


def follow_link_keyboard(tag: Tag, tag_id: int) -> InlineKeyboardMarkup:
    """The one tap a deep link asks for: subscribe to its tag."""
    label = _("button.follow_link").format(tag=_short_tag(tag))
    return InlineKeyboardMarkup(inline_keyboard=[[_button(label, FollowLink(tag=tag_id).pack())]])


def share_keyboard(link: str, text: str) -> InlineKeyboardMarkup:
    """A button that opens Telegram's "share to a chat" with the link and a line of text."""
    url = "https://t.me/share/url?" + urlencode({"url": link, "text": text})
    button = InlineKeyboardButton(text=_("button.share"), url=url)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def _post_rights() -> ChatAdministratorRights:
    """Administrator rights that ask only to post messages (the others are not needed)."""
    required = [
        name for name, f in ChatAdministratorRights.model_fields.items() if f.is_required()
    ]
    return ChatAdministratorRights(**dict.fromkeys(required, False), can_post_messages=True)


def channel_reply_keyboard(request_id: int, acting_for: str | None) -> ReplyKeyboardMarkup:
    """Under the input field: pick a channel (Telegram's chat picker, offering only channels
    the user may post in) and, while the chat acts for one, the way back to the chat itself."""
    picker = KeyboardButtonRequestChat(
        request_id=request_id,
        chat_is_channel=True,
        user_administrator_rights=_post_rights(),
        bot_administrator_rights=_post_rights(),
        request_title=True,
        request_username=True,
    )
    rows = [[KeyboardButton(text=_("button.channel_pick"), request_chat=picker)]]
    if acting_for is None:
        return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)
    rows.append([KeyboardButton(text=_("button.channel_leave"))])
    placeholder = _("channels.placeholder").format(title=shorten(acting_for, LABEL_CHARS))
    return ReplyKeyboardMarkup(
        keyboard=rows,
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=shorten(placeholder, 64),
    )


def _channel(channel_id: int, action: ChannelAction) -> str:
    return ChannelPanel(channel=channel_id, action=action).pack()


def channels_keyboard(channels: Sequence[Chat]) -> InlineKeyboardMarkup:
    """One button per channel the user runs: act for it and show its panel."""
    rows = [
        [
            _button(
                _("button.channel").format(title=shorten(chat.title or str(chat.id), LABEL_CHARS)),
                _channel(chat.id, ChannelAction.MANAGE),
            )
        ]
        for chat in channels
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def channel_panel_keyboard(channel_id: int) -> InlineKeyboardMarkup:
    """A channel's panel: preview its digest, remove it, or act for the private chat again."""
    rows = [
        [
            _button(_("button.channel_preview"), _channel(channel_id, ChannelAction.PREVIEW)),
            _button(_("button.channel_remove"), _channel(channel_id, ChannelAction.REMOVE)),
        ],
        [_button(_("button.channel_leave"), _channel(channel_id, ChannelAction.LEAVE))],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def channel_remove_keyboard(channel_id: int) -> InlineKeyboardMarkup:
    """Confirm removing a channel, or go back to its panel."""
    rows = [
        [
            _button(
                _("button.channel_remove_yes"),
                _channel(channel_id, ChannelAction.REMOVE_CONFIRMED),
            )
        ],
        [_button(_("button.back"), _channel(channel_id, ChannelAction.PANEL))],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def feeds_keyboard() -> InlineKeyboardMarkup:
    """Under ``/feeds``: the feeds as an OPML file."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("button.export_opml"), ExportFeeds().pack())]]
    )
