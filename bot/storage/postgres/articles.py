"""PostgreSQL articles: the same behaviour as :mod:`bot.storage.articles`.

Lists run newest first by (published, id) and page with the same opaque cursor as SQLite
(:func:`bot.storage.article_rows.encode_cursor`), never with OFFSET; a row comparison on
``(published, id)`` is one range of the btree indexes. Search matches the generated
``search`` vector (PostgreSQL's ``russian`` configuration) through its GIN index, and
pages in the same order with the same cursor. Writing is in
:mod:`bot.storage.postgres.article_writer`.
"""

from __future__ import annotations

import difflib
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.models import Article, Page, Tag
from bot.storage.article_rows import (
    ARTICLE_COLUMNS,
    article_from_row,
    decode_cursor,
    encode_cursor,
    from_seconds,
    to_seconds,
)
from bot.storage.postgres.article_writer import upsert
from bot.storage.postgres.db import PgDatabase
from bot.storage.records import IngestResult
from bot.text.tags import tag_key

__all__ = ["PgArticleRepo"]

_A_COLUMNS = ", ".join(f"a.{name.strip()}" for name in ARTICLE_COLUMNS.split(","))
_TOP = (1 << 62, 1 << 62)  # a position above every article
_BOTTOM = (-(1 << 62), -1)
_EXPORT_CHUNK = 500
_SUGGEST_AMONG = 1000  # most used tags compared for near spellings

_LATEST = (
    f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE (published, id) < ($1, $2) "
    "ORDER BY published DESC, id DESC LIMIT $3"
)
# The newest `limit` of a union are among the newest `limit` of each tag: one short index
# range per tag, merged.
_LATEST_BY_TAGS = (
    f"SELECT {_A_COLUMNS} FROM (SELECT DISTINCT t.article_id, t.published "
    "FROM tags JOIN LATERAL (SELECT article_id, published FROM article_tags "
    "WHERE tag_id = tags.id AND (published, article_id) < ($2, $3) "
    "ORDER BY published DESC, article_id DESC LIMIT $4) AS t ON true "
    "WHERE tags.key = ANY($1::text[])) AS m JOIN articles AS a ON a.id = m.article_id "
    "ORDER BY m.published DESC, m.article_id DESC LIMIT $4"
)
_SINCE = (
    f"SELECT {_A_COLUMNS}, m.tag_ids FROM (SELECT article_id, array_agg(tag_id) AS tag_ids "
    "FROM article_tags WHERE article_id > $1 AND tag_id = ANY($2::bigint[]) "
    "GROUP BY article_id) AS m JOIN articles AS a ON a.id = m.article_id "
    "ORDER BY a.published DESC, a.id DESC LIMIT $3"
)
# Search in two steps, for the planner cannot tell a rare word from an absent one (both lie
# below its statistics) and would walk the whole published index for either. First the
# newest _SEARCH_WALK articles are tested in order: enough for any common word. Only if
# they hold too few matches, the matches are taken from the GIN index and sorted.
_SEARCH_WALK = 1000
_SEARCH_RECENT = (
    f"SELECT {ARTICLE_COLUMNS} FROM (SELECT * FROM articles WHERE (published, id) < ($2, $3) "
    f"ORDER BY published DESC, id DESC LIMIT {_SEARCH_WALK}) AS recent "
    "WHERE search @@ plainto_tsquery('russian', $1) ORDER BY published DESC, id DESC LIMIT $4"
)
_SEARCH_INDEX = (
    "WITH m AS MATERIALIZED (SELECT id, published FROM articles "
    "WHERE search @@ plainto_tsquery('russian', $1) AND (published, id) < ($2, $3)) "
    f"SELECT {_A_COLUMNS} FROM (SELECT id, published FROM m "
    "ORDER BY published DESC, id DESC LIMIT $4) AS t JOIN articles AS a ON a.id = t.id "
    "ORDER BY t.published DESC, t.id DESC"
)
_EXPORT = (
    f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE (published, id) > ($1, $2) "
    "ORDER BY published, id LIMIT $3"
)
_EXPORT_TAG = (
    f"SELECT {_A_COLUMNS} FROM article_tags AS t JOIN articles AS a ON a.id = t.article_id "
    "WHERE t.tag_id = $1 AND (t.published, t.article_id) > ($2, $3) "
    "ORDER BY t.published, t.article_id LIMIT $4"
)
_TAGS = (
    "SELECT key, display, article_count FROM tags WHERE article_count > 0 "
    "ORDER BY article_count DESC, key LIMIT $1 OFFSET $2"
)
_SUGGEST = (
    "SELECT key, display, article_count FROM tags WHERE article_count > 0 "
    "AND (key LIKE $1 OR key LIKE $2) ORDER BY article_count DESC, key LIMIT $3"
)


