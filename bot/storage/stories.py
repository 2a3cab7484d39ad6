"""Stories: the articles of one event, the biggest events of a period, and tags on the rise.

An article's ``story`` is the id of its story's first article (see :mod:`bot.ingest`). A
story's size is the number of outlets that told it: distinct ``outlet`` values, an article
whose outlet is unknown counting as one of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.models import Article
from bot.storage.rows import ARTICLE_COLUMNS, article_from_row, to_seconds
from bot.storage.sql import NO_LIMIT, Database
from bot.text.tags import tag_key

_OUTLETS = "count(DISTINCT coalesce(a.outlet, '#' || a.id))"
_TAGGED = (
    "SELECT b.story FROM article_tags AS t JOIN articles AS b ON b.id = t.article_id "
    "WHERE t.published >= $1 AND t.tag_id IN (SELECT id FROM tags WHERE key {keys})"
)


@dataclass(frozen=True, slots=True)
class StorySize:
    """A story and how many outlets, and articles, told it in the period asked about."""

    story: int
    outlets: int
    articles: int


@dataclass(frozen=True, slots=True)
class TagActivity:
    """A tag's articles published lately and in the days before, to tell one on the rise."""

    key: str
    recent: int  # articles in the recent period
    before: int  # articles in the baseline period before it


class StoryRepo:
    """Reads stories; they are written with their articles (:mod:`bot.storage.writer`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def members(self, stories: Sequence[int]) -> dict[int, list[Article]]:
        """Every stored article of each story, earliest first (by publication, then id)."""
        wanted = list(dict.fromkeys(stories))
        if not wanted:
            return {}
        d = self.db.dialect
        sql = (
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE story {d.any(1)} ORDER BY published, id"
        )
        found: dict[int, list[Article]] = {story: [] for story in wanted}
        for row in await self.db.fetch(sql, d.array(wanted)):
            article = article_from_row(row)
            found[article.story or row[0]].append(article)
        return found

    async def biggest(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        tags: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[StorySize]:
        """Stories with articles published from ``since`` to ``until`` (carrying one of
        ``tags``, if given), most outlets first, then most articles, then the most recent;
        their size is counted over the articles of the period."""
        d = self.db.dialect
        params: list[object] = [to_seconds(since) if since is not None else -(1 << 62)]
        where = "a.published >= $1"
        if until is not None:
            where += f" AND a.published <= {to_seconds(until)}"
        keys = [key for key in dict.fromkeys(map(tag_key, tags)) if key]
        if tags and not keys:
            return []
        if keys:
            where += f" AND a.story IN ({_TAGGED.format(keys=d.any(3))})"
        params.append(NO_LIMIT if limit is None else limit)
        if keys:
            params.append(d.array(keys))
        sql = (
            f"SELECT a.story, {_OUTLETS}, count(*), max(a.published) FROM articles AS a "
            f"WHERE {where} GROUP BY a.story "
            "ORDER BY 2 DESC, 3 DESC, 4 DESC, a.story DESC LIMIT $2"
        )
        return [StorySize(row[0], row[1], row[2]) for row in await self.db.fetch(sql, *params)]

    async def tag_activity(
        self, keys: Sequence[str], *, recent: datetime, before: datetime
    ) -> dict[str, TagActivity]:
        """Articles of each tag published since ``recent``, and from ``before`` to then."""
        wanted = [key for key in dict.fromkeys(keys) if key]
        if not wanted:
            return {}
        d = self.db.dialect
        sql = (
            "SELECT g.key, sum(CASE WHEN t.published >= $2 THEN 1 ELSE 0 END), "
            "sum(CASE WHEN t.published < $2 THEN 1 ELSE 0 END) "
            "FROM tags AS g JOIN article_tags AS t ON t.tag_id = g.id "
            f"WHERE g.key {d.any(1)} AND t.published >= $3 GROUP BY g.key"
        )
        rows = await self.db.fetch(sql, d.array(wanted), to_seconds(recent), to_seconds(before))
        return {row[0]: TagActivity(row[0], int(row[1]), int(row[2])) for row in rows}
