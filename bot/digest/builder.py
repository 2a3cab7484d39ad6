"""What goes into a digest: the new articles of a chat's tags, each once, grouped by tag.

Pure functions over plain data, so the rules are tested without a database: the planner
fetches ``ArticleRepo.since(cursor, keys)`` and hands the result here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.models import Article, Chat, Tag


@dataclass(slots=True)
class Digest:
    """A chat's digest: groups in the chat's subscription order, newest first inside each.

    ``after`` and ``upto`` bound the article ids it covers (``after < id <= upto``);
    ``more`` counts the matching articles past the cap, which a button pages through.
    """

    chat_id: int
    after: int
    upto: int
    groups: list[tuple[Tag, list[Article]]] = field(default_factory=list)
    more: int = 0
    subscribed: bool = True

    @property
    def shown(self) -> int:
        return sum(len(articles) for _tag, articles in self.groups)

    @property
    def empty(self) -> bool:
        return not self.groups

    def numbered(self) -> list[tuple[int, Tag, Article]]:
        """Items in reading order with their number in the digest (1, 2, …)."""
        items: list[tuple[int, Tag, Article]] = []
        for tag, articles in self.groups:
            for article in articles:
                items.append((len(items) + 1, tag, article))
        return items


Found = Sequence[tuple[Article, frozenset[str]]]


def window(found: Found, *, upto: int, skip: int, cap: int) -> tuple[Found, int]:
    """The page shown from what ``since()`` found, and how many articles there are in all.

    ``found`` is newest first with the tag keys each article matched. Articles above
    ``upto`` arrived after the digest was started and wait for the next one.
    """
    seen: set[int] = set()
    fresh: list[tuple[Article, frozenset[str]]] = []
    for article, keys in found:
        if article.id is None or article.id > upto or article.id in seen:
            continue
        seen.add(article.id)
        fresh.append((article, keys))
    return fresh[skip : skip + cap], len(fresh)


def group(
    chat: Chat, page: Found, *, total: int, upto: int, skip: int = 0, after: int | None = None
) -> Digest:
    """The digest of a page of articles: each in the group of the first of the chat's
    subscriptions it matched (so an article with several subscribed tags appears once),
    groups in subscription order, newest first inside each. ``after`` is the cursor the
    page was read from (the chat's own by default)."""
    digest = Digest(
        chat_id=chat.id,
        after=chat.digest_cursor if after is None else after,
        upto=upto,
        subscribed=bool(chat.subscriptions),
        more=max(0, total - skip - len(page)),
    )
    order = {tag.key: index for index, tag in enumerate(chat.subscriptions)}
    buckets: dict[int, list[Article]] = {}
    for article, keys in page:
        ranks = [order[key] for key in keys if key in order]
        if not ranks:  # matched a tag the chat no longer has; show it with the first
            ranks = [0]
        buckets.setdefault(min(ranks), []).append(article)
    if chat.subscriptions:
        digest.groups = [(chat.subscriptions[rank], buckets[rank]) for rank in sorted(buckets)]
    return digest


def compose(chat: Chat, found: Found, *, upto: int, cap: int, skip: int = 0) -> Digest:
    """The digest from everything ``since()`` found: the newest ``cap`` after ``skip``."""
    page, total = window(found, upto=upto, skip=skip, cap=cap)
    return group(chat, page, total=total, upto=upto, skip=skip)
