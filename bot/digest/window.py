"""A planning pass's window of recent news, indexed by the words of headlines and leads.

The search index answers one phrase at a time; on PostgreSQL each answer walks the window's
articles and tests each one's vector, so a pass over thousands of phrases walks the window
thousands of times. This index is built once from the window's articles (their headline and
lead lemmas, :func:`bot.follows.article_words`): each lemma lists the articles holding it,
newest first, and a phrase reads only the list of its rarest word, checking the article's
other words in its set of lemmas. A pass then costs the window plus what its phrases find,
whatever their number. Pure: the caller reads the articles.

Memory is bounded by the window: its articles (:data:`bot.digest.fresh.MAX_BACKLOG`, 10,000
at most), one set of lemmas each, and one list entry per lemma an article holds — a few
hundred thousand entries for a full window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.follows import Words, meets
from bot.models import Article


class WindowIndex:
    """The articles with ids in (``after``, ``upto``], newest first (by published, then id),
    with their headline and lead lemmas and an inverted index of them."""

    __slots__ = ("after", "articles", "postings", "upto", "words")

    def __init__(
        self,
        articles: Sequence[Article],
        words: Sequence[frozenset[str]],
        *,
        after: int,
        upto: int,
    ) -> None:
        self.after = after
        self.upto = upto
        self.articles = articles
        self.words = words
        # Positions in `articles`, ascending: newest first.
        postings: dict[str, list[int]] = {}
        for position, held in enumerate(words):
            for lemma in held:
                found = postings.get(lemma)
                if found is None:
                    postings[lemma] = [position]
                else:
                    found.append(position)
        self.postings = postings

    def covers(self, after: int, upto: int) -> bool:
        """Whether every article with an id in (``after``, ``upto``] is here."""
        return upto == self.upto and after >= self.after

    def holding(
        self, words: Words, excluded: Words, *, after: int, since: datetime
    ) -> list[Article]:
        """The articles above ``after`` published at ``since`` or later (in whole seconds, as
        storage compares) whose headline or lead holds one alternative of each of ``words``
        and none of ``excluded``, newest first; ``after`` must be covered."""
        if not words:
            return []
        postings = self.postings
        # The rarest word's articles: those of its alternatives, in one newest-first list.
        rarest = min(
            ([postings.get(one, []) for one in alternatives] for alternatives in words),
            key=lambda lists: sum(map(len, lists)),
        )
        positions = rarest[0] if len(rarest) == 1 else sorted(set().union(*rarest))
        since = since.replace(microsecond=0)
        found: list[Article] = []
        for position in positions:
            article = self.articles[position]
            if article.published < since:
                break
            if (article.id or 0) <= after:
                continue
            if meets(words, excluded, self.words[position]):
                found.append(article)
        return found
