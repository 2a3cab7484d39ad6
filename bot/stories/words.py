"""Words as story detection sees them: a key per lemma and a weight that holds from day one.

A key is the Snowball stem of the word's lemma, so «сладкого» (noun) and «сладких»
(adjective) meet. Lemmas are the ones search uses (:func:`bot.text.stem.word_lemmas`, the
likeliest of each form), so the bot has one lemmatisation. The weight is an inverse document
frequency taken from a prior — wordfreq's frequency of the word in Russian — rather than from
the articles stored so far: an empty database knows nothing of which words are common, and a
story is found from its first reprint.

Function words (prepositions, conjunctions, particles, pronouns) carry no event and are
dropped. They are closed classes, so a list names them all; search drops only the commonest.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from typing import NamedTuple

import Stemmer
from wordfreq import get_frequency_dict, zipf_frequency

from bot.text.stem import word_lemmas

__all__ = ["FUNCTION_WORDS", "Word", "first_tokens", "lemma", "tokens", "word"]

# Numbers with their decimal part ("2,5"), and words with inner hyphens ("Матвеево-Курганский").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:-[^\W\d_]+)*")
_WORD_CHARS = 10  # more than a Russian word and its space take on average (7)
_CACHE = 200_000  # word forms; news vocabulary repeats, so the caches stay warm
_NUMBER_SHAPES = 12_000  # the four-digit numbers, and a first digit and a length for the others

# How many words an article has: the prior turns a word's share of all text into the share of
# articles that hold it, as a Poisson estimate (1 - e^(-length·p)).
_ARTICLE_WORDS = 300
# wordfreq's small list: the 61,000 word forms of Zipf frequency 3 (one in a million words) or
# more, in 24 MB. The large list knows 713,000 down to Zipf 1 and takes 150 MB; on the labelled
# pairs it is worth one pair of forty in the leave-one-out estimate, and none at the threshold.
_WORDLIST = "small"
_UNKNOWN_ZIPF = 2.0  # below the small list's floor: taken for a rare word, not the rarest
_MIN_DF = 1e-9

_FUNCTION_WORDS = """
без близ в вблизи ввиду вглубь вдоль взамен включая вместо вне внутри во вокруг вопреки
вроде вследствие для до за из изо кроме к ко между мимо на над надо накануне наподобие
напротив насчет начиная о об обо около от ото относительно перед передо по под подо позади
помимо посредством после посреди при про против путем ради с сверх свыше сквозь следом
согласно со спустя среди у через несмотря благодаря
а и но или либо да зато однако если когда чтобы что как будто словно хотя пока потому
поэтому также тоже причем притом ибо поскольку раз чем нежели то ни едва дабы итак тем том
не бы ли же ведь вот вон даже только уже еще лишь именно разве неужели ну мол дескать
пусть пускай почти просто всего вряд
я ты он она оно мы вы они себя мой твой свой наш ваш его ее их кто какой который чей каков
сколько этот тот той такой таков столько сам самый весь все всякий каждый любой другой иной
некто нечто некоторый некий никто ничто никакой ничей нечего некого один
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
"""Lemmas and forms of the function words dropped."""


class Word(NamedTuple):
    """A word's key for matching and its weight (how much sharing it says)."""

    key: str
    weight: float


class _Stemmer:
    """The Snowball stemmer, made on first use; Snowball stemmers are not thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stemmer: Stemmer.Stemmer | None = None

    def stem(self, word: str) -> str:
        with self._lock:
            if self._stemmer is None:
                self._stemmer = Stemmer.Stemmer("russian")
            return str(self._stemmer.stemWord(word))


_STEMMER = _Stemmer()


def tokens(text: str) -> list[str]:
    """Words and numbers of ``text`` in order, as written."""
    return _TOKEN.findall(text)


def first_tokens(text: str, count: int) -> list[str]:
    """The first ``count`` tokens of ``text``, without reading much of the rest.

    The text is read in a window that doubles until it holds a token more than wanted (the
    last one read may be cut short, those before it are whole) or the whole text.
    """
    end = count * _WORD_CHARS
    found = _TOKEN.findall(text, 0, end)
    while len(found) <= count and len(text) > end:
        end *= 2
        found = _TOKEN.findall(text, 0, end)
    return found[:count]


def lemma(form: str) -> str | None:
    """The likeliest lemma of a lowercase word, as search has it; None for a function word."""
    if form in FUNCTION_WORDS:
        return None
    found = word_lemmas(form)
    if not found or found[0] in FUNCTION_WORDS:
        return None
    return found[0]


def _zipf(form: str) -> float:
    """wordfreq's Zipf frequency of a lowercase word form; 0 for a word it has not seen.

    Plain words are looked up in wordfreq's own (cached) table: its general ``zipf_frequency``
    tokenises every word again and costs as much as the lemmatiser. The small list's floor is
    Zipf 3, so a rare word gets 0 here. Numbers, most of them seen once, are rated by shape.
    """
    if form.isalpha():
        share = get_frequency_dict("ru", _WORDLIST).get(form, 0.0)
        return math.log10(share) + 9 if share > 0 else 0.0
    if form.isascii() and form.isdigit():
        # One number of the shape stands for all: the digits after the first as ones (zeros
        # only are a number of their own: wordfreq looks those up as written).
        shaped = len(form) == 4 or not form.strip("0")
        return _number_zipf(form if shaped else form[0] + "1" * (len(form) - 1))
    return zipf_frequency(form, "ru", _WORDLIST)


@lru_cache(maxsize=_NUMBER_SHAPES)
def _number_zipf(number: str) -> float:
    """wordfreq's Zipf frequency of a number of digits, the same for every number of its shape.

    wordfreq rates a number by its first digit and its length (Benford's law), a four-digit one
    as a year as well; so one look-up serves every number that shares the first digit and the
    length (four-digit ones and zeros apart), where each new number would cost a tokenisation.
    """
    return zipf_frequency(number, "ru", _WORDLIST)


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
    key = _STEMMER.stem(base)
    zipf = max(_zipf(base), _zipf(lower)) or _UNKNOWN_ZIPF
    return Word(key, _idf(zipf))
