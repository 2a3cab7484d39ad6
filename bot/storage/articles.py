"""Articles, tags and full-text search.

Lists run newest first by (published, id) and page with an opaque cursor, never with OFFSET,
so a page stays cheap and stable however deep it is and whatever is ingested meanwhile. The
cursor is the position of the last article shown, ``<published>.<id>`` in base 36 (about a
dozen characters, small enough for Telegram callback data); ``latest`` and ``search`` share
it. A cursor that cannot be read raises :class:`bot.errors.UserInputError`.

Search matches the words :func:`bot.text.stem.query_words` makes of the query against those
:func:`bot.text.stem.index_words` made of each article, through the engine's index (see the
dialects' ``search``). Writing (dedup, updates, tag counts, what a bad row does to a batch) is
in :mod:`bot.storage.writer`.
"""

from __future__ import annotations

import difflib
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime

from bot.models import AHEAD, Article, Page, Tag
from bot.storage.records import IngestResult, StoryText
from bot.storage.rows import (
    ARTICLE_COLUMNS,
    article_from_row,
    decode_cursor,
    encode_cursor,
    from_seconds,
    source_digest,
    to_seconds,
)
from bot.storage.sql import NO_LIMIT, Database, Row, Search, Window
from bot.storage.writer import Batch, claim, ensure_search_index, prepare_batch, upsert, write
from bot.text.stem import query_words
from bot.text.tags import tag_key

__all__ = ["ArticleRepo", "IngestResult", "source_digest"]

_A_COLUMNS = ", ".join(f"a.{name.strip()}" for name in ARTICLE_COLUMNS.split(","))
_BOTTOM = (-(1 << 62), -1)
_END = (1 << 62, 0)  # a position above every article
_EXPORT_CHUNK = 500
_BETWEEN_PAGE = 2_000
_SUGGEST_AMONG = 1000  # most used tags compared for near spellings


def _pages(older: bool, keyset: str) -> str:
    """Articles past a (published, id) position ($1, $2), $3 of them, newest or oldest
    first, by the dialect's ``keyset`` of ids."""
    order = "DESC" if older else "ASC"
    return (
        f"SELECT {_A_COLUMNS} FROM ({keyset}) AS m JOIN articles AS a ON a.id = m.id "
        f"ORDER BY m.published {order}, m.id {order}"
    )


# The newest `limit` of a union are among the newest `limit` of each tag ($4, $5 …).
_PER_TAG = (
    "SELECT * FROM (SELECT article_id, published FROM article_tags "
    "WHERE tag_id = (SELECT id FROM tags WHERE key = ${key}) AND (published, article_id) < "
    "($1, $2) ORDER BY published DESC, article_id DESC LIMIT $3) AS t{key}"
)
_EXPORT_TAG = (
    f"SELECT {_A_COLUMNS} FROM article_tags AS t JOIN articles AS a ON a.id = t.article_id "
    "WHERE t.tag_id = $1 AND (t.published, t.article_id) > ($2, $3) "
    "ORDER BY t.published, t.article_id LIMIT $4"
)
_BETWEEN = (
    f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > $1 AND id <= $2 ORDER BY id DESC LIMIT $3"
)
_TAG_COLUMNS = "SELECT key, display, article_count FROM tags WHERE article_count > 0"
# Enough of the body for the first paragraphs story detection reads (bot.stories.features).
_STORY_TEXT = "SELECT id, published, title, substr(body, 1, 2000), brief, story FROM articles "