class PgArticleRepo:
    """Stores articles with their tags and serves them by tag, by id and by words."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    # -- writing -------------------------------------------------------------------------

    async def upsert_many(
        self,
        articles: Iterable[Article],
        *,
        source_hashes: Iterable[bytes | None] | None = None,
    ) -> IngestResult:
        """Store articles in one transaction; same dedup key → update in place or no-op."""
        return await upsert(self.db, articles, source_hashes)

    async def check_search_index(self) -> bool:
        """PostgreSQL derives the search vector itself as rows change: nothing to rebuild."""
        return False

    async def known_sources(self, hashes: Iterable[bytes]) -> set[bytes]:
        """The source hashes already stored: those texts need no parsing again."""
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return set()
        sql = "SELECT source_hash FROM articles WHERE source_hash = ANY($1::bytea[])"
        return {bytes(row[0]) for row in await self.db.fetch(sql, wanted)}

    # -- single articles and figures -----------------------------------------------------

    async def get(self, article_id: int) -> Article | None:
        row = await self.db.fetchrow(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1", article_id
        )
        return article_from_row(row) if row is not None else None

    async def count(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM articles"))

    async def max_id(self) -> int:
        return int(await self.db.fetchval("SELECT coalesce(max(id), 0) FROM articles"))

    async def last_ingest_at(self) -> datetime | None:
        """When articles were last ingested (even if none was new), for /stats."""
        value = await self.db.fetchval("SELECT value FROM meta WHERE key = 'last_ingest_at'")
        return from_seconds(int(value)) if value is not None else None

    # -- lists ---------------------------------------------------------------------------

    async def latest(
        self, tags: Sequence[str] = (), *, limit: int = 10, cursor: str | None = None
    ) -> Page:
        """Newest first, overall (no tags) or for any of the tags (written forms or keys)."""
        if limit <= 0:
            return Page([], None)
        published, article_id = decode_cursor(cursor) if cursor else _TOP
        if not tags:
            return _page(await self.db.fetch(_LATEST, published, article_id, limit + 1), limit)
        keys = [key for key in dict.fromkeys(tag_key(tag) for tag in tags) if key]
        if not keys:
            return Page([], None)
        rows = await self.db.fetch(_LATEST_BY_TAGS, keys, published, article_id, limit + 1)
        return _page(rows, limit)

    async def since(
        self, after_id: int, tag_keys: Sequence[str], *, limit: int | None = None
    ) -> list[tuple[Article, frozenset[str]]]:
        """Articles with id > after_id carrying any of the tag keys, newest first,
        each once, with the subset of tag_keys (normalised) it matched."""
        keys_by_id = {tag_id: key for key, tag_id in (await self._tag_ids(tag_keys)).items()}
        if not keys_by_id:
            return []
        rows = await self.db.fetch(_SINCE, after_id, list(keys_by_id), limit)
        return [
            (article_from_row(row), frozenset(keys_by_id[tag_id] for tag_id in row[-1]))
            for row in rows
        ]

    async def search(self, query: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        """Full-text search; Russian word forms match (выборы ~ выборов).

        Every word of the query must occur; the words are plain terms (quotes, ``*``,
        ``AND``, ``:`` are ordinary text), and a query with nothing searchable finds nothing.
        """
        text = query.replace("\x00", " ").strip()
        if not text or limit <= 0:
            return Page([], None)
        published, article_id = decode_cursor(cursor) if cursor else _TOP
        position = (text, published, article_id, limit + 1)
        rows = await self.db.fetch(_SEARCH_RECENT, *position)
        if len(rows) <= limit:
            rows = await self.db.fetch(_SEARCH_INDEX, *position)
        return _page(rows, limit)

    async def export(
        self, *, since: datetime | None = None, tag: str | None = None
    ) -> AsyncIterator[Article]:
        """Every stored article (oldest first), optionally published since / with a tag.

        Reads in small keyset pages, so memory stays flat however big the database is.
        """
        published, article_id = (to_seconds(since), -1) if since is not None else _BOTTOM
        tag_id = None
        if tag is not None:
            tag_id = (await self._tag_ids([tag])).get(tag_key(tag))
            if tag_id is None:
                return
        while True:
            if tag_id is None:
                rows = await self.db.fetch(_EXPORT, published, article_id, _EXPORT_CHUNK)
            else:
                rows = await self.db.fetch(
                    _EXPORT_TAG, tag_id, published, article_id, _EXPORT_CHUNK
                )
            for row in rows:
                yield article_from_row(row)
            if len(rows) < _EXPORT_CHUNK:
                return
            article_id, published = rows[-1][0], rows[-1][3]

    # -- tags ----------------------------------------------------------------------------

    async def tags(self, *, limit: int | None = None, offset: int = 0) -> list[Tag]:
        """Tags with article counts, most articles first."""
        rows = await self.db.fetch(_TAGS, limit, max(offset, 0))
        return [Tag(row[0], row[1], row[2]) for row in rows]

    async def tag(self, text: str) -> Tag | None:
        """The stored tag for any written form (``#Референдум_2026`` → Референдум-2026).

        A tag whose articles all moved to other tags counts as unknown.
        """
        key = tag_key(text)
        if not key:
            return None
        row = await self.db.fetchrow(
            "SELECT key, display, article_count FROM tags WHERE key = $1 AND article_count > 0",
            key,
        )
        return Tag(row[0], row[1], row[2]) if row is not None else None

    async def suggest_tags(self, text: str, *, limit: int = 3) -> list[Tag]:
        """Closest existing tags to an unknown one.

        Tags starting with the text (or with a word of it) come first, most articles first;
        then near spellings (``выбры`` → ``выборы``) among the most used tags.
        """
        key = tag_key(text)
        if not key or limit <= 0:
            return []
        found: dict[str, Tag] = {}
        if len(key) >= 2:
            pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            for row in await self.db.fetch(_SUGGEST, f"{pattern}%", f"%\\_{pattern}%", limit):
                found.setdefault(row[0], Tag(row[0], row[1], row[2]))
        if len(found) < limit:
            popular = {tag.key: tag for tag in await self.tags(limit=_SUGGEST_AMONG)}
            for close in difflib.get_close_matches(key, list(popular), n=limit, cutoff=0.6):
                found.setdefault(close, popular[close])
        return list(found.values())[:limit]

    # -- plumbing ------------------------------------------------------------------------

    async def _tag_ids(self, tags: Iterable[str]) -> dict[str, int]:
        keys = [key for key in dict.fromkeys(tag_key(tag) for tag in tags) if key]
        if not keys:
            return {}
        rows = await self.db.fetch("SELECT key, id FROM tags WHERE key = ANY($1::text[])", keys)
        return {row[0]: row[1] for row in rows}


def _page(rows: Sequence[Any], limit: int) -> Page:
    articles = [article_from_row(row) for row in rows[:limit]]
    if len(rows) <= limit:
        return Page(articles, None)
    last = rows[limit - 1]
    return Page(articles, encode_cursor(last[3], last[0]))
