"""Search recall on names: does a name typed in the nominative find the articles that hold it
in another case? Snowball stems (the index before lemmas) against the lemmas of bot.text.stem.

    .venv/bin/python benchmarks/names.py

1. The built-in table (``tests/text/names.py``): surnames the dictionary knows and ones it
   must guess, foreign names, places and organisations, each form other than the nominative
   in an article of its own.
2. The dev corpus, where present: every capitalised word inside a sentence that the dictionary
   reads as a first name, surname, place or organisation in a case other than the nominative.
   The query is its nominative (pymorphy3's normal form: ``Захаровой`` → ``Захаров``), the
   article the one it stands in, counted only when the article lacks the query's own form.
3. Cost (first, on the dev corpus): microseconds per word form analysed the first time, and
   per article once its words are cached.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pymorphy3
import Stemmer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.text.stem import STOP_WORDS, index_words, query_words, tokens  # noqa: E402
from tests.text.names import name_forms  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
PROPER = {"Name", "Surn", "Geox", "Orgn"}
_INSIDE = re.compile(r"(?<=[\w,;:)»\"] )([А-ЯЁ][а-яё]+)")  # a capital that starts no sentence

Matcher = Callable[[str, str], bool]


class Snowball:
    """The index before lemmas: Snowball Russian for Cyrillic words, English for the rest."""

    def __init__(self) -> None:
        self.russian = Stemmer.Stemmer("russian")
        self.english = Stemmer.Stemmer("english")

    def words(self, text: str) -> set[str]:
        kept = [w for w in tokens(text) if 1 < len(w) <= 40 and w not in STOP_WORDS]
        return {
            (self.russian if re.search("[а-я]", w) else self.english).stemWord(w) for w in kept
        }

    def finds(self, query: str, text: str) -> bool:
        wanted = self.words(query)
        return bool(wanted) and wanted <= self.words(text)


def lemmas_find(query: str, text: str) -> bool:
    indexed = set(index_words(text).split())
    terms = query_words(query)
    return bool(terms) and all(indexed.intersection(t) for t in terms)


def table_pairs() -> list[tuple[str, str]]:
    pairs = []
    for name, forms in name_forms().items():
        pairs += [(name, f"Новость дня: {form} …") for form in forms if form != name]
    return pairs


def corpus_pairs(morph: pymorphy3.MorphAnalyzer) -> list[tuple[str, str]]:
    pairs = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        own = set(tokens(text))
        seen: set[str] = set()
        for form in _INSIDE.findall(text):
            best = morph.parse(form)[0]
            query = best.normal_form.replace("ё", "е")
            if not PROPER & set(best.tag.grammemes) or query in own or query in seen:
                continue
            seen.add(query)
            pairs.append((query.capitalize(), text))
    return pairs


def recall(pairs: list[tuple[str, str]], finds: Matcher) -> tuple[int, float]:
    found = sum(finds(query, text) for query, text in pairs)
    return found, 100 * found / len(pairs)


def report(label: str, pairs: list[tuple[str, str]], snowball: Snowball) -> None:
    before, before_share = recall(pairs, snowball.finds)
    after, after_share = recall(pairs, lemmas_find)
    print(
        f"{label:<38} {len(pairs):>5} pairs   Snowball {before:>5} ({before_share:5.1f}%)"
        f"   lemmas {after:>5} ({after_share:5.1f}%)"
    )


def cost(texts: list[str]) -> None:
    """Runs first, while the cache is empty; the dictionary is loaded before the clock starts."""
    index_words("словарь")
    words = sorted({w for text in texts for w in tokens(text)})
    started = time.perf_counter()
    index_words(" ".join(words))  # every form analysed once
    cold = (time.perf_counter() - started) / len(words) * 1e6
    started = time.perf_counter()
    for text in texts:
        index_words(text)
    warm = (time.perf_counter() - started) / len(texts) * 1e6
    print(f"cost: {cold:.1f} µs a new word form, {warm:.0f} µs an article once warm")


def main() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    if texts:
        cost(texts)
    snowball = Snowball()
    report("names in six cases (built-in table)", table_pairs(), snowball)
    if not texts:
        print(f"dev corpus not found at {CORPUS}: skipped")
        return
    report("names in the dev corpus", corpus_pairs(pymorphy3.MorphAnalyzer()), snowball)


if __name__ == "__main__":
    main()
