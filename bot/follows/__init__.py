"""Followed words and names, mutes, and matching them against new articles; pure, no I/O.

A followed phrase is parsed once (:func:`parse_follow`) into the lemmas search uses
(:mod:`bot.text.stem`), and kept as its *key*, a plain string of those lemmas: storage keeps
the key beside the phrase as written, and the matcher is rebuilt from keys alone, without a
dictionary look-up. :class:`MatchIndex` matches one article against every phrase and tag
followed, however many, through an inverted index keyed by each phrase's rarest word.
"""

from __future__ import annotations

from bot.follows.index import (
    MatchIndex,
    Rules,
    Words,
    article_words,
    hides,
    holds,
    meets,
    muted,
)
from bot.follows.phrase import (
    MAX_FOLLOWS,
    MAX_PHRASE_CHARS,
    MAX_WORDS,
    MODES,
    Follow,
    Mute,
    Phrase,
    PhraseError,
    mute_key,
    parse_follow,
    parse_key,
)

__all__ = [
    "MAX_FOLLOWS",
    "MAX_PHRASE_CHARS",
    "MAX_WORDS",
    "MODES",
    "Follow",
    "MatchIndex",
    "Mute",
    "Phrase",
    "PhraseError",
    "Rules",
    "Words",
    "article_words",
    "hides",
    "holds",
    "meets",
    "mute_key",
    "muted",
    "parse_follow",
    "parse_key",
]
