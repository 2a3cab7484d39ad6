"""Subscriptions as rules, apart from Telegram: how a typed list of tags is read, which of
them exist, and how many tags a chat may follow. Handlers call these; the SQL is storage's.

Reading a list: commas, semicolons and line breaks separate tags (``В мире, Экономика``);
without them words are separate tags (``Политика Экономика``) unless consecutive words
make a tag that exists or that the chat follows (``В мире``, ``ВЫБОРЫ 2026`` for
``#Выборы-2026``), which stays one. A ``#`` starts a new tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import UserInputError
from bot.models import Tag
from bot.storage import Storage
from bot.text.tags import split_tags, tag_display, tag_key

MAX_SUBSCRIPTIONS = 50  # keeps /subscriptions within one message and one keyboard
MAX_SPAN = 4  # most words of a tag recognised without commas

_LIST_SEPARATORS = re.compile(r"[,;\n\r]+")
_WORD = re.compile(r"[^\s#]+")


class TooManySubscriptions(UserInputError):
    """The chat would follow more than :data:`MAX_SUBSCRIPTIONS` tags."""

    def __init__(self, limit: int = MAX_SUBSCRIPTIONS) -> None:
        super().__init__(f"a chat may follow at most {limit} tags")
        self.limit = limit


def typed_tag(text: str) -> Tag:
    """A tag as a user typed it, before we know whether it exists."""
    return Tag(key=tag_key(text), display=tag_display(text))


@dataclass(frozen=True, slots=True)
class TypedTags:
    """A typed list of tags: the stored ones (as stored) and those no article carries."""

    known: list[Tag]
    unknown: list[Tag]

    @property
    def all(self) -> list[Tag]:
        return [*self.known, *self.unknown]


@dataclass(frozen=True, slots=True)
class Subscribed:
    """What ``/subscribe`` did: ``unknown`` tags were not added (no article carries them)."""

    added: list[Tag]
    already: list[Tag]
    unknown: list[Tag]


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    removed: list[Tag]
    missing: list[Tag]  # typed, but the chat did not follow them


def _word_runs(text: str) -> tuple[list[list[str]], int]:
    """The runs of words that :func:`split_tags` splits at spaces, and how many list items
    it takes whole: without commas the whole text is one run; with them, only the items
    holding a ``#`` are runs and every other item is one tag."""
    if not _LIST_SEPARATORS.search(text):
        return [_WORD.findall(text)], 0
    pieces = [piece for piece in _LIST_SEPARATORS.split(text) if _WORD.search(piece)]
    runs = [_WORD.findall(piece) for piece in pieces if "#" in piece]
    return runs, len(pieces) - len(runs)


def _spans(runs: list[list[str]]) -> list[str]:
    """Every two to :data:`MAX_SPAN` consecutive words of each run: the possible
    multi-word tags."""
    return [
        " ".join(words[start : start + size])
        for words in runs
        for start in range(len(words))
        for size in range(2, min(MAX_SPAN, len(words) - start) + 1)
    ]


async def read_tags(store: Storage, text: str, *, followed: Iterable[Tag] = ()) -> TypedTags:
    """Parse a typed list of tags (see the module's docstring) and look each one up.

    ``followed`` (the chat's subscriptions) count as existing for keeping words together,
    so a tag subscribed to before it had articles can be named as it was written.

    Raises :class:`TooManySubscriptions`, before looking anything up, for more than
    :data:`MAX_SUBSCRIPTIONS` list items and words read one by one: every run of words costs
    a lookup per possible multi-word tag, and a longer list could not be followed anyway
    unless its tags had several words each — which then want commas.
    """
    runs, whole = _word_runs(text)
    if whole + sum(len(words) for words in runs) > MAX_SUBSCRIPTIONS:
        raise TooManySubscriptions()
    found: dict[str, Tag | None] = {}

    async def lookup(written: str) -> Tag | None:
        key = tag_key(written)
        if key not in found:
            stored = await store.articles.tag(written)
            found[key] = Tag(stored.key, stored.display) if stored is not None else None
        return found[key]

    known_spans = [span for span in dict.fromkeys(_spans(runs)) if await lookup(span)]
    written = split_tags(text, known=[*known_spans, *(tag.display for tag in followed)])
    known: list[Tag] = []
    unknown: list[Tag] = []
    for display in written:
        stored = await lookup(display)
        if stored is not None:
            known.append(stored)
        else:
            unknown.append(typed_tag(display))
    return TypedTags(known=known, unknown=unknown)


async def subscribe(
    store: Storage,
    chat_id: int,
    text: str,
    *,
    thread_id: int | None = None,
    forum: bool = False,
) -> Subscribed:
    """Follow the stored tags named in ``text``; unknown ones are returned, not added.

    Unknown tags count against the cap too (the user is about to confirm them), so a
    request that could not be followed in full is refused in full. In a ``forum`` the tags
    named, new or followed before, send their digest section to the topic ``thread_id``
    (``None``: the general topic).
    """
    current = {tag.key: tag for tag in await store.chats.subscriptions(chat_id)}
    typed = await read_tags(store, text, followed=current.values())
    if len(current) + sum(tag.key not in current for tag in typed.all) > MAX_SUBSCRIPTIONS:
        raise TooManySubscriptions()
    fresh = [tag for tag in typed.known if tag.key not in current]
    added = await store.chats.subscribe(chat_id, fresh, thread_id)
    added_keys = {tag.key for tag in added}
    # Followed before, or followed by a request that ran at the same time as this one.
    already = [
        current.get(tag.key, tag)
        for tag in typed.all
        if tag.key not in added_keys and (tag.key in current or tag in fresh)
    ]
    if forum and already:
        await store.chats.bind(chat_id, [tag.key for tag in already], thread_id)
    unknown = [tag for tag in typed.unknown if tag.key not in current]
    return Subscribed(added=added, already=already, unknown=unknown)


async def unsubscribe(store: Storage, chat_id: int, text: str) -> Unsubscribed:
    """Stop following the tags named in ``text`` (read against the chat's own tags)."""
    current = await store.chats.subscriptions(chat_id)
    written = split_tags(text, known=[tag.display for tag in current])
    removed = await store.chats.unsubscribe(chat_id, [tag_key(w) for w in written])
    removed_keys = {tag.key for tag in removed}
    missing = [typed_tag(w) for w in written if tag_key(w) not in removed_keys]
    return Unsubscribed(removed=removed, missing=missing)


async def follow(store: Storage, chat_id: int, tag: Tag, thread_id: int | None = None) -> None:
    """Follow one tag, known or not (a button: "subscribe anyway" or a suggestion), its
    section in the forum topic ``thread_id`` if given."""
    subscribed = await store.chats.subscribed_keys(chat_id)
    if tag.key not in subscribed and len(subscribed) >= MAX_SUBSCRIPTIONS:
        raise TooManySubscriptions()
    await store.chats.subscribe(chat_id, [tag], thread_id)


async def toggle(store: Storage, chat_id: int, tag: Tag, thread_id: int | None = None) -> bool:
    """Follow the tag if the chat does not, else stop; True if the chat follows it now (its
    section in the forum topic ``thread_id`` if given)."""
    subscribed = await store.chats.subscribed_keys(chat_id)
    if tag.key in subscribed:
        await store.chats.unsubscribe(chat_id, [tag.key])
        return False
    if len(subscribed) >= MAX_SUBSCRIPTIONS:
        raise TooManySubscriptions()
    await store.chats.subscribe(chat_id, [tag], thread_id)
    return True
