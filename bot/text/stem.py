"""Search words: lemmas, so that «Зюганов» finds «Зюганову» and «выборы» finds «выборов».

Both sides of the search go through here: :func:`index_words` when an article is stored and
:func:`query_words` when someone searches. Words are casefolded and ``ё`` becomes ``е``.
Russian words become their dictionary forms (lemmas) by pymorphy3's OpenCorpora dictionary and
its guesser for unknown words; a stemmer would not do, because it cuts ``зюганов`` to ``зюган``
but ``зюганова`` to ``зюганов``. Other Cyrillic words (Kazakh, Ukrainian) keep the Snowball
Russian stemmer, Latin ones the English stemmer; digits stay as they are. Short function words
(``в``, ``на``, ``быть``, ``the`` …) are dropped on both sides: they are in nearly every article
and would only make the index bigger.

A word form can stand for several lemmas (``иванова``: ``иванов`` in the genitive or the
feminine, or the town ``иваново``; ``стали``: ``стать`` or ``сталь``). The index gets every
lemma of each form, and a query word gets its likely ones (:data:`QUERY_FLOOR`) as
alternatives, so a form matches the forms that share a lemma with it. Two rules mend the
guesser. A form shaped like a man's surname in the nominative (``-ов``, ``-ев``, ``-ин``,
``-ын``) is also its own lemma, since pymorphy reads ``Токаев`` or an unknown ``Масимов`` as the
plural genitive of ``токай`` or ``масим`` while it reads their other cases as the surname. And
a word the dictionary does not know is also kept as written and as its Snowball stem, since
the guesser may give the cases of one name different lemmas (``Шольц``, but ``Шольца`` →
``шолец``).

The same words serve beyond search, so everything that matches words agrees with it:
:func:`word_lemmas` gives one word's alternatives, :func:`lemmas` the likeliest lemma of each
word of a text in order (for term weights), and a phrase matches a text when every tuple of
``query_words(phrase)`` meets ``set(index_words(text).split())``.

The output is plain words of letters and digits joined by spaces, so storage may hand it to a
whitespace tokenizer and quote each query word without any escaping. Lemmas are cached per
word form, so a word costs one dictionary look-up once and a ``dict`` look-up after that.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from importlib.metadata import version
from itertools import chain
from typing import TYPE_CHECKING, cast

import pymorphy3
import Stemmer

if TYPE_CHECKING:
    from bot.models import Article

__all__ = [
    "article_search_words",
    "index_words",
    "lemmas",
    "query_words",
    "scheme",
    "search_words",
    "tokens",
    "word_lemmas",
]

# Letters and digits only: no underscore, no punctuation, so no FTS syntax can survive.
_TOKEN = re.compile(r"[^\W_]+")
_RUSSIAN = re.compile(r"[а-яё]+")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_LATIN = re.compile(r"[a-z]")
# A man's surname in the nominative: Токаев, Бектенов, Мамин, Ильин.
_SURNAME = re.compile(r"[а-я]{2,}(?:ов|ев|ин|ын)")
_MAX_WORD = 40  # longer "words" are URLs, hashes or glued garbage, not search terms
_CACHE_LIMIT = 200_000  # word forms; news vocabulary repeats, so the cache stays warm

QUERY_FLOOR = 0.05
"""Share of a word's readings below which a lemma is not searched for: the index holds
``иван`` for ``иванов`` (their plural genitive), but a search for Иванов should not find every
Иван."""

RULES = 2  # bump when tokens, stop words, the surname rule or the choice of analysers change


def _cp1251_folding() -> tuple[bytes, tuple[bytes, ...]]:
    """A bytes.translate table for cp1251 text that casefolds, turns ``ё`` into ``е`` and every
    byte that is not a letter or digit into a space: :func:`tokens` at C speed in one pass.

    Also the bytes whose casefolded form is not in cp1251 (``µ`` → ``μ``): texts with them
    take the general way.
    """
    table = bytearray(range(256))
    unfoldable: list[bytes] = []
    for byte in range(256):
        folded = bytes([byte]).decode("cp1251", "replace").casefold().replace("ё", "е")
        try:
            encoded = folded.encode("cp1251")
        except UnicodeEncodeError:
            unfoldable.append(bytes([byte]))
            continue
        table[byte] = encoded[0] if folded.isalnum() else 0x20
    return bytes(table), tuple(unfoldable)


_CP1251_FOLD, _CP1251_UNFOLDABLE = _cp1251_folding()

# Word forms dropped before any analysis.
_STOP_WORDS = """
а без бы в во вот да для до же за и из или к ко как ли на над не ни но о об обо от по под
при про с со то у уж что чтобы это этот эта эти этом этого этой тот та те того он она оно
они его ее их ему ей им ими него нее них нем ней я мы ты вы мне нам вам себя себе свой
своя свое свои был была было были быть будет также так же еще уже
a an and are as at be by for from has have in is it its of on or that the this to was were
will with
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
# Lemmas dropped from a form's alternatives: the forms above reach these through other forms
# (будут, этих, которых), and a form left with none is dropped like a stop word.
_STOP_LEMMAS = "быть он она оно они я мы ты вы себя свой этот тот который весь что это как"
STOP_LEMMAS = frozenset(_STOP_LEMMAS.split())


