"""A followed phrase as people write it: ``Токаев``, ``"единый платёж"``, ``референдум -Армения``.

Words may come in any order and any grammatical form: each becomes its search lemmas
(:func:`bot.text.stem.query_words`), so ``Бакаев`` meets «Бакаева» and ``выборы`` «выборов».
A word written with a leading ``-`` excludes the articles that hold it. Quotes only group
words (``"единый платёж"`` is the phrase of both words); nothing is read as a pattern.

The *key* of a phrase is its lemmas as text: the alternatives of one word joined by ``|``,
the words sorted and joined by spaces, each excluded word after a ``-``
(``референдум -армения``). Two phrases with one key match the same articles, so a chat
follows a key once, and the matcher is built from keys without the dictionary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from bot.text.stem import query_words

MODES = ("digest", "instant")
"""How a chat gets what a tag or phrase finds: in its next digest, or as an alert at once."""

MAX_PHRASE_CHARS = 100
MAX_WORDS = 6
MAX_FOLLOWS = 100
"""Caps: a phrase's length as written, its words (excluded ones included), a chat's follows."""

# A quoted group (straight or angle quotes), else a run of non-space characters.
_PART = re.compile(r'(-?)(?:"([^"]*)"?|«([^»]*)»?|(\S+))')


class PhraseError(ValueError):
    """Why a phrase cannot be followed: ``reason`` is one of ``empty``, ``long``, ``words``,
    ``nothing`` (only function words), ``only_excluded``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Phrase:
    """A parsed phrase: as written (whitespace collapsed), its key, and the excluded words as
    written."""

    text: str
    key: str
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Follow:
    """A chat's followed phrase."""

    chat_id: int
    phrase: str  # as written
    key: str  # see the module docstring
    mode: str = "digest"
    excluded: tuple[str, ...] = ()
    id: int = 0
    created_at: datetime | None = None
    thread_id: int | None = None  # a forum topic; None for the chat itself


@dataclass(frozen=True, slots=True)
class Mute:
    """What a chat does not want to see: a tag (``kind`` ``tag``, ``key`` its tag key) or
    words (``word``, ``key`` a phrase key: an article holding them all is hidden), until
    ``until`` (``None``: until unmuted)."""

    chat_id: int
    kind: str
    key: str
    display: str
    until: datetime | None = None


def parse_follow(text: str) -> Phrase:
    """The phrase of ``/follow``'s argument; :class:`PhraseError` says why not."""
    written = " ".join(text.split())
    if not written:
        raise PhraseError("empty")
    if len(written) > MAX_PHRASE_CHARS:
        raise PhraseError("long")
    included: list[str] = []
    excluded: list[str] = []
    for match in _PART.finditer(written):
        minus, double, angle, bare = match.groups()
        part = double if double is not None else angle if angle is not None else bare
        if minus and not part:
            continue  # a lone "-"
        (excluded if minus else included).append(part)
    words = query_words(" ".join(included))
    unwanted = query_words(" ".join(excluded))
    if len(words) + len(unwanted) > MAX_WORDS:
        raise PhraseError("words")
    if not words:
        raise PhraseError("only_excluded" if unwanted else "nothing")
    return Phrase(written, make_key(words, unwanted), tuple(excluded))


def make_key(words: list[tuple[str, ...]], excluded: list[tuple[str, ...]]) -> str:
    ours = sorted(dict.fromkeys("|".join(w) for w in words))
    theirs = sorted(dict.fromkeys("-" + "|".join(w) for w in excluded))
    return " ".join([*ours, *theirs])


@lru_cache(maxsize=10_000)
def parse_key(key: str) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """The words of a key (each a tuple of alternatives) and its excluded words; cached,
    since each flush and digest pass reads the same keys again."""
    words: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for part in key.split():
        if part.startswith("-"):
            excluded.append(tuple(part[1:].split("|")))
        else:
            words.append(tuple(part.split("|")))
    return tuple(words), tuple(excluded)


def mute_key(words: str) -> str | None:
    """The key of muted words (an article holding all of them is hidden), or ``None`` when
    only function words are left."""
    found = query_words(words)
    return make_key(found, []) if found else None
