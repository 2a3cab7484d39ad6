"""One article against every followed phrase and tag: an inverted index by rarest word.

A phrase can only match an article holding one of the alternatives of each of its words, so
it is filed under the alternatives of one word only: the rarest (by wordfreq's frequency of
Russian words, the prior story detection uses). An article then looks up each of its own
words once and checks the few phrases filed there; common words (``выборы``) are chosen only
by phrases of nothing rarer. Phrases with one key share one entry, however many chats follow
them, and tags are one dictionary look-up each. Cost grows with the article's words and the
phrases filed under them, not with the number of phrases.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Generic, TypeVar

from wordfreq import zipf_frequency

from bot.follows.phrase import Mute, parse_key
from bot.text.stem import index_words
from bot.text.tags import tag_key

T = TypeVar("T", bound=Hashable)

Words = tuple[tuple[str, ...], ...]


def article_words(title: str, lead: str) -> frozenset[str]:
    """The words a follow is matched against: the lemmas of the headline and the lead."""
    return frozenset(index_words(f"{title}\n{lead}").split())


@lru_cache(maxsize=100_000)
def _zipf(lemma: str) -> float:
    return zipf_frequency(lemma, "ru", "small")


def _rarest(words: Words) -> tuple[str, ...]:
    # A word's frequency is that of its commonest alternative: any of them lets it match.
    return min(words, key=lambda alternatives: max(map(_zipf, alternatives)))


def holds(words: Words, found: frozenset[str] | set[str]) -> bool:
    """Whether every word (one of its alternatives) is among ``found``."""
    return all(not found.isdisjoint(alternatives) for alternatives in words)


class _Entry(Generic[T]):
    __slots__ = ("excluded", "targets", "words")

    def __init__(self, words: Words, excluded: Words) -> None:
        self.words = words
        self.excluded = excluded
        self.targets: list[T] = []


class MatchIndex(Generic[T]):
    """Targets (a chat, or a chat and what it followed) filed under phrase keys and tags."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry[T]] = {}
        self._by_word: dict[str, list[_Entry[T]]] = {}
        self._by_tag: dict[str, list[T]] = {}

    def __len__(self) -> int:
        return sum(len(e.targets) for e in self._entries.values()) + sum(
            map(len, self._by_tag.values())
        )

    def add_phrase(self, key: str, target: T) -> None:
        entry = self._entries.get(key)
        if entry is None:
            words, excluded = parse_key(key)
            if not words:
                return  # a key always has a word; a damaged one matches nothing
            entry = self._entries[key] = _Entry(words, excluded)
            for alternative in _rarest(words):
                self._by_word.setdefault(alternative, []).append(entry)
        entry.targets.append(target)

    def add_tag(self, tag_key: str, target: T) -> None:
        self._by_tag.setdefault(tag_key, []).append(target)

    def match(self, words: frozenset[str] | set[str], tag_keys: Iterable[str] = ()) -> list[T]:
        """The targets whose phrase or tag the article's ``words`` and ``tag_keys`` meet, each
        once, in no particular order."""
        found: dict[T, None] = {}
        seen: set[int] = set()
        by_word = self._by_word
        for word in words:
            entries = by_word.get(word)
            if entries is None:
                continue
            for entry in entries:
                if id(entry) in seen:
                    continue  # filed under two alternatives the article both holds
                seen.add(id(entry))
                if holds(entry.words, words) and not any(
                    not words.isdisjoint(alternatives) for alternatives in entry.excluded
                ):
                    found.update(dict.fromkeys(entry.targets))
        for key in tag_keys:
            found.update(dict.fromkeys(self._by_tag.get(key, ())))
        return list(found)


def muted(mutes: Iterable[Mute], words: frozenset[str] | set[str], tag_keys: set[str]) -> bool:
    """Whether one of a chat's mutes hides an article of these words and tags."""
    for mute in mutes:
        if mute.kind == "tag":
            if mute.key in tag_keys:
                return True
        elif holds(parse_key(mute.key)[0], words):
            return True
    return False


def hides(mutes: Sequence[Mute], title: str, lead: str, tags: Iterable[str]) -> bool:
    """Whether one of a chat's mutes hides an article (its headline, lead and tags as
    written, the rubric among them)."""
    if not mutes:
        return False
    return muted(mutes, article_words(title, lead), {tag_key(tag) for tag in tags})
