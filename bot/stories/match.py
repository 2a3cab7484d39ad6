"""Whether two articles report one story: each headline must fit the other's text.

Crowd labellers call two articles one story when "the headline of one would fit the other's
text". The score asks that in both directions: the share of headline A's weight (its words'
rarity) found in B's headline and lead, and the same for B in A; the smaller share is the score.
A topic shared by different events (two court cases, two forecasts) rarely carries both
headlines' rare words across; a reprint in other words keeps the names, places and numbers.

Two headlines that name different calendar dates (forecasts for 8 and 16 November) report
different events, whatever they share; and each headline must share two words or more with the
other text: one rare name alone («Токаев встретился…», «Токаев подписал…») is a topic.
"""

from __future__ import annotations

from bot.stories.features import Features

__all__ = ["THRESHOLD", "cover", "score"]

THRESHOLD = 0.25
"""Least score of one story. On the labelled pairs, different events score up to 0.23 (and a
few far above, see the README) and most retellings 0.28 or more; the threshold sits between."""


MIN_SHARED = 2
"""Least words of each headline found in the other text: one name alone is a topic."""


def cover(headline: Features, text: Features) -> float:
    """The share of ``headline``'s headline weight whose words ``text`` has."""
    total = headline.headline_weight
    if total <= 0:
        return 0.0
    words = text.text
    return sum(weight for key, weight in headline.headline.items() if key in words) / total


def score(first: Features, second: Features) -> float:
    """How surely two articles report one story, from 0 to 1 (see the module docstring)."""
    if first.dates and second.dates and first.dates.isdisjoint(second.dates):
        return 0.0
    if _shared(first, second) < MIN_SHARED or _shared(second, first) < MIN_SHARED:
        return 0.0
    return min(cover(first, second), cover(second, first))


def _shared(headline: Features, text: Features) -> int:
    words = text.text
    return sum(key in words for key in headline.headline)
