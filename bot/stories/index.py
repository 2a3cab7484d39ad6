"""The recent articles, indexed by word, and the story each new one joins.

The ingest owns one :class:`StoryIndex`: it warms it at start with the stored articles of the
last window (:meth:`StoryIndex.add`, with their stories), then calls :meth:`StoryIndex.assign`
for each new article in order, an article of the same batch included, and stores the story id
it returns. A story's id is the id of its first article.

Candidates come from an inverted index over the words of headline and lead, probed with the
new headline's rarest words only: a story needs a share of :data:`~bot.stories.match.THRESHOLD`
of the headline's weight in the other text, so an article that holds none of the words whose
weight adds up to the rest cannot reach it (prefix filtering, as in set-similarity joins).
Articles older than the window behind the newest one seen leave the index as it moves on.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import is_ahead
from bot.stories.features import Features
from bot.stories.match import THRESHOLD, score

__all__ = ["DEFAULT_WINDOW", "StoryIndex"]

DEFAULT_WINDOW = timedelta(hours=72)
"""How far apart in publication time two articles of one story may be."""


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    published: datetime
    story: int
    features: Features


class StoryIndex:
    """Stories of the articles published within ``window`` of the newest one seen.

    Not thread-safe: one ingest at a time uses it.
    """

    def __init__(self, *, window: timedelta = DEFAULT_WINDOW, threshold: float = THRESHOLD):
        self.window = window
        self.threshold = threshold
        self.examined = 0  # candidates scored so far: the cost of the search, for benchmarks
        self._entries: dict[int, _Entry] = {}
        self._postings: dict[str, set[int]] = {}
        self._by_time: list[tuple[datetime, int]] = []  # a heap: the oldest leaves first
        self._newest: datetime | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._entries

    def story_of(self, article_id: int) -> int | None:
        """The story of an article in the index, or None."""
        entry = self._entries.get(article_id)
        return entry.story if entry else None

    def add(self, article_id: int, published: datetime, features: Features, story: int) -> None:
        """Put an article whose story is known (a stored one, when warming up) in the index."""
        self.remove(article_id)
        if self._newest is not None and published < self._newest - self.window:
            return  # behind the window (an archive read out of order): it would leave at once
        entry = _Entry(article_id, published, story, features)
        self._entries[article_id] = entry
        postings = self._postings
        for key in features.text:
            ids = postings.get(key)
            if ids is None:
                postings[key] = {article_id}  # no empty set made for each key already there
            else:
                ids.add(article_id)
        heapq.heappush(self._by_time, (published, article_id))
        # An article dated ahead of today (a wrong date, or a data set's) must not move the
        # window on and empty it of today's articles: it waits in the index for its date.
        if (self._newest is None or published > self._newest) and not is_ahead(published):
            self._newest = published
        self._evict()

    def assign(self, article_id: int, published: datetime, features: Features) -> int:
        """Find the story of a new article, add it to the index and return the story's id.

        The story of the best-matching article within the window, if it scores at least the
        threshold; else a new story whose id is ``article_id``. An article already in the
        index keeps its story.
        """
        known = self.story_of(article_id)
        if known is not None:
            return known
        best = self.best_match(published, features)
        story = best.story if best is not None else article_id
        self.add(article_id, published, features, story)
        return story

    def assign_all(self, articles: Iterable[tuple[int, datetime, Features]]) -> list[int]:
        """:meth:`assign` for each article in order: later ones may join earlier ones' stories."""
        return [self.assign(*article) for article in articles]

    def best_match(self, published: datetime, features: Features) -> _Entry | None:
        """The indexed article within the window that best shares the story, if one does."""
        best: _Entry | None = None
        best_rank = (0.0, 0.0)
        for entry in self._candidates(features):
            if abs(entry.published - published) > self.window:
                continue
            self.examined += 1
            found = score(features, entry.features)
            if found < self.threshold:
                continue
            # The highest score wins; of equals, the earliest article, whose story is older.
            rank = (found, -entry.published.timestamp())
            if best is None or rank > best_rank:
                best, best_rank = entry, rank
        return best

    def _candidates(self, features: Features) -> list[_Entry]:
        """Articles whose headline and lead hold the threshold's share of the new headline.

        Words are looked up from the rarest, summing their weights per article, at least until
        the weight of the rest falls below that share (an article holding none of the words
        looked up cannot reach it), and on while a word's articles are fewer than the
        candidates so far (cheaper than checking each candidate for it). The words left, the
        commonest, are then checked in each candidate's own words.
        """
        postings = self._postings
        words = sorted(
            ((postings.get(key, ()), weight) for key, weight in features.headline.items()),
            key=lambda item: len(item[0]),
        )
        needed = self.threshold * features.headline_weight
        remaining = features.headline_weight
        shares: dict[int, float] = {}
        probed = 0
        for ids, weight in words:
            if remaining < needed and len(ids) > len(shares):
                break
            for article_id in ids:
                shares[article_id] = shares.get(article_id, 0.0) + weight
            remaining -= weight
            probed += 1
        rest = words[probed:]
        found = []
        for article_id, share in shares.items():
            if share + remaining < needed:
                continue
            if rest:
                share += sum(weight for ids, weight in rest if article_id in ids)
            if share >= needed:
                found.append(self._entries[article_id])
        return found

    def remove(self, article_id: int) -> None:
        """Take an article out (one that could not be stored after all)."""
        entry = self._entries.pop(article_id, None)
        if entry is None:
            return
        postings = self._postings
        for key in entry.features.text:
            ids = postings.get(key)
            if ids is not None:
                ids.discard(article_id)
                if not ids:
                    del postings[key]

    def _evict(self) -> None:
        """Drop what fell out of the window behind the newest article seen."""
        if self._newest is None:
            return
        horizon = self._newest - self.window
        heap = self._by_time
        while heap and heap[0][0] < horizon:
            published, article_id = heapq.heappop(heap)
            entry = self._entries.get(article_id)
            if entry is not None and entry.published == published:
                self.remove(article_id)
