"""Articles, tags and full-text search.

Lists run newest first by (published, id) and page with an opaque cursor, never with OFFSET,
so a page stays cheap and stable however deep it is and whatever is ingested meanwhile. The
cursor is the position of the last article shown, ``<published>.<id>`` in base 36 (about a
dozen characters, small enough for Telegram callback data); ``latest`` and ``search`` share
it. A cursor that cannot be read raises :class:`bot.errors.UserInputError`.

Search uses a contentless FTS5 table over the distinct word stems of headline and body (see
:mod:`bot.text.stem`). Its rowid packs (published, id) so that rowid order is newest-first
order: a search reads its first matches in that order and stops at the page size, however
common the word. Writing (dedup, updates, tag counts, what a bad row does to a batch) is in
:mod:`bot.storage.article_writer`.
"""

from __future__ import annotations

import difflib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.models import Article, Page, Tag
from bot.storage.article_rows import (
    ARTICLE_COLUMNS,
    MAX_ARTICLE_ID,
    article_from_row,
    decode_cursor,
    encode_cursor,
    from_seconds,
    fts_rowid,
    source_digest,
    to_seconds,
)
from bot.storage.article_writer import chunks, ensure_search_index, placeholders, upsert
from bot.storage.db import Database
from bot.storage.records import IngestResult
from bot.text.stem import query_words
from bot.text.tags import tag_key

__all__ = ["ArticleRepo", "IngestResult", "source_digest"]

logger = logging.getLogger(__name__)

_A_COLUMNS = ", ".join(f"a.{name.strip()}" for name in ARTICLE_COLUMNS.split(","))
_TOP = (1 << 62, 1 << 62)  # a position above every article
_BOTTOM = (-(1 << 62), -1)
_ABOVE_ALL_ROWIDS = (1 << 63) - 1
_EXPORT_CHUNK = 500
_SUGGEST_AMONG = 1000  # most used tags compared for near spellings


def _keyset(older: bool) -> str:
    """Articles past a (published, id) position, newest or oldest first, without OFFSET.

    A row-value comparison would not use the index beyond ``published`` (``id`` is the rowid),
    so the rest of the position's second and the earlier (later) seconds are two index ranges.
    """
    op, order = ("<", "DESC") if older else (">", "ASC")
    return (
        f"SELECT {_A_COLUMNS} FROM (SELECT id, published FROM ("
        f"SELECT * FROM (SELECT id, published FROM articles WHERE published = :p AND id {op} :i "
        f"ORDER BY id {order} LIMIT :n) UNION ALL "
        f"SELECT * FROM (SELECT id, published FROM articles WHERE published {op} :p "
        f"ORDER BY published {order}, id {order} LIMIT :n)) "
        f"ORDER BY published {order}, id {order} LIMIT :n) AS m "
        f"JOIN articles AS a ON a.id = m.id ORDER BY m.published {order}, m.id {order}"
    )


_OLDER = _keyset(older=True)
_NEWER = _keyset(older=False)
_PER_TAG = (
    "SELECT * FROM (SELECT article_id, published FROM article_tags "
    "WHERE tag_id = (SELECT id FROM tags WHERE key = ?) AND (published, article_id) < (?, ?) "
    "ORDER BY published DESC, article_id DESC LIMIT ?)"
)