class ArticleRepo:
    """Stores articles with their tags and serves them by tag, by id and by words."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._older = _pages(True, db.dialect.keyset(older=True))
        self._newer = _pages(False, db.dialect.keyset(older=False))

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
        :mod:`bot.storage.writer` for what a refused article does to the batch.
        """
        return await upsert(self.db, articles, source_hashes)

    async def prepare(
        self,
        articles: Iterable[Article],
        *,
        source_hashes: Iterable[bytes | None] | None = None,
        words: Iterable[str | None] | None = None,
    ) -> Batch:
        """The first step of :meth:`upsert_many`, for a use case that owns the transaction:
        ``prepare`` (outside it), then :meth:`claim` and :meth:`write` on the transaction's
        repository (see :mod:`bot.storage.writer`). ``words``, one per article, are search
        words stemmed beforehand (:func:`bot.text.stem.article_search_words`), None where not."""
        return await prepare_batch(self.db, articles, source_hashes, words)

    async def claim(self, batch: Batch) -> None:
        """Take the ingest lock and number the batch's new articles (in a transaction)."""
        await claim(self.db, batch)

    async def write(self, batch: Batch) -> None:
        """Write a claimed batch, in the transaction that claimed it."""
        await write(self.db, batch)

    async def story_texts(
        self, *, after: int = 0, upto: int | None = None, since: datetime | None = None
    ) -> list[StoryText]:
        """What story detection reads of the articles with ids in (``after``, ``upto``]:
        published at ``since`` or later when it is given (warming up), else all of them
        (catching up with other ingests), in id order."""
        if since is not None:
            # "+id": the published index bounds the scan, not the rowid.
            sql = _STORY_TEXT + "WHERE published >= $1 AND +id <= $2 ORDER BY id"
            rows = await self.db.fetch(sql, to_seconds(since), NO_LIMIT if upto is None else upto)
        else:
            sql = _STORY_TEXT + "WHERE id > $1 AND id <= $2 ORDER BY id"
            rows = await self.db.fetch(sql, after, NO_LIMIT if upto is None else upto)
        return [
            StoryText(r[0], from_seconds(r[1]), r[2], _lead_text(r[3], r[4]), r[5] or r[0])
            for r in rows
        ]

    async def newest_published(self) -> datetime | None:
        """When the newest stored article was published."""
        value = await self.db.fetchval("SELECT max(published) FROM articles")
        return from_seconds(int(value)) if value is not None else None

    async def check_search_index(self) -> bool:
        """Rebuild the search index if it was built by other stemming rules (True if so).

        Opening a storage does this; the words of an article are those of today's rules.
        """
        return await ensure_search_index(self.db)

    async def known_sources(self, hashes: Iterable[bytes]) -> set[bytes]:
        """The source hashes already stored: those texts need no parsing again."""
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return set()
        d = self.db.dialect
        sql = f"SELECT source_hash FROM articles WHERE source_hash {d.any(1, blob=True)}"
        return {bytes(row[0]) for row in await self.db.fetch(sql, d.array(wanted))}

    # -- single articles and figures -----------------------------------------------------

    async def get(self, article_id: int) -> Article | None:
        sql = f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1"
        row = await self.db.fetchrow(sql, article_id)
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
        published, article_id = decode_cursor(cursor) if cursor else _top()
        if not tags:
            return _page(await self.db.fetch(self._older, published, article_id, limit + 1), limit)
        keys = [key for key in dict.fromkeys(tag_key(tag) for tag in tags) if key]
        if not keys:
            return Page([], None)
        union = " UNION ".join(_PER_TAG.format(key=n) for n in range(4, 4 + len(keys)))
        sql = (
            f"SELECT {_A_COLUMNS} FROM ({union}) AS m JOIN articles AS a ON a.id = m.article_id "
            "ORDER BY m.published DESC, m.article_id DESC LIMIT $3"
        )
        return _page(await self.db.fetch(sql, published, article_id, limit + 1, *keys), limit)

    async def since(
        self, after_id: int, tag_keys: Sequence[str], *, limit: int | None = None
    ) -> list[tuple[Article, frozenset[str]]]:
        """Articles with id > after_id carrying any of the tag keys, newest first,
        each once, with the subset of tag_keys (normalised) it matched."""
        keys_by_id = {tag_id: key for key, tag_id in (await self._tag_ids(tag_keys)).items()}
        if not keys_by_id:
            return []
        d = self.db.dialect
        # A row per matched tag, an article's rows together: `limit` articles are among the
        # first `limit` × tags rows. Digests ask for what is new, so the walk goes through
        # the articles above after_id ("+" keeps SQLite off the whole tags' index ranges).
        sql = (
            f"SELECT {_A_COLUMNS}, m.tag_id FROM article_tags AS m "
            "JOIN articles AS a ON a.id = m.article_id "
            f"WHERE m.article_id > $1 AND +m.tag_id {d.any(2)} "
            "ORDER BY a.published DESC, a.id DESC LIMIT $3"
        )
        most = NO_LIMIT if limit is None else limit * len(keys_by_id)
        rows = await self.db.fetch(sql, after_id, d.array(list(keys_by_id)), most)
        found: dict[int, tuple[Article, set[str]]] = {}
        for row in rows:
            entry = found.get(row[0])
            if entry is None:
                entry = found[row[0]] = (article_from_row(row), set())
            entry[1].add(keys_by_id[row[-1]])
        matched = [(article, frozenset(keys)) for article, keys in found.values()]
        return matched if limit is None else matched[:limit]

    async def search(self, query: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        """Full-text search; Russian word forms match (выборы ~ выборов).

        Every word of the query must occur; the words are plain terms (quotes, ``*``,
        ``AND``, ``:`` are ordinary text), and a query with nothing searchable finds nothing.
        """
        words = query_words(query)
        if not words or limit <= 0:
            return Page([], None)
        below = decode_cursor(cursor) if cursor else _top()
        rows = await self.db.dialect.search(self.db, Search(words, below, limit + 1))
        return _page(rows, limit)

    async def holding(
        self,
        words: Sequence[tuple[str, ...]],
        *,
        after: int,
        upto: int,
        since: datetime,
        limit: int,
    ) -> list[Article]:
        """The newest ``limit`` articles with ids in (``after``, ``upto``] published at
        ``since`` or later whose indexed words hold one alternative of each of ``words``
        (lemmas, as :func:`bot.follows.parse_key` gives a followed phrase's), newest first.

        The index holds the headline and the whole body: these are a phrase's candidates,
        which its caller confirms in the headline and lead (:func:`bot.follows.meets`).
        """
        if not words or limit <= 0 or upto <= after:
            return []
        window = Window(after, upto, to_seconds(since))
        rows = await self.db.dialect.search(self.db, Search(list(words), _END, limit, window))
        return [article_from_row(row) for row in rows]

    async def between(self, after: int, upto: int) -> list[Article]:
        """Every article with an id in (``after``, ``upto``], newest first (by published, then
        id): a planning pass's window of recent news, read once (ids are dense, so the span
        bounds the count). Read in pages by id, so no statement holds the whole span."""
        found: list[Article] = []
        while upto > after:
            rows = await self.db.fetch(_BETWEEN, after, upto, _BETWEEN_PAGE)
            found.extend(article_from_row(row) for row in rows)
            if len(rows) < _BETWEEN_PAGE:
                break
            upto = rows[-1][0] - 1
        found.sort(key=lambda article: (article.published, article.id or 0), reverse=True)
        return found

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
                rows = await self.db.fetch(self._newer, published, article_id, _EXPORT_CHUNK)
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
        sql = f"{_TAG_COLUMNS} ORDER BY article_count DESC, key LIMIT $1 OFFSET $2"
        rows = await self.db.fetch(sql, NO_LIMIT if limit is None else limit, max(offset, 0))
        return [Tag(row[0], row[1], row[2]) for row in rows]

    async def tag(self, text: str) -> Tag | None:
        """The stored tag for any written form (``#Референдум_2026`` → Референдум-2026).

        A tag whose articles all moved to other tags counts as unknown.
        """
        key = tag_key(text)
        if not key:
            return None
        row = await self.db.fetchrow(f"{_TAG_COLUMNS} AND key = $1", key)
        return Tag(row[0], row[1], row[2]) if row is not None else None

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
                f"{_TAG_COLUMNS} AND (key LIKE $1 ESCAPE '\\' OR key LIKE $2 ESCAPE '\\') "
                "ORDER BY article_count DESC, key LIMIT $3"
            )
            for row in await self.db.fetch(sql, f"{pattern}%", f"%\\_{pattern}%", limit):
                found.setdefault(row[0], Tag(row[0], row[1], row[2]))
        if len(found) < limit:
            popular = {tag.key: tag for tag in await self.tags(limit=_SUGGEST_AMONG)}
            for close in difflib.get_close_matches(key, list(popular), n=limit, cutoff=0.6):
                found.setdefault(close, popular[close])
        return list(found.values())[:limit]

    async def tag_ids(self, tags: Iterable[str]) -> dict[str, int]:
        """Tag ids by key: a deep link names a tag by its id, short and stable."""
        return await self._tag_ids(tags)

    async def tag_by_id(self, tag_id: int) -> Tag | None:
        """The tag with this id while articles carry it (a link may outlive its tag)."""
        row = await self.db.fetchrow(f"{_TAG_COLUMNS} AND id = $1", tag_id)
        return Tag(row[0], row[1], row[2]) if row is not None else None

    # -- plumbing ------------------------------------------------------------------------

    async def _tag_ids(self, tags: Iterable[str]) -> dict[str, int]:
        keys = [key for key in dict.fromkeys(tag_key(tag) for tag in tags) if key]
        if not keys:
            return {}
        d = self.db.dialect
        rows = await self.db.fetch(f"SELECT key, id FROM tags WHERE key {d.any(1)}", d.array(keys))
        return {row[0]: row[1] for row in rows}


def _lead_text(body: str, brief: str) -> str:
    """The first paragraphs of a stored body, as story features read them, else the brief."""
    return "\n".join(body.split("\n\n")[:3]) if body else brief


def _page(rows: Sequence[Row], limit: int) -> Page:
    articles = [article_from_row(row) for row in rows[:limit]]
    if len(rows) <= limit:
        return Page(articles, None)
    last = rows[limit - 1]
    return Page(articles, encode_cursor(last[3], last[0]))


def _top() -> tuple[int, int]:
    """Where a first page starts: above every article dated up to :data:`~bot.models.AHEAD`
    past now. One dated later waits for its date (a wrong date must not hold the top)."""
    return to_seconds(datetime.now(UTC) + AHEAD) + 1, 0
