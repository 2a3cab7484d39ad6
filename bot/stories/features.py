"""What story detection keeps of an article: its headline's words and the words of its lead.

Readers judge two articles one story when the headline of each would fit the other's text; the
features are built for exactly that test (see :mod:`bot.stories.match`): the weighted words of
the headline, the set of words of headline plus lead, and the calendar dates the headline names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.stories.words import first_tokens, tokens, word

if TYPE_CHECKING:
    from bot.models import Article

__all__ = ["LEAD_WORDS", "Features", "article_features", "features"]

LEAD_WORDS = 40
"""Words of the body read after the headline: the lead restates the event; later paragraphs
drift into background that other stories share."""

_PARAGRAPHS = 3  # enough to hold LEAD_WORDS words after a one-line lead

_MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр",
           "октябр", "ноябр", "декабр")  # fmt: skip
_DATE = re.compile(
    r"\b([012]?\d|3[01])\s+(январ|феврал|марта?\b|апрел|ма[йя]\b|июн|июл|август|сентябр"
    r"|октябр|ноябр|декабр)",
    re.IGNORECASE,
)
_DAY_THEN_SPACE = re.compile(r"\d\s")  # what every date holds: most headlines have none


@dataclass(frozen=True, slots=True)
class Features:
    """The headline's keys with weights, the keys of headline and lead, the headline's dates."""

    headline: dict[str, float]
    text: frozenset[str]
    dates: frozenset[tuple[int, int]] = frozenset()
    headline_weight: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Summed once: every comparison with a candidate divides by it.
        object.__setattr__(self, "headline_weight", sum(self.headline.values()))


def _dates(headline: str) -> frozenset[tuple[int, int]]:
    """``(day, month)`` of each date the headline names: «Прогноз погоды на 8 ноября»."""
    if not _DAY_THEN_SPACE.search(headline):
        return frozenset()
    found: set[tuple[int, int]] = set()
    for match in _DATE.finditer(headline):
        stem = match[2].lower()
        month = next(index for index, name in enumerate(_MONTHS, 1) if stem.startswith(name))
        found.add((int(match[1]), month))
    return frozenset(found)


def _weighted(text: str) -> dict[str, float]:
    keyed: dict[str, float] = {}
    for found in map(word, tokens(text)):
        if found is not None and found.weight > keyed.get(found.key, 0.0):
            keyed[found.key] = found.weight
    return keyed


def features(headline: str, lead: str) -> Features:
    """Features of an article from its headline and the text that follows it.

    Only the first :data:`LEAD_WORDS` words of ``lead`` are read.
    """
    head = _weighted(headline)
    text = set(head)
    text.update(found.key for found in map(word, first_tokens(lead, LEAD_WORDS)) if found)
    return Features(head, frozenset(text), _dates(headline))


def article_features(article: Article) -> Features:
    """Features of a parsed article: its headline and the start of its body.

    The body is read as stored, dateline and carrier included: they only add words to the
    side that is searched, and cleaning them again would double the cost.
    """
    return features(article.title, "\n".join(article.body[:_PARAGRAPHS]) or article.brief)
