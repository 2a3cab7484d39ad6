"""Words as story detection sees them: a key per lemma and a weight that holds from day one.

A key is the Snowball stem of the word's pymorphy3 lemma, so «сладкого» (noun) and «сладких»
(adjective) meet. The weight is an inverse document frequency taken from a prior — wordfreq's
frequency of the word in Russian — rather than from the articles stored so far: an empty
database knows nothing of which words are common, and a story is found from its first reprint.

Function words (prepositions, conjunctions, particles, pronouns) carry no event and are dropped.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import Stemmer
from wordfreq import get_frequency_dict, zipf_frequency

if TYPE_CHECKING:
    import pymorphy3

__all__ = ["Word", "first_tokens", "lemma", "tokens", "word"]

# Numbers with their decimal part ("2,5"), and words with inner hyphens ("Матвеево-Курганский").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:-[^\W\d_]+)*")
_FUNCTION_TAGS = frozenset({"PREP", "CONJ", "PRCL", "NPRO", "INTJ"})
_WORD_CHARS = 20  # far more than a Russian word and its spaces take on average
_CACHE = 200_000  # word forms; news vocabulary repeats, so the caches stay warm

# How many words an article has: the prior turns a word's share of all text into the share of
# articles that hold it, as a Poisson estimate (1 - e^(-length·p)).
_ARTICLE_WORDS = 300
# wordfreq's small list: the 61,000 word forms of Zipf frequency 3 (one in a million words) or
# more, in 24 MB. The large list knows 713,000 down to Zipf 1 and takes 150 MB; on the labelled
# pairs it is worth one pair of forty in the leave-one-out estimate, and none at the threshold.
_WORDLIST = "small"
_UNKNOWN_ZIPF = 2.0  # below the small list's floor: taken for a rare word, not the rarest
_MIN_DF = 1e-9


class Word(NamedTuple):
    """A word's key for matching and its weight (how much sharing it says)."""

    key: str
    weight: float


class _Tools:
    """pymorphy3's analyser and the Snowball stemmer, made on first use (the analyser takes a
    third of a second and 15 MB); Snowball stemmers are not thread-safe, so one lock guards it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._analyzer: pymorphy3.MorphAnalyzer | None = None
        self._stemmer: Stemmer.Stemmer | None = None

    def analyzer(self) -> pymorphy3.MorphAnalyzer:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    import pymorphy3

                    self._analyzer = pymorphy3.MorphAnalyzer()
        return self._analyzer

    def stem(self, word: str) -> str:
        with self._lock:
            if self._stemmer is None:
                self._stemmer = Stemmer.Stemmer("russian")
            return str(self._stemmer.stemWord(word))


_TOOLS = _Tools()


def tokens(text: str) -> list[str]:
    """Words and numbers of ``text`` in order, as written."""
    return _TOKEN.findall(text)


def first_tokens(text: str, count: int) -> list[str]:
    """The first ``count`` tokens of ``text``, without reading much of the rest."""
    end = count * _WORD_CHARS
    found = _TOKEN.findall(text, 0, end)
    if len(found) <= count and len(text) > end:  # the last may be cut: read all
        found = _TOKEN.findall(text)
    return found[:count]


@lru_cache(maxsize=_CACHE)
def lemma(form: str) -> str | None:
    """The dictionary form of a lowercase word, ``ё`` as ``е``; None for a function word.

    The one place that knows the lemmatiser, so another can take its place.
    """
    parse = _TOOLS.analyzer().parse(form)[0]
    tag = parse.tag
    if tag.POS in _FUNCTION_TAGS or "Apro" in tag:  # pronoun-adjectives: «этот», «свой»
        return None
    return str(parse.normal_form).replace("ё", "е")


def _zipf(form: str) -> float:
    """wordfreq's Zipf frequency of a lowercase word form; 0 for a word it has not seen.

    Plain words are looked up in wordfreq's own (cached) table: its general ``zipf_frequency``
    tokenises every word again and costs as much as the lemmatiser. The small list's floor is
    Zipf 3, so a rare word gets 0 here.
    """
    if form.isalpha():
        share = get_frequency_dict("ru", _WORDLIST).get(form, 0.0)
        return math.log10(share) + 9 if share > 0 else 0.0
    return zipf_frequency(form, "ru", _WORDLIST)


def _idf(zipf: float) -> float:
    """Inverse document frequency of a word that makes ``10**(zipf-9)`` of all running text."""
    share = 10 ** (zipf - 9)
    documents = -math.expm1(-_ARTICLE_WORDS * share)
    return -math.log(max(documents, _MIN_DF))


@lru_cache(maxsize=_CACHE)
def word(token: str) -> Word | None:
    """The key and weight of one token as :func:`tokens` gives it; None for a function word.

    Numbers keep their digits (``2,5`` and ``2.5`` are one key); words become the stem of
    their lemma.
    """
    lower = token.lower().replace("ё", "е")
    if lower[0].isdigit():
        key = lower.replace(",", ".")
        return Word(key, _idf(_zipf(lower) or _UNKNOWN_ZIPF))
    base = lemma(lower)
    if base is None or len(base) < 2:
        return None
    key = _TOOLS.stem(base)
    zipf = max(_zipf(base), _zipf(lower)) or _UNKNOWN_ZIPF
    return Word(key, _idf(zipf))