class _Lemmatizer:
    """Maps word forms to their index words with a bounded cache.

    pymorphy3 and the Snowball objects are made on first use, not at import; the Snowball
    objects are not thread-safe, so filling the cache takes a lock.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, ...]] = {}
        # The same, keyed by cp1251 bytes: the likeliest lemma ("" for none), and the others.
        self._cp1251: tuple[dict[bytes, str], dict[bytes, tuple[str, ...]]] = ({}, {})
        self._lock = threading.Lock()
        self._morph: pymorphy3.MorphAnalyzer | None = None
        self._russian: Stemmer.Stemmer | None = None
        self._english: Stemmer.Stemmer | None = None

    def lemmas(self, words: list[str]) -> list[tuple[str, ...]]:
        """Index words of casefolded words, in the same order (``()`` for stop words)."""
        cache = self._cache  # keep this dict: _fill may swap in a fresh one
        missing = [w for w in words if w not in cache]
        if not missing:
            return [cache[w] for w in words]
        found = self._fill(missing)
        return [found[w] if w in found else cache[w] for w in words]

    def lemma_set(self, words: set[str]) -> set[str]:
        """The distinct index words of a set of casefolded words."""
        cache = self._cache
        groups: set[tuple[str, ...] | None] = set(map(cache.get, words))
        if None in groups:
            groups.discard(None)
            groups.update(self._fill(list(words.difference(cache))).values())
        return set(chain.from_iterable(groups))  # type: ignore[arg-type]  # None was discarded

    def lemma_cp1251(self, words: list[bytes]) -> set[str]:
        """:meth:`lemma_set` for cp1251-encoded words (repeats allowed): no decoding, and one
        dictionary look-up per word for words seen before, plus one for the few that have
        more than one lemma."""
        first, more = self._cp1251  # one pair: _fill may swap in fresh ones
        found: set[str | None] = set(map(first.get, words))
        if None in found:
            found.discard(None)
            missing = list(set(words).difference(first))  # C loops: no Python per word
            analysed = self.lemmas([w.decode("cp1251") for w in missing])
            if len(first) + len(missing) > _CACHE_LIMIT:
                first, more = self._cp1251 = ({}, {})
            first.update(
                zip(missing, (group[0] if group else "" for group in analysed), strict=True)
            )
            more.update(
                (w, group[1:]) for w, group in zip(missing, analysed, strict=True) if group[1:]
            )
            found.update(group[0] for group in analysed if group)
        several = more.keys() & words
        if several:
            found.update(*map(more.__getitem__, several))
        found.discard("")
        return cast(set[str], found)  # None was discarded

    def query_lemmas(self, words: list[str]) -> list[tuple[str, ...]]:
        """Like :meth:`lemmas`, less the readings too rare to be what a searcher means.

        Not cached: queries are few, and the cache holds the index side.
        """
        with self._lock:
            return [self._analyse(word, QUERY_FLOOR) for word in words]

    def _fill(self, missing: list[str]) -> dict[str, tuple[str, ...]]:
        with self._lock:
            found = {word: self._analyse(word, 0.0) for word in dict.fromkeys(missing)}
            if len(self._cache) + len(found) > _CACHE_LIMIT:
                self._cache = {}  # a fresh dict rather than clear(): readers may hold the old one
            self._cache.update(found)
            return found

    def _analyse(self, word: str, floor: float) -> tuple[str, ...]:
        if not 1 < len(word) <= _MAX_WORD or word in STOP_WORDS:
            return ()
        if _RUSSIAN.fullmatch(word):
            return self._russian_lemmas(word, floor)
        if _CYRILLIC.search(word):
            return (self._snowball_russian(word),)
        if _LATIN.search(word):
            if self._english is None:
                self._english = Stemmer.Stemmer("english")
            return (str(self._english.stemWord(word)) or word,)
        return (word,)  # digits and other scripts stay

    def _snowball_russian(self, word: str) -> str:
        if self._russian is None:
            self._russian = Stemmer.Stemmer("russian")
        return str(self._russian.stemWord(word)) or word

    def _russian_lemmas(self, word: str, floor: float) -> tuple[str, ...]:
        """The lemmas of a Russian word, likeliest first, those below ``floor`` left out
        (always the likeliest and the ones the rules add are kept)."""
        if self._morph is None:
            self._morph = pymorphy3.MorphAnalyzer(result_type=None)
        scores: dict[str, float] = {}
        for parse in self._morph.parse(word):
            lemma = parse[2].replace("ё", "е")
            if _TOKEN.fullmatch(lemma):  # never a hyphen or a space into the index
                scores[lemma] = scores.get(lemma, 0.0) + parse[3]
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)  # stable: ties keep order
        least = floor * sum(scores.values())
        kept = [lemma for lemma in ranked[1:] if scores[lemma] >= least]
        found = dict.fromkeys([*ranked[:1], *kept])
        if word not in scores and _SURNAME.fullmatch(word):
            found[word] = None
        if not self._morph.word_is_known(word):
            # A guess may differ between the cases of one name (Шольц, but Шольца → шолец;
            # Пашинян → пашинянин, but Пашиняну → пашинян): the form and its stem do not.
            found[word] = None
            found[self._snowball_russian(word)] = None
        return tuple(sys.intern(lemma) for lemma in found if lemma not in STOP_LEMMAS)


_LEMMATIZER = _Lemmatizer()


def tokens(text: str) -> list[str]:
    """Casefolded words of letters and digits, ``ё`` as ``е``, in text order."""
    return _TOKEN.findall(text.casefold().replace("ё", "е"))


def word_lemmas(word: str) -> tuple[str, ...]:
    """The index words one word form stands for, likeliest first (``Иванова`` → ``иванов``,
    ``иваново``); ``()`` for stop words and for text that is not exactly one word."""
    found = tokens(word)
    return _LEMMATIZER.lemmas(found)[0] if len(found) == 1 else ()


def lemmas(text: str) -> list[str]:
    """The likeliest lemma of each word of ``text``, in text order, stop words left out.

    One term per word, for counting and weighting; to decide whether words match, compare
    all alternatives (:func:`word_lemmas`, :func:`query_words`) as search does.
    """
    return [found[0] for found in _LEMMATIZER.lemmas(tokens(text)) if found]


def index_words(text: str) -> str:
    """The distinct index words of a text, joined by spaces, for the search index.

    Each word appears once, in no particular order: the index records which articles hold a
    word, not where or how often. Russian and English texts fit in cp1251, where folding and
    splitting into words is one byte translation instead of casefold and a regular expression.
    """
    try:
        data = text.encode("cp1251")
    except UnicodeEncodeError:  # other scripts or symbols: the general (slower) way
        data = None
    if data is None or any(byte in data for byte in _CP1251_UNFOLDABLE):
        folded = text.casefold().replace("ё", "е")
        return " ".join(_LEMMATIZER.lemma_set(set(_TOKEN.findall(folded))))
    return " ".join(_LEMMATIZER.lemma_cp1251(data.translate(_CP1251_FOLD).split()))


def search_words(title: str, body: str, lead: str) -> str:
    """What search indexes of an article: the words of the headline and the body (the lead if
    there is no body).

    Takes stored column values, so the words of a stored row can be derived again exactly
    when they must be removed from a contentless index.
    """
    return index_words(f"{title}\n{body or lead}")


def article_search_words(article: Article) -> str:
    """:func:`search_words` of an article as storage writes it."""
    return search_words(article.title.strip(), "\n\n".join(article.body), article.lead)


def query_words(text: str) -> list[tuple[str, ...]]:
    """The search terms of a query, in query order; empty when nothing is left.

    One tuple per distinct query word: the index words any of which matches it (``Иванова``
    gives ``("иванов", "иваново")``). Every tuple must match for an article to be found.
    """
    words = list(dict.fromkeys(tokens(text)))
    return [found for found in dict.fromkeys(_LEMMATIZER.query_lemmas(words)) if found]


def _versions(packages: Iterable[str]) -> str:
    return "/".join(f"{name}-{version(name)}" for name in packages)


def scheme() -> str:
    """Names everything that decides the index words; an index built under another must be
    rebuilt."""
    packages = _versions(("pymorphy3", "pymorphy3-dicts-ru"))
    return (
        f"{RULES}/{packages}/pystemmer-{Stemmer.version()}/unicode-{unicodedata.unidata_version}"
    )
