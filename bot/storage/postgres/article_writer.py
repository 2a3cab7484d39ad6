"""Writing articles to PostgreSQL: dedup, update in place and tag counts in one transaction.

The same rules as :mod:`bot.storage.article_writer`, in bulk: new articles and their tag links
go in with ``COPY``, the rest with array parameters, a handful of round trips per batch.
Ingests take turns on a transaction-scoped advisory lock, so the dedup check and the ids
(``max(id) + 1``, rising in commit order, which digests rely on) are race-free across
processes. If PostgreSQL refuses a row, the batch is rolled back to a savepoint and written
again one article at a time, each under its own savepoint: the bad article is skipped
(counted in ``IngestResult.failed``), the rest kept. Any other database error rolls back the
whole batch and raises :class:`bot.errors.StorageError`. The search vector is a generated
column: PostgreSQL stems the text itself as the row is written.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable

import asyncpg

from bot.errors import StorageError
from bot.models import Article
from bot.storage.article_rows import (
    Prepared,
    article_values,
    number,
    update_values,
)
from bot.storage.article_writer import Stored, collect
from bot.storage.postgres.db import PgDatabase
from bot.storage.records import IngestResult

logger = logging.getLogger(__name__)

WRITE_LOCK = "article-ingest"
_COLUMNS = (
    "id, dedup_key, content_hash, source_hash, url, title, published, date_only, rubric, "
    "tags, lead, brief, body, author, source, ingested_at"
)
_UPDATE = (
    "UPDATE articles SET dedup_key = $1, content_hash = $2, source_hash = $3, url = $4, "
    "title = $5, published = $6, date_only = $7, rubric = $8, tags = $9, lead = $10, "
    "brief = $11, body = $12, author = $13, source = $14 WHERE id = $15"
)
# Errors that belong to one row (a constraint, a value PostgreSQL or the driver rejects,
# a text too long for a search vector); anything else fails the whole batch.
_ROW_ERRORS = (
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.DataError,
    asyncpg.ProgramLimitExceededError,
    ValueError,  # asyncpg's client-side DataError and UnicodeEncodeError are ValueErrors
    OverflowError,
)
_DATABASE_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


async def upsert(
    db: PgDatabase, articles: Iterable[Article], source_hashes: Iterable[bytes | None] | None
) -> IngestResult:
    result = IngestResult()
    batch = collect(articles, source_hashes, result)
    if not batch:
        return result
    try:
        async with db.write() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", db.lock_key(WRITE_LOCK))
            await _store(conn, batch, result)
    except _DATABASE_ERRORS as exc:  # the transaction was rolled back: earlier batches stay
        raise StorageError(f"articles not stored: {exc}") from exc
    return result


async def _store(
    conn: asyncpg.Connection, batch: dict[bytes, Prepared], result: IngestResult
) -> None:
    """Sort the batch into new, changed and unchanged articles against what is stored."""
    now = int(time.time())
    rows = await conn.fetch(
        "SELECT dedup_key, id, content_hash, source_hash FROM articles "
        "WHERE dedup_key = ANY($1::bytea[])",
        list(batch),
    )
    stored = {bytes(row[0]): Stored(row[1], bytes(row[2]), row[3]) for row in rows}
    new: list[Prepared] = []
    changed: list[Prepared] = []
    rehashed: list[tuple[bytes, int]] = []
    for key, item in batch.items():
        old = stored.get(key)
        if old is None:
            new.append(item)
        elif old.content_hash != item.content_hash:
            item.id = old.id
            changed.append(item)
        else:
            result.unchanged += 1
            if item.source_hash is not None and item.source_hash != old.source_hash:
                rehashed.append((item.source_hash, old.id))
    if rehashed:
        await conn.execute(
            "UPDATE articles SET source_hash = u.hash "
            "FROM unnest($1::bytea[], $2::bigint[]) AS u(hash, id) WHERE articles.id = u.id",
            [hash_ for hash_, _ in rehashed],
            [id_ for _, id_ in rehashed],
        )
    if new or changed:
        await _assign_ids(conn, new)
        await _write_all(conn, new, changed, now, result)
    await conn.execute(
        "INSERT INTO meta (key, value) VALUES ('last_ingest_at', $1) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        str(now),
    )


async def _assign_ids(conn: asyncpg.Connection, new: list[Prepared]) -> None:
    """Ids continue from the largest one; the advisory lock makes this race-free."""
    number(new, int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM articles")) + 1)


async def _write_all(
    conn: asyncpg.Connection,
    new: list[Prepared],
    changed: list[Prepared],
    now: int,
    result: IngestResult,
) -> None:
    """Write the batch at once; if a row is refused, write article by article instead."""
    try:
        async with conn.transaction():  # a savepoint inside the ingest transaction
            await _write(conn, new, changed, now)
    except _ROW_ERRORS as exc:
        logger.warning(
            "a batch of %d articles was refused (%s); retrying one by one",
            len(new) + len(changed),
            exc,
        )
    else:
        result.added += len(new)
        result.updated += len(changed)
        return
    singles: list[tuple[list[Prepared], list[Prepared]]] = [
        *(([item], []) for item in new),
        *(([], [item]) for item in changed),
    ]
    for one_new, one_changed in singles:
        try:
            async with conn.transaction():
                await _write(conn, one_new, one_changed, now)
        except _ROW_ERRORS as exc:
            item = (one_new or one_changed)[0]
            logger.warning(
                "skipping article %r from %s: %s", item.article.title, item.article.source, exc
            )
            result.failed += 1
        else:
            result.added += len(one_new)
            result.updated += len(one_changed)


async def _write(
    conn: asyncpg.Connection, new: list[Prepared], changed: list[Prepared], now: int
) -> None:
    items = [*new, *changed]
    displays: dict[str, str] = {}
    for item in items:
        for key, display in item.tags:
            displays.setdefault(key, display)
    tag_ids: dict[str, int] = {}
    if displays:
        await conn.execute(
            "INSERT INTO tags (key, display) SELECT * FROM unnest($1::text[], $2::text[]) "
            "ON CONFLICT (key) DO NOTHING",
            list(displays),
            list(displays.values()),
        )
        rows = await conn.fetch(
            "SELECT key, id FROM tags WHERE key = ANY($1::text[])", list(displays)
        )
        tag_ids = {row[0]: row[1] for row in rows}
    counts: Counter[int] = Counter()
    if changed:
        rows = await conn.fetch(
            "DELETE FROM article_tags WHERE article_id = ANY($1::bigint[]) RETURNING tag_id",
            [item.id for item in changed],
        )
        counts.subtract(row[0] for row in rows)
        await conn.executemany(_UPDATE, [update_values(item) for item in changed])
    if new:
        await conn.copy_records_to_table(
            "articles",
            records=[article_values(item, now) for item in new],
            columns=[name.strip() for name in _COLUMNS.split(",")],
        )
    links = sorted(
        (tag_ids[key], item.published, item.id) for item in items for key, _ in item.tags
    )
    if links:
        await conn.copy_records_to_table(
            "article_tags", records=links, columns=["tag_id", "published", "article_id"]
        )
        counts.update(tag_id for tag_id, _, _ in links)
    deltas = [(tag_id, delta) for tag_id, delta in counts.items() if delta]
    if deltas:
        await conn.execute(
            "UPDATE tags SET article_count = article_count + u.delta "
            "FROM unnest($1::bigint[], $2::integer[]) AS u(id, delta) WHERE tags.id = u.id",
            [tag_id for tag_id, _ in deltas],
            [delta for _, delta in deltas],
        )
