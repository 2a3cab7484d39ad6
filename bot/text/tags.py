"""Tag normalisation: one key per tag however it is written, and a Telegram-safe hashtag.

A tag has a *key* (what identifies it: ``#Референдум-2026``, ``референдум_2026`` and
``РЕФЕРЕНДУМ 2026`` are one tag) and a *display* form (as the author wrote it, minus ``#``).
The rubric is a tag too, so ``В мире`` and ``#В_мире`` meet under the key ``в_мире``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "MAX_TAG_LENGTH",
    "is_valid_tag",
    "split_tags",
    "tag_display",
    "tag_key",
    "telegram_hashtag",
]

MAX_TAG_LENGTH = 64
"""Longest display form accepted from users; longer text is a sentence, not a tag."""

_TELEGRAM_MAX = 256  # Telegram stops recognising a hashtag after this many characters

# Hyphens, dashes, underscores and any whitespace are the same separator inside a key.
_KEY_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")
_KEY_LEADING = re.compile(r"^[#\s\-_\u2010-\u2015\u2212]+")
_SPACES = re.compile(r"\s+")
# User input: commas, semicolons and line breaks separate tags that may contain spaces.
_LIST_SEPARATORS = re.compile(r"[,;\n\r]+")
_HASH_WORDS = re.compile(r"#+|\s+")
_EDGE_PUNCT = ".,;:!?\"'«»“”„()[]{}"
_MAX_MERGE = 4  # longest known multi-word tag split_tags will reassemble
_CACHED = 8192  # written forms; every article repeats a few of the same tags and rubrics


@lru_cache(maxsize=_CACHED)
def tag_key(text: str) -> str:
    """Return the identity of a tag: casefolded, ``ё``→``е``, separators unified to ``_``."""
    text = unicodedata.normalize("NFC", _KEY_LEADING.sub("", text).casefold())
    text = text.replace("ё", "е")
    return _KEY_SEPARATORS.sub("_", text).strip("_")


@lru_cache(maxsize=_CACHED)
def tag_display(text: str) -> str:
    """Return the tag as written, without leading ``#`` and with whitespace collapsed."""
    return _SPACES.sub(" ", text.strip().lstrip("#")).strip()


def _is_hashtag_char(char: str) -> bool:
    # Telegram's own rule: letters, decimal digits and the underscore continue a hashtag.
    return char == "_" or char.isalpha() or char.isdecimal()


def telegram_hashtag(text: str) -> str:
    """Return ``#Tag_As_Written`` that Telegram links as one hashtag, or ``""`` if none fits.

    Telegram ends a hashtag at a hyphen, space or punctuation, so each run of such
    characters becomes one ``_``: ``Референдум-2026`` → ``#Референдум_2026``.
    """
    display = unicodedata.normalize("NFC", tag_display(text))
    chars: list[str] = []
    for char in display:
        if char != "_" and _is_hashtag_char(char):
            chars.append(char)
        elif chars and chars[-1] != "_":
            chars.append("_")
    body = "".join(chars).strip("_")[:_TELEGRAM_MAX].rstrip("_")
    return f"#{body}" if body else ""


def is_valid_tag(text: str) -> bool:
    """Tell whether user text can be a tag: 1–64 characters with a letter or digit, no ``#``."""
    display = tag_display(text)
    return (
        0 < len(display) <= MAX_TAG_LENGTH
        and "#" not in display
        and any(char.isalnum() for char in display)
        and all(char.isprintable() for char in display)
        and not _LIST_SEPARATORS.search(text)
    )


def _clean_piece(piece: str) -> str:
    return tag_display(piece).strip(_EDGE_PUNCT).strip()


def _split_words(piece: str, known_keys: set[str]) -> list[str]:
    """Split one run of words, keeping known multi-word tags (``В мире``) together."""
    words = [word for word in _HASH_WORDS.split(piece) if word.strip(_EDGE_PUNCT)]
    tags: list[str] = []
    start = 0
    while start < len(words):
        size = 1
        for span in range(min(_MAX_MERGE, len(words) - start), 1, -1):
            if tag_key(" ".join(words[start : start + span])) in known_keys:
                size = span
                break
        tags.append(" ".join(words[start : start + size]))
        start += size
    return tags


def split_tags(text: str, known: Iterable[str] = ()) -> list[str]:
    """Parse a user's list of tags into display forms, first spelling of each key kept.

    Commas, semicolons or line breaks separate tags when present, so ``В мире, Спорт``
    names two tags with a space inside one. A piece without those separators is split
    at whitespace and ``#`` — except where consecutive words form a tag listed in
    ``known`` (e.g. the rubrics in the database): ``#Выборы-2019 в мире`` with
    ``known=["В мире"]`` gives ``["Выборы-2019", "в мире"]``. A piece that holds a
    ``#`` is always split at whitespace, since a hashtag cannot contain a space.
    """
    known_keys = {tag_key(tag) for tag in known}
    if _LIST_SEPARATORS.search(text):
        pieces: list[str] = []
        for part in _LIST_SEPARATORS.split(text):
            if "#" in part:
                pieces.extend(_split_words(part, known_keys))
            else:
                pieces.append(part)
    else:
        pieces = _split_words(text, known_keys)
    result: list[str] = []
    seen: set[str] = set()
    for piece in pieces:
        display = _clean_piece(piece)
        key = tag_key(display)
        if key and key not in seen and is_valid_tag(display):
            seen.add(key)
            result.append(display)
    return result
