"""Word stems for full-text search, so that «выборы» finds «выборов».

Both sides of the search go through here: :func:`index_words` when an article is stored and
:func:`query_words` when someone searches. Words are casefolded, ``ё`` becomes ``е``, Cyrillic
words get the Snowball Russian stemmer and Latin ones the English stemmer; digits stay as they
are. Short function words (``в``, ``на``, ``the`` …) are dropped on both sides: they are in
nearly every article and would only make the index bigger.

The output is plain words of letters and digits joined by spaces, so storage may hand it to a
whitespace tokenizer and quote each query word without any escaping.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import cast

import Stemmer

__all__ = ["index_words", "query_words", "scheme", "stem_words", "tokens"]

# Letters and digits only: no underscore, no punctuation, so no FTS syntax can survive.
_TOKEN = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_LATIN = re.compile(r"[a-z]")
_MAX_WORD = 40  # longer "words" are URLs, hashes or glued garbage, not search terms
_CACHE_LIMIT = 100_000  # word forms; news vocabulary repeats, so the cache stays warm


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

RULES = 1  # bump when tokens, stop words or the choice of stemmer change

_STOP_WORDS = """
а без бы в во вот да для до же за и из или к ко как ли на над не ни но о об обо от по под
при про с со то у уж что чтобы это этот эта эти этом этого этой тот та те того он она оно
они его ее их ему ей им ими него нее них нем ней я мы ты вы мне нам вам себя себе свой
своя свое свои был была было были быть будет также так же еще уже
a an and are as at be by for from has have in is it its of on or that the this to was were
will with
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


class _Stemmer:
    """Stems word forms with a bounded cache; the Snowball objects are not thread-safe."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._cp1251: dict[bytes, str] = {}  # the same, keyed by cp1251-encoded words
        self._lock = threading.Lock()
        self._russian: Stemmer.Stemmer | None = None
        self._english: Stemmer.Stemmer | None = None

    def stems(self, words: list[str]) -> list[str]:
        """Stems of casefolded words, in the same order ("" for stop words and long words)."""
        cache = self._cache  # keep this dict: _fill may swap in a fresh one
        missing = [w for w in words if w not in cache]
        if not missing:
            return [cache[w] for w in words]
        found = self._fill(missing)
        return [found[w] if w in found else cache[w] for w in words]

    def stem_set(self, words: set[str]) -> set[str]:
        """The distinct stems of a set of casefolded words, without stop words."""
        cache = self._cache  # stop words are cached as ""
        stems: set[str | None] = set(map(cache.get, words))
        if None in stems:
            stems.discard(None)
            stems.update(self._fill(list(words.difference(cache))).values())
        stems.discard("")
        return cast(set[str], stems)  # None was discarded

    def stem_cp1251(self, words: list[bytes]) -> set[str]:
        """:meth:`stem_set` for cp1251-encoded words (repeats allowed): no decoding, and one
        dictionary look-up per word, for words seen before."""
        cache = self._cp1251
        stems: set[str | None] = set(map(cache.get, words))
        if None in stems:
            stems.discard(None)
            missing = list(set(words).difference(cache))  # C loops: no Python per word
            found = self.stems([w.decode("cp1251") for w in missing])
            if len(cache) + len(missing) > _CACHE_LIMIT:
                self._cp1251 = cache = {}
            cache.update(zip(missing, found, strict=True))
            stems.update(found)
        stems.discard("")
        return cast(set[str], stems)  # None was discarded

    def _fill(self, missing: list[str]) -> dict[str, str]:
        with self._lock:
            if self._russian is None or self._english is None:
                self._russian = Stemmer.Stemmer("russian")
                self._english = Stemmer.Stemmer("english")
            unique = [
                w
                for w in dict.fromkeys(missing)
                if 1 < len(w) <= _MAX_WORD and w not in STOP_WORDS
            ]
            russian = [w for w in unique if _CYRILLIC.search(w)]
            english = [w for w in unique if _LATIN.search(w) and not _CYRILLIC.search(w)]
            found = dict.fromkeys(missing, "")  # stop words, single letters, glued garbage
            found.update(zip(unique, unique, strict=True))  # digits and other scripts stay
            for words, stemmer in ((russian, self._russian), (english, self._english)):
                stems = stemmer.stemWords(words)
                found.update((w, s or w) for w, s in zip(words, stems, strict=True))
            if len(self._cache) + len(found) > _CACHE_LIMIT:
                self._cache = {}  # a fresh dict rather than clear(): readers may hold the old one
            self._cache.update(found)
            return found


_STEMMER = _Stemmer()


def tokens(text: str) -> list[str]:
    """Casefolded words of letters and digits, ``ё`` as ``е``, in text order."""
    return _TOKEN.findall(text.casefold().replace("ё", "е"))


def stem_words(words: Iterable[str]) -> list[str]:
    """Stems of casefolded words (as :func:`tokens` gives them), in the same order."""
    return _STEMMER.stems(list(words))


def index_words(text: str) -> str:
    """The distinct stems of a text, joined by spaces, for the search index.

    Each stem appears once, in no particular order: the index records which articles hold a
    word, not where or how often. Russian and English texts fit in cp1251, where folding and
    splitting into words is one byte translation instead of casefold and a regular expression.
    """
    try:
        data = text.encode("cp1251")
    except UnicodeEncodeError:  # other scripts or symbols: the general (slower) way
        data = None
    if data is None or any(byte in data for byte in _CP1251_UNFOLDABLE):
        folded = text.casefold().replace("ё", "е")
        return " ".join(_STEMMER.stem_set(set(_TOKEN.findall(folded))))
    return " ".join(_STEMMER.stem_cp1251(data.translate(_CP1251_FOLD).split()))


def query_words(text: str) -> list[tuple[str, ...]]:
    """The search terms of a query, in query order; empty when nothing is left.

    One tuple per distinct query word: the index words any of which matches it (a word form
    can stand for more than one index word). Every tuple must match for an article to be found.
    """
    words = list(dict.fromkeys(tokens(text)))
    return [(stem,) for stem in dict.fromkeys(_STEMMER.stems(words)) if stem]


def scheme() -> str:
    """Names everything that decides the stems; an index built under another must be rebuilt."""
    return f"{RULES}/pystemmer-{Stemmer.version()}/unicode-{unicodedata.unidata_version}"
