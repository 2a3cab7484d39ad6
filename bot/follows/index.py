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


def _by_rarity(words: Words) -> list[tuple[str, ...]]:
    # A word's frequency is that of its commonest alternative: any of them lets it match.
    return sorted(words, key=lambda alternatives: max(map(_zipf, alternatives)))


def holds(words: Words, found: frozenset[str] | set[str]) -> bool:
    """Whether every word (one of its alternatives) is among ``found``."""
    return all(not found.isdisjoint(alternatives) for alternatives in words)


def meets(words: Words, excluded: Words, found: frozenset[str] | set[str]) -> bool:
    """Whether a followed phrase (its words and excluded words, as :func:`parse_key` gives
    them) matches an article of these words: every word there, no excluded one."""
    return holds(words, found) and none_of(excluded, found)


def none_of(excluded: Words, found: frozenset[str] | set[str]) -> bool:
    return all(found.isdisjoint(alternatives) for alternatives in excluded)


class _Entry(Generic[T]):
    """One phrase key: its words, and the targets that follow it."""

    __slots__ = ("excluded", "required", "shared", "targets", "words")

    def __init__(self, words: Words, excluded: Words, shared: bool) -> None:
        self.words = words
        self.excluded = excluded
        # Every word of one form: a subset test in C (the usual case) instead of a loop.
        single = all(len(alternatives) == 1 for alternatives in words)
        self.required = frozenset(a[0] for a in words) if single else None
        self.shared = shared  # filed under several pairs: an article may reach it twice
        self.targets: set[T] = set()

    def meets(self, found: frozenset[str] | set[str]) -> bool:
        required = self.required
        held = required <= found if required is not None else holds(self.words, found)
        return held and none_of(self.excluded, found)


class MatchIndex(Generic[T]):
    """Targets (a chat, or a chat and what it followed) filed under phrase keys and tags.

    A phrase of one word, nothing excluded, is filed under its word: an article holding it
    matches without a check. A longer one is filed under its two rarest words, one inside
    the other: an article reaches it only when it holds both (a set intersection in C), so
    phrases of two common words cost nothing to articles holding one of them.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry[T]] = {}
        self._single: dict[str, list[set[T]]] = {}
        self._pairs: dict[str, dict[str, list[_Entry[T]]]] = {}
        self._by_tag: dict[str, set[T]] = {}

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
            ranked = _by_rarity(words)
            first = ranked[0]
            second = ranked[1] if len(ranked) > 1 else None
            shared = len(first) * (len(second) if second else 1) > 1
            entry = self._entries[key] = _Entry(words, excluded, shared)
            for one in first:
                if second is None and not excluded:
                    self._single.setdefault(one, []).append(entry.targets)
                    continue
                inner = self._pairs.setdefault(one, {})
                for other in second or (one,):
                    inner.setdefault(other, []).append(entry)
        entry.targets.add(target)

    def add_tag(self, tag_key: str, target: T) -> None:
        self._by_tag.setdefault(tag_key, set()).add(target)

    def match(self, words: frozenset[str] | set[str], tag_keys: Iterable[str] = ()) -> set[T]:
        """The targets whose phrase or tag the article's ``words`` and ``tag_keys`` meet, each
        once."""
        hits: list[set[T]] = []
        single, pairs = self._single, self._pairs
        seen: set[int] = set()
        for word in words:
            found = single.get(word)
            if found is not None:
                hits.extend(found)
            inner = pairs.get(word)
            if inner is None:
                continue
            for other in inner.keys() & words:
                for entry in inner[other]:
                    if entry.shared:
                        if id(entry) in seen:
                            continue  # reached through two alternatives the article holds
                        seen.add(id(entry))
                    if entry.meets(words):
                        hits.append(entry.targets)
        for key in tag_keys:
            tagged = self._by_tag.get(key)
            if tagged is not None:
                hits.append(tagged)
        # Targets are kept in sets so that this union copies hashes instead of computing them.
        return set().union(*hits)


class Rules(Generic[T]):
    """A few rules — one chat's — checked one by one against each article.

    :class:`MatchIndex` pays for a phrase when it is added (ranking its words) to make
    matching cheap whatever their number; for the handful of rules of one chat, a plain
    check of each is cheaper in all.
    """

    def __init__(self) -> None:
        self._tags: dict[str, list[T]] = {}
        self._phrases: list[tuple[Words, Words, T]] = []

    def __bool__(self) -> bool:
        return bool(self._tags or self._phrases)

    def add_phrase(self, key: str, target: T) -> None:
        words, excluded = parse_key(key)
        if words:  # a key always has a word; a damaged one matches nothing
            self._phrases.append((words, excluded, target))

    def add_tag(self, tag_key: str, target: T) -> None:
        self._tags.setdefault(tag_key, []).append(target)

    def match(self, words: frozenset[str] | set[str], tag_keys: Iterable[str] = ()) -> set[T]:
        """The targets whose phrase or tag the article meets (as :meth:`MatchIndex.match`)."""
        found = {t for w, excluded, t in self._phrases if meets(w, excluded, words)}
        for key in tag_keys:
            found.update(self._tags.get(key, ()))
        return found


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