class ArticleRepo:
    """Stores articles with their tags and serves them by tag, by id and by words."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._index_checked = False

    # -- writing -------------------------------------------------------------------------

    async def upsert_many(
        self,
        articles: Iterable[Article],
        *,
        source_hashes: Iterable[bytes | None] | None = None,
    ) -> IngestResult:
        """Store articles in one transaction; same dedup key → update in place or no-op.

        ``source_hashes``, one per article (see :func:`source_digest`), lets the next ingest
        of the same raw text be skipped before parsing with :meth:`known_sources`. See
        :mod:`bot.storage.article_writer` for what a refused article does to the batch.
        """
        if not self._index_checked:
            await self.check_search_index()
        return await upsert(self.db, articles, source_hashes)

    async def check_search_index(self) -> bool:
        """Rebuild the search index if it was built by other stemming rules (True if so).

        The first ingest does this by itself; call it at startup to fix search before that.
        """
        rebuilt = await ensure_search_index(self.db)
        self._index_checked = True
        return rebuilt

    async def known_sources(self, hashes: Iterable[bytes]) -> set[bytes]:
        """The source hashes already stored: those texts need no parsing again."""
        wanted = list(dict.fromkeys(hashes))
        found: set[bytes] = set()
        for part in chunks(wanted):
            marks = placeholders(len(part))
            sql = f"SELECT source_hash FROM articles WHERE source_hash IN ({marks})"
            found.update(row[0] for row in await self._all(sql, part))
        return found

    # -- single articles and figures -----------------------------------------------------

    async def get(self, article_id: int) -> Article | None:
        rows = await self._all(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)
        )
        return article_from_row(rows[0]) if rows else None

    async def count(self) -> int:
        return await self._int("SELECT count(*) FROM articles")

    async def max_id(self) -> int:
        return await self._int("SELECT coalesce(max(id), 0) FROM articles")

    async def last_ingest_at(self) -> datetime | None:
        """When articles were last ingested (even if none was new), for /stats."""
        rows = await self._all("SELECT value FROM meta WHERE key = 'last_ingest_at'", ())
        return from_seconds(int(rows[0][0])) if rows else None

    # -- lists ---------------------------------------------------------------------------

    async def latest(
        self, tags: Sequence[str] = (), *, limit: int = 10, cursor: str | None = None
    ) -> Page:
        """Newest first, overall (no tags) or for any of the tags (written forms or keys)."""
        if limit <= 0:
            return Page([], None)
        published, article_id = decode_cursor(cursor) if cursor else _TOP
        if not tags:
            position = {"p": published, "i": article_id, "n": limit + 1}
            return self._page(await self._all(_OLDER, position), limit)
        keys = [key for key in dict.fromkeys(tag_key(tag) for tag in tags) if key]
        if not keys:
            return Page([], None)
        # The newest `limit` of a union are among the newest `limit` of each part.
        union = " UNION ".join([_PER_TAG] * len(keys))
        params: list[object] = []
        for key in keys:
            params += (key, published, article_id, limit + 1)
        sql = (
            f"SELECT {_A_COLUMNS} FROM ({union}) AS m JOIN articles AS a ON a.id = m.article_id "
            "ORDER BY m.published DESC, m.article_id DESC LIMIT ?"
        )
        return self._page(await self._all(sql, (*params, limit + 1)), limit)

    async def since(
        self, after_id: int, tag_keys: Sequence[str], *, limit: int | None = None
    ) -> list[tuple[Article, frozenset[str]]]:
        """Articles with id > after_id carrying any of the tag keys, newest first,
        each once, with the subset of tag_keys (normalised) it matched."""
        keys_by_id = {tag_id: key for key, tag_id in (await self._tag_ids(tag_keys)).items()}
        if not keys_by_id:
            return []
        # Digests ask for what is new: walk the article index from after_id, not whole tags.
        sql = (
            "SELECT article_id, tag_id FROM article_tags INDEXED BY article_tags_article "
            "WHERE article_id > ? AND tag_id IN (SELECT value FROM json_each(?))"
        )
        matched: dict[int, set[str]] = {}
        for article_id, tag_id in await self._all(sql, (after_id, json.dumps(list(keys_by_id)))):
            matched.setdefault(article_id, set()).add(keys_by_id[tag_id])
        if not matched:
            return []
        sql = (
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id IN (SELECT value FROM json_each(?)) "
            "ORDER BY published DESC, id DESC LIMIT ?"
        )
        rows = await self._all(sql, (json.dumps(list(matched)), -1 if limit is None else limit))
        found = [article_from_row(row) for row in rows]
        return [(article, frozenset(matched[article.id or 0])) for article in found]

    async def search(self, query: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        """Full-text search; Russian word forms match (выборы ~ выборов).

        Every word of the query must occur; the words are plain terms (quotes, ``*``,
        ``AND``, ``:`` are ordinary text), and a query with nothing searchable finds nothing.
        """
        words = query_words(query)
        if not words or limit <= 0:
            return Page([], None)
        below = fts_rowid(*decode_cursor(cursor)) if cursor else _ABOVE_ALL_ROWIDS
        match = " AND ".join(
            "(" + " OR ".join(f'"{word}"' for word in alternatives) + ")" for alternatives in words
        )
        sql = (
            f"SELECT {_A_COLUMNS} FROM (SELECT rowid AS r FROM articles_fts "
            "WHERE articles_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?) AS m "
            f"JOIN articles AS a ON a.id = (m.r & {MAX_ARTICLE_ID}) ORDER BY m.r DESC"
        )
        try:
            rows = await self._all(sql, (match, below, limit + 1))
        except sqlite3.OperationalError:  # a query the stemmer let through; never the user's fault
            logger.exception("search for %r failed", query)
            return Page([], None)
        return self._page(rows, limit)

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
                sql = _NEWER
                params: Any = {"p": published, "i": article_id, "n": _EXPORT_CHUNK}
            else:
                sql = (
                    f"SELECT {_A_COLUMNS} FROM article_tags AS t "
                    "JOIN articles AS a ON a.id = t.article_id "
                    "WHERE t.tag_id = ? AND (t.published, t.article_id) > (?, ?) "
                    "ORDER BY t.published, t.article_id LIMIT ?"
                )
                params = (tag_id, published, article_id, _EXPORT_CHUNK)
            rows = await self._all(sql, params)
            for row in rows:
                yield article_from_row(row)
            if len(rows) < _EXPORT_CHUNK:
                return
            article_id, published = rows[-1][0], rows[-1][3]

    # -- tags ----------------------------------------------------------------------------

    async def tags(self, *, limit: int | None = None, offset: int = 0) -> list[Tag]:
        """Tags with article counts, most articles first."""
        sql = (
            "SELECT key, display, article_count FROM tags WHERE article_count > 0 "
            "ORDER BY article_count DESC, key LIMIT ? OFFSET ?"
        )
        rows = await self._all(sql, (-1 if limit is None else limit, max(offset, 0)))
        return [Tag(row[0], row[1], row[2]) for row in rows]

    async def tag(self, text: str) -> Tag | None:
        """The stored tag for any written form (``#Референдум_2026`` → Референдум-2026).

        A tag whose articles all moved to other tags counts as unknown.
        """
        key = tag_key(text)
        if not key:
            return None
        sql = "SELECT key, display, article_count FROM tags WHERE key = ? AND article_count > 0"
        rows = await self._all(sql, (key,))
        return Tag(rows[0][0], rows[0][1], rows[0][2]) if rows else None

    async def suggest_tags(self, text: str, *, limit: int = 3) -> list[Tag]:
        """Closest existing tags to an unknown one.

        Tags starting with the text (or with a word of it) come first, most articles first;
        then near spellings (``выбры`` → ``выборы``) among the most used tags, which are the
        likely ones and keep this quick however many rare tags there are.
        """
        key = tag_key(text)
        if not key or limit <= 0:
            return []
        found: dict[str, Tag] = {}
        if len(key) >= 2:
            pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql = (
                "SELECT key, display, article_count FROM tags WHERE article_count > 0 "
                "AND (key LIKE ? ESCAPE '\\' OR key LIKE ? ESCAPE '\\') "
                "ORDER BY article_count DESC, key LIMIT ?"
            )
            for row in await self._all(sql, (f"{pattern}%", f"%\\_{pattern}%", limit)):
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
        sql = "SELECT key, id FROM tags WHERE key IN (SELECT value FROM json_each(?))"
        rows = await self._all(sql, (json.dumps(keys, ensure_ascii=False),))
        return {row[0]: row[1] for row in rows}

    async def _all(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Any]:
        # One trip to the database thread (execute + fetch + close), not three: each trip
        # waits for the interpreter lock, which is what a busy bot's reply latency is made of.
        return list(await self.db.conn.execute_fetchall(sql, params))

    async def _int(self, sql: str) -> int:
        rows = await self._all(sql, ())
        return int(rows[0][0]) if rows else 0

    @staticmethod
    def _page(rows: list[Any], limit: int) -> Page:
        articles = [article_from_row(row) for row in rows[:limit]]
        if len(rows) <= limit:
            return Page(articles, None)
        last = rows[limit - 1]
        return Page(articles, encode_cursor(last[3], last[0]))
