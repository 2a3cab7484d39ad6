"""What ``/subscriptions`` shows: tags, followed phrases and mutes, each with its buttons.

Shared by the subscription and follow handlers, which redraw it in place after a button.
"""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.follows import Follow, Mute
from bot.handlers.common import hashtag, hashtag_list, tag_refs
from bot.keyboards import subscriptions_keyboard
from bot.models import Chat
from bot.render import escape, shorten
from bot.storage import Storage

PHRASE_CHARS = 60  # of a followed phrase named in a list
_QUOTES = str.maketrans("", "", '"«»')


def phrase_text(phrase: str) -> str:
    """A followed phrase or muted words inside HTML: quoted, escaped, cut to a sensible length."""
    return "«" + escape(shorten(_unquoted(phrase), PHRASE_CHARS)) + "»"


def _unquoted(phrase: str) -> str:
    """Quotes only group words: inside «» they would be noise."""
    return " ".join(phrase.translate(_QUOTES).split())


def mute_label(mute: Mute) -> str:
    """A mute as plain text (a button's label)."""
    shown = shorten(_unquoted(mute.display), PHRASE_CHARS)
    return f"#{shown}" if mute.kind == "tag" else f"«{shown}»"


def mute_text(mute: Mute) -> str:
    shown = hashtag(mute.display) if mute.kind == "tag" else phrase_text(mute.display)
    if mute.until is None:
        return shown
    return _("mute.until").format(target=shown, date=mute.until.strftime("%d.%m.%Y %H:%M UTC"))


def mute_ref_value(mute: Mute) -> str:
    return f"mute:{mute.kind}:{mute.key}"


def follows_line(follows: list[Follow]) -> str:
    named = ", ".join(
        phrase_text(f.phrase) + (" ⚡" if f.mode == "instant" else "") for f in follows
    )
    return _("subscriptions.follows").format(phrases=named)


async def subscriptions_view(
    store: Storage, chat: Chat, *, may_change: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A chat's subscriptions, follows and mutes; buttons for who may change them."""
    tags = await store.chats.subscriptions(chat.id)
    follows = await store.follows.follows(chat.id)
    mutes = await store.follows.mutes(chat.id)
    private = chat.type == ChatType.PRIVATE
    if not (tags or follows or mutes):
        return (_("subscriptions.none") if private else _("subscriptions.none_chat")), None
    modes = await store.follows.subscription_modes(chat.id)
    parts = []
    if tags:
        header = _("subscriptions.header") if private else _("subscriptions.header_chat")
        parts.append(header.format(tags=hashtag_list(tags, limit=len(tags))))
        instant = [tag for tag in tags if modes.get(tag.key) == "instant"]
        if instant:
            parts[-1] += "\n" + _("subscriptions.instant").format(
                tags=hashtag_list(instant, limit=len(instant))
            )
    if follows:
        parts.append(follows_line(follows))
    if mutes:
        parts.append(_("subscriptions.mutes").format(targets=", ".join(map(mute_text, mutes))))
    text = "\n\n".join(parts)
    if not may_change:
        return text, None
    refs = await tag_refs(store, tags)
    mute_refs = await store.chats.refs([mute_ref_value(m) for m in mutes])
    markup = subscriptions_keyboard(
        tags,
        refs,
        modes,
        follows,
        [(mute_label(m), ref) for m, ref in zip(mutes, mute_refs, strict=True)],
    )
    return text + "\n\n" + _("subscriptions.tap_to_remove"), markup
