"""``/start`` (welcome and the tag picker, or what a deep link offers) and ``/help``.

A payload that names no tag (a tag since gone, a link typed by hand) gets the ordinary
welcome and one line saying so; the links themselves are :mod:`bot.handlers.links`'.

``/help``'s examples are built from what is stored: the most active tags at the time, and
search words that find something, so every example works when it is tried.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.handlers.common import START_TAGS, on_command, tag_picker
from bot.handlers.links import linked_tag, offer_tag
from bot.i18n import locale_for
from bot.models import Tag
from bot.render import escape
from bot.storage import Storage

EXAMPLE_TAGS = 10  # the most active tags, from which the examples are taken
EXAMPLE_CHARS = 30  # a longer tag makes a poor example


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "start", start)
    on_command(routes, "help", help_)
    return routes


async def start(message: Message, command: CommandObject, store: Storage) -> None:
    if message.from_user is not None and message.chat.type != "private":
        # A group speaks the language of whoever started it; private chats follow the user.
        await store.chats.set_language(
            message.chat.id, locale_for(message.from_user.language_code)
        )
    payload = (command.args or "").strip()
    linked = await linked_tag(store, payload) if payload else None
    if linked is not None:
        await offer_tag(message, store, *linked)
        return
    picker = await tag_picker(store, message.chat.id, page_size=START_TAGS)
    text = _("start.welcome")
    if payload:
        text += "\n\n" + _("start.link_unknown")
    if picker is not None:
        text += "\n\n" + _("start.pick_tags")
    await message.answer(text, reply_markup=picker)


async def help_(message: Message, store: Storage, settings: Settings) -> None:
    text = _("help.text").format(**await _examples(store)) + "\n\n" + _("help.follows")
    if message.from_user is not None and message.from_user.id in settings.admin_ids:
        text += "\n\n" + _("help.admin")
    await message.answer(text)


def _code(command: str) -> str:
    return f"<code>{escape(command)}</code>"


async def _examples(store: Storage) -> dict[str, str]:
    """The examples of ``/help``, from the most active stored tags.

    Two tags show how a list is written (a multi-word one first, if one is active, since
    it needs the comma); with nothing stored, the tag examples say tags will come.
    """
    tags = [tag for tag in await store.articles.tags(limit=EXAMPLE_TAGS) if _fits_example(tag)]
    search = await _search_words(store, tags) or _("help.search_words")
    if not tags:
        no_tags = _("help.no_tags")
        return {
            "latest": _code("/latest 10"),
            "search": _code(f"/search {search}"),
            "subscribe": no_tags,
            "unsubscribe": no_tags,
        }
    first = next((tag for tag in tags if " " in tag.display), tags[0])
    pair = [first.display, *(tag.display for tag in tags if tag != first)][:2]
    return {
        "latest": _code(f"/latest {tags[0].display} 10"),
        "search": _code(f"/search {search}"),
        "subscribe": _code("/subscribe " + ", ".join(pair)),
        "unsubscribe": _code(f"/unsubscribe {first.display}"),
    }


def _fits_example(tag: Tag) -> bool:
    return len(tag.display) <= EXAMPLE_CHARS and tag.display.isprintable()


async def _search_words(store: Storage, tags: list[Tag]) -> str | None:
    """The first of the top tags that, searched for as words, finds something."""
    for tag in tags[:3]:
        words = tag.display.replace("-", " ").replace("_", " ")
        if (await store.articles.search(words, limit=1)).articles:
            return words
    return None
