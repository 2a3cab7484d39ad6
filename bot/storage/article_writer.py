"""Writing articles: dedup, update in place, tag counts and the search index in one transaction.

A batch is written with a handful of ``executemany`` calls inside one ``BEGIN IMMEDIATE``
transaction. If SQLite rejects a row, the batch is rolled back to a savepoint and written again
one article at a time, each under its own savepoint: the bad article is skipped (counted in
``IngestResult.failed`` and logged), the good ones are kept, and nothing stored before is
touched. An article that fails the checks in :func:`bot.storage.article_rows.prepare` is
skipped the same way before any SQL runs. Any other database error (disk full, I/O) rolls back
the whole batch and raises :class:`bot.errors.StorageError`; earlier batches stay committed.

Stemming for the search index, the costly part, happens before the write lock is taken, so
other writers (the bot's handlers, another process) wait only for the SQL itself.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import aiosqlite

from bot.errors import StorageError
from bot.models import Article
from bot.storage.article_rows import (
    INSERT_ARTICLE,
    UPDATE_ARTICLE,
    Prepared,
    article_values,
    fill_words,
    fts_rowid,
    number,
    prepare,
    search_words,
    update_values,
)
from bot.storage.db import Database
from bot.storage.records import IngestResult
from bot.text.stem import scheme

logger = logging.getLogger(__name__)

CHUNK = 500  # bound parameters per IN (...) list
_INDEX = "INSERT INTO articles_fts (rowid, words) VALUES (?, ?)"
# Errors that belong to one row; anything else (I/O, disk full) fails the whole batch.
_ROW_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.DataError,
    sqlite3.ProgrammingError,
    OverflowError,
)


@dataclass(frozen=True, slots=True)
class Stored:
    """What is stored under a dedup key: enough to tell new, changed and unchanged apart."""

    id: int
    content_hash: bytes
    source_hash: bytes | None


def chunks(items: Sequence[bytes], size: int = CHUNK) -> Iterator[Sequence[bytes]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(count: int) -> str:
    return ",".join("?" * count)


def collect(
    articles: Iterable[Article], source_hashes: Iterable[bytes | None] | None, result: IngestResult
) -> dict[bytes, Prepared]:
    """Prepared articles by dedup key; a key repeated within the batch keeps the last version."""
    batch: dict[bytes, Prepared] = {}
    hashes: Iterable[bytes | None] = source_hashes if source_hashes is not None else repeat(None)
    for article, source_hash in zip(articles, hashes, strict=source_hashes is not None):
        try:
            item = prepare(article, source_hash)
        except (TypeError, ValueError, AttributeError) as exc:
            logger.warning("skipping article %r from %s: %s", article.title, article.source, exc)
            result.failed += 1
            continue
        earlier = batch.pop(item.dedup_key, None)
        if earlier is not None:
            if earlier.content_hash == item.content_hash:
                result.unchanged += 1
            else:
                result.updated += 1
        batch[item.dedup_key] = item
    return batch


async def upsert(
    db: Database, articles: Iterable[Article], source_hashes: Iterable[bytes | None] | None
) -> IngestResult:
    result = IngestResult()
    batch = collect(articles, source_hashes, result)
    if not batch:
        return result
    try:
        # Stemming is the costly part: do it before taking the write lock, for the articles
        # that look new or changed now; _store checks again under the lock.
        stored = await _stored(db.conn, list(batch))
        fill_words([item for key, item in batch.items() if _differs(item, stored.get(key))])
        async with db.write() as conn:
            await _store(conn, batch, result)
    except sqlite3.Error as exc:  # the transaction was rolled back: earlier batches stay
        raise StorageError(f"articles not stored: {exc}") from exc
    return result


async def _store(
    conn: aiosqlite.Connection, batch: dict[bytes, Prepared], result: IngestResult
) -> None:
    """Sort the batch into new, changed and unchanged articles against what is stored."""
    now = int(time.time())
    stored = await _stored(conn, list(batch))
    new: list[Prepared] = []
    changed: list[Prepared] = []
    rehashed: list[tuple[bytes, int]] = []
    for key, item in batch.items():
        old = stored.get(key)
        if old is None:
            new.append(item)
        elif _differs(item, old):
            item.id = old.id
            changed.append(item)
        else:
            result.unchanged += 1
            if item.source_hash is not None and item.source_hash != old.source_hash:
                rehashed.append((item.source_hash, old.id))
    if rehashed:
        await conn.executemany("UPDATE articles SET source_hash = ? WHERE id = ?", rehashed)
    if new or changed:
        fill_words([item for item in (*new, *changed) if item.words is None])
        await _assign_ids(conn, new)
        await _write_all(conn, new, changed, now, result)
    await conn.execute(
        "INSERT INTO meta (key, value) VALUES ('last_ingest_at', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(now),),
    )


def _differs(item: Prepared, stored: Stored | None) -> bool:
    return stored is None or stored.content_hash != item.content_hash


async def _stored(conn: aiosqlite.Connection, keys: list[bytes]) -> dict[bytes, Stored]:
    found: dict[bytes, Stored] = {}
    for part in chunks(keys):
        sql = (
            "SELECT dedup_key, id, content_hash, source_hash FROM articles "
            f"WHERE dedup_key IN ({placeholders(len(part))})"
        )
        async with conn.execute(sql, part) as cursor:
            rows = await cursor.fetchall()  # one hop to the database thread, not one per row
        for row in rows:
            found[row[0]] = Stored(row[1], row[2], row[3])
    return found


async def _assign_ids(conn: aiosqlite.Connection, new: list[Prepared]) -> None:
    """Ids continue from the largest one; the write lock makes this race-free."""
    async with conn.execute("SELECT coalesce(max(id), 0) FROM articles") as cursor:
        row = await cursor.fetchone()
    number(new, int(row[0]) + 1 if row else 1)


async def _write_all(
    conn: aiosqlite.Connection,
    new: list[Prepared],
    changed: list[Prepared],
    now: int,
    result: IngestResult,
) -> None:
    """Write the batch at once; if a row is refused, write article by article instead."""
    await conn.execute("SAVEPOINT ingest_batch")
    try:
        await _write(conn, new, changed, now)
    except _ROW_ERRORS as exc:
        await conn.execute("ROLLBACK TO ingest_batch")
        await conn.execute("RELEASE ingest_batch")
        logger.warning(
            "a batch of %d articles was refused (%s); retrying one by one",
            len(new) + len(changed),
            exc,
        )
    else:
        await conn.execute("RELEASE ingest_batch")
        result.added += len(new)
        result.updated += len(changed)
        return
    singles: list[tuple[list[Prepared], list[Prepared]]] = [
        *(([item], []) for item in new),
        *(([], [item]) for item in changed),
    ]
    for one_new, one_changed in singles:
        await conn.execute("SAVEPOINT ingest_one")
        try:
            await _write(conn, one_new, one_changed, now)
        except _ROW_ERRORS as exc:
            await conn.execute("ROLLBACK TO ingest_one")
            item = (one_new or one_changed)[0]
            logger.warning(
                "skipping article %r from %s: %s", item.article.title, item.article.source, exc
            )
            result.failed += 1
        else:
            result.added += len(one_new)
            result.updated += len(one_changed)
        await conn.execute("RELEASE ingest_one")


async def _write(
    conn: aiosqlite.Connection,
    new: list[Prepared],
    changed: list[Prepared],
    now: int,
) -> None:
    items = [*new, *changed]
    displays: dict[str, str] = {}
    for item in items:
        for key, display in item.tags:
            displays.setdefault(key, display)
    tag_ids: dict[str, int] = {}
    if displays:
        await conn.executemany(
            "INSERT INTO tags (key, display) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            list(displays.items()),
        )
        async with conn.execute(
            "SELECT key, id FROM tags WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(list(displays), ensure_ascii=False),),
        ) as cursor:
            tag_ids = {row[0]: row[1] for row in await cursor.fetchall()}
    counts: Counter[int] = Counter()
    if changed:
        ids = json.dumps([item.id for item in changed])
        async with conn.execute(
            "DELETE FROM article_tags WHERE article_id IN (SELECT value FROM json_each(?)) "
            "RETURNING tag_id",
            (ids,),
        ) as cursor:
            counts.subtract([row[0] for row in await cursor.fetchall()])
        await _unindex(conn, ids)
        await conn.executemany(UPDATE_ARTICLE, [update_values(item) for item in changed])
    if new:
        await conn.executemany(INSERT_ARTICLE, [article_values(item, now) for item in new])
    # Both go in key order: b-tree pages fill in sequence, and FTS5 keeps its pending index
    # in memory only while rowids rise (a lower one forces a flush to a new segment).
    links = sorted(
        (tag_ids[key], item.published, item.id) for item in items for key, _ in item.tags
    )
    if links:
        await conn.executemany(
            "INSERT INTO article_tags (tag_id, published, article_id) VALUES (?, ?, ?)", links
        )
        counts.update(tag_id for tag_id, _, _ in links)
    await conn.executemany(
        _INDEX, sorted((fts_rowid(item.published, item.id), item.words) for item in items)
    )
    deltas = [(delta, tag_id) for tag_id, delta in counts.items() if delta]
    if deltas:
        await conn.executemany(
            "UPDATE tags SET article_count = article_count + ? WHERE id = ?", deltas
        )


async def _unindex(conn: aiosqlite.Connection, ids: str) -> None:
    """Remove articles (a JSON list of ids) from the contentless index, as they are stored."""
    async with conn.execute(
        "SELECT id, published, title, body, lead FROM articles "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (ids,),
    ) as cursor:
        rows = await cursor.fetchall()
    await conn.executemany(
        "INSERT INTO articles_fts (articles_fts, rowid, words) VALUES ('delete', ?, ?)",
        [_index_row(row) for row in rows],
    )


def _index_row(row: Sequence[Any]) -> tuple[int, str]:
    """(rowid, words) of a stored (id, published, title, body, lead) row."""
    return fts_rowid(row[1], row[0]), search_words(row[2], row[3], row[4])


async def ensure_search_index(db: Database) -> bool:
    """Rebuild the search index if another stemming scheme built it; True if it was rebuilt.

    The contentless index can only remove an article's words if they are derived the same
    way they were added, so an upgrade that changes stemming must rebuild it first.
    """
    wanted = scheme()
    async with db.write() as conn:
        async with conn.execute("SELECT value FROM meta WHERE key = 'search_scheme'") as cursor:
            row = await cursor.fetchone()
        if row is not None and row[0] == wanted:
            return False
        async with conn.execute("SELECT EXISTS (SELECT 1 FROM articles)") as cursor:
            found = await cursor.fetchone()
        rebuild = bool(found and found[0])
        if rebuild:
            logger.warning("rebuilding the search index for stemming %s (was %s)", wanted, row)
            await _rebuild(conn)
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES ('search_scheme', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (wanted,),
        )
    return rebuild


async def _rebuild(conn: aiosqlite.Connection) -> None:
    await conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    last = 0
    total = 0
    while True:
        async with conn.execute(
            "SELECT id, published, title, body, lead FROM articles WHERE id > ? "
            "ORDER BY id LIMIT 1000",
            (last,),
        ) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            break
        await conn.executemany(_INDEX, sorted(_index_row(row) for row in rows))
        last = rows[-1][0]
        total += len(rows)
    logger.info("search index rebuilt: %d articles", total)
