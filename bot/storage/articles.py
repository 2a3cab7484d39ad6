"""Articles, tags and full-text search.

(Interface fixed; the bodies are being written. Cursors are opaque strings.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.models import Article, Page, Tag
from bot.storage.db import Database


@dataclass(slots=True)
class IngestResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


class ArticleRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert_many(self, articles: Iterable[Article]) -> IngestResult:
        """Store articles in one transaction; same dedup key → update in place or no-op."""
        raise NotImplementedError

    async def get(self, article_id: int) -> Article | None:
        raise NotImplementedError

    async def latest(
        self, tags: Sequence[str] = (), *, limit: int = 10, cursor: str | None = None
    ) -> Page:
        """Newest first, overall (no tags) or for any of the tags (written forms or keys)."""
        raise NotImplementedError

    async def since(
        self, after_id: int, tag_keys: Sequence[str], *, limit: int | None = None
    ) -> list[tuple[Article, frozenset[str]]]:
        """Articles with id > after_id carrying any of the tag keys, newest first,
        each once, with the subset of tag_keys it matched."""
        raise NotImplementedError

    async def search(self, query: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        """Full-text search; Russian word forms match (выборы ~ выборов)."""
        raise NotImplementedError

    async def tags(self, *, limit: int | None = None, offset: int = 0) -> list[Tag]:
        """Tags with article counts, most articles first."""
        raise NotImplementedError

    async def tag(self, text: str) -> Tag | None:
        """The stored tag for any written form (``#Референдум_2026`` → Референдум-2026)."""
        raise NotImplementedError

    async def suggest_tags(self, text: str, *, limit: int = 3) -> list[Tag]:
        """Closest existing tags to an unknown one."""
        raise NotImplementedError

    async def count(self) -> int:
        raise NotImplementedError

    async def max_id(self) -> int:
        raise NotImplementedError

    def export(
        self, *, since: datetime | None = None, tag: str | None = None
    ) -> AsyncIterator[Article]:
        """Every stored article (oldest first), optionally published since / with a tag."""
        raise NotImplementedError
