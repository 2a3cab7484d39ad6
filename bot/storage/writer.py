"""Writing articles: dedup, update in place, tag counts and the search index in one transaction.

A batch is written with a handful of bulk statements inside one transaction; ingests take
turns on a transaction-scoped lock, so the dedup check and the ids (``max(id) + 1``, rising
in commit order, which digests rely on) are race-free, across processes too. If the database
refuses a row (:class:`~bot.errors.IntegrityError`, :class:`~bot.errors.DataError`), the
batch is rolled back to a savepoint and written again one article at a time, each under its
own savepoint: the bad article is skipped (counted in ``IngestResult.failed`` and logged),
the good ones are kept, and nothing stored before is touched. An article that fails the
checks in :func:`bot.storage.rows.prepare` is skipped the same way before any SQL runs. Any
other error rolls back the whole batch and is raised; earlier batches stay committed.

A reprint under the same dedup key replaces what is stored, except that a markedly shorter
text (under :data:`SHORTER` of the stored one) never replaces a fuller one: the stored
lead, brief and body stay, the rest (tags, rubric, headline, URL, author) is taken, and the
log says so. Stemming for the search index, the costly part, happens before the
transaction, so other writers wait only for the SQL itself.

A batch is written in three steps, so that a use case can act between them inside its own
transaction (the ingest gives new articles their stories there, see :mod:`bot.ingest`):
:func:`prepare` (no transaction: checks, keys, stemming), then in a transaction
:func:`claim` (takes the ingest lock, sorts the batch into new, changed and unchanged
articles and numbers the new ones) and :func:`write`. Each article of the batch then
carries its ``id`` and ``story``; a changed article keeps the story it had.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.errors import DataError, IntegrityError
from bot.models import Article
from bot.storage.records import IngestResult
from bot.storage.rows import (
    ARTICLE_WRITE_COLUMNS,
    SET_META,
    Prepared,
    article_values,
    fill_words,
    number,
    prepare,
    update_sql,
    update_values,
)
from bot.storage.sql import Database, Row
from bot.text.stem import scheme, search_words

logger = logging.getLogger(__name__)

WRITE_LOCK = "article-ingest"
SHORTER = 0.75  # a reprint with less text than this share of the stored text keeps it
_ROW_ERRORS = (IntegrityError, DataError)
_STORED_TEXT = "SELECT id, published, title, body, lead, brief FROM articles WHERE id "


@dataclass(frozen=True, slots=True)
class Stored:
    """What is stored under a dedup key: enough to tell new, changed and unchanged apart."""

    id: int
    content_hash: bytes
    source_hash: bytes | None
    story: int


@dataclass(slots=True)
class Batch:
    """Articles on their way into the database (see the module docstring for the steps).

    ``new`` are numbered by :func:`claim` in id order, their ``article.story`` free to be set
    before :func:`write`.
    """

    articles: list[Article]
    keys: list[bytes | None]  # each article's dedup key; None for one refused by prepare()
    items: dict[bytes, Prepared]
    result: IngestResult
    fresh: list[Prepared] = field(default_factory=list)  # looked new or changed when prepared
    new: list[Prepared] = field(default_factory=list)
    changed: list[Prepared] = field(default_factory=list)
    stored: dict[bytes, Stored] = field(default_factory=dict)
    texts: dict[int, Row] = field(default_factory=dict)
    failed: set[bytes] = field(default_factory=set)  # refused by the database in write()
    now: int = 0


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored article's words for the search index."""

    id: int
    published: int
    words: str


def collect(
    articles: list[Article],
    source_hashes: Iterable[bytes | None] | None,
    words: Iterable[str | None] | None,
    result: IngestResult,
) -> tuple[dict[bytes, Prepared], list[bytes | None]]:
    """Prepared articles by dedup key (a key repeated within the batch keeps the last
    version), and each article's key (None for one refused)."""
    batch: dict[bytes, Prepared] = {}
    keys: list[bytes | None] = []
    hashes = list(source_hashes) if source_hashes is not None else [None] * len(articles)
    stemmed = list(words) if words is not None else [None] * len(articles)
    for article, source_hash, stems in zip(articles, hashes, stemmed, strict=True):
        try:
            item = prepare(article, source_hash)
        except (TypeError, ValueError, AttributeError) as exc:
            logger.warning("skipping article %r from %s: %s", article.title, article.source, exc)
            result.failed += 1
            keys.append(None)
            continue
        item.words = stems
        keys.append(item.dedup_key)
        earlier = batch.pop(item.dedup_key, None)
        if earlier is not None:
            if earlier.content_hash == item.content_hash:
                result.unchanged += 1
            else:
                result.updated += 1
        batch[item.dedup_key] = item
    return batch, keys


async def prepare_batch(
    db: Database,
    articles: Iterable[Article],
    source_hashes: Iterable[bytes | None] | None,
    words: Iterable[str | None] | None = None,
) -> Batch:
    """Check the articles and stem those that look new or changed now (outside any
    transaction: :func:`claim` checks again inside its own). ``words``, one per article
    where given, are their :func:`~bot.text.stem.article_search_words` stemmed beforehand (in a
    worker process): only the articles without them are stemmed here."""
    result = IngestResult()
    listed = list(articles)
    items, keys = collect(listed, source_hashes, words, result)
    batch = Batch(listed, keys, items, result)
    if items:
        stored = await _stored(db, list(items))
        batch.fresh = [item for key, item in items.items() if _differs(item, stored.get(key))]
        fill_words(batch.fresh)
    return batch


def looks_new(batch: Batch) -> list[Prepared]:
    """The articles :func:`prepare_batch` found new or changed (it stemmed those)."""
    return batch.fresh


async def upsert(
    db: Database, articles: Iterable[Article], source_hashes: Iterable[bytes | None] | None
) -> IngestResult:
    batch = await prepare_batch(db, articles, source_hashes)
    if batch.items:
        async with db.transaction() as tx:
            await claim(tx, batch)
            await write(tx, batch)
    return batch.result


async def claim(db: Database, batch: Batch) -> None:
    """In a transaction: wait for other ingests, sort the batch into new, changed and
    unchanged articles against what is stored, and number the new ones."""
    await db.serialize(WRITE_LOCK)
    batch.now = int(time.time())
    batch.stored = stored = await _stored(db, list(batch.items))
    rehashed: list[tuple[bytes, int]] = []
    for key, item in batch.items.items():
        old = stored.get(key)
        if old is None:
            batch.new.append(item)
        elif _differs(item, old):
            item.id = old.id
            batch.changed.append(item)
        else:
            item.id = old.id
            batch.result.unchanged += 1
            if item.source_hash is not None and item.source_hash != old.source_hash:
                rehashed.append((item.source_hash, old.id))
    await db.executemany("UPDATE articles SET source_hash = $1 WHERE id = $2", rehashed)
    if batch.new or batch.changed:
        if batch.changed:
            batch.texts = await _keep_fuller_texts(db, batch.changed)
        fill_words([*batch.new, *batch.changed])
        number(batch.new, int(await db.fetchval("SELECT coalesce(max(id), 0) FROM articles")) + 1)


async def write(db: Database, batch: Batch) -> None:
    """In the transaction of :func:`claim`: write the new and changed articles; then every
    article of the batch carries its id and story."""
    if batch.new or batch.changed:
        batch.failed = await _write_all(
            db, batch.new, batch.changed, batch.texts, batch.now, batch.result
        )
    await db.execute(SET_META, "last_ingest_at", str(batch.now))
    for article, key in zip(batch.articles, batch.keys, strict=True):
        if key is None or key in batch.failed:
            continue
        item, old = batch.items[key], batch.stored.get(key)
        article.id = item.id
        article.story = old.story if old is not None else (item.article.story or item.id)


def _differs(item: Prepared, stored: Stored | None) -> bool:
    return stored is None or stored.content_hash != item.content_hash


async def _stored(db: Database, keys: list[bytes]) -> dict[bytes, Stored]:
    d = db.dialect
    rows = await db.fetch(
        "SELECT dedup_key, id, content_hash, source_hash, story FROM articles "
        f"WHERE dedup_key {d.any(1, blob=True)}",
        d.array(keys),
    )
    return {bytes(row[0]): Stored(row[1], bytes(row[2]), row[3], row[4] or row[1]) for row in rows}


async def _keep_fuller_texts(db: Database, changed: list[Prepared]) -> dict[int, Row]:
    """Keep the stored text of articles whose reprint has markedly less of it; the stored
    rows (id, published, title, body, lead, brief) by id, as they are before the update."""
    d = db.dialect
    rows = await db.fetch(_STORED_TEXT + d.any(1), d.array([item.id for item in changed]))
    texts = {row[0]: row for row in rows}
    for item in changed:
        row = texts[item.id]
        article = item.article
        before = len(row[3]) or len(row[4])
        after = len("\n\n".join(article.body)) or len(article.lead)
        if after >= before * SHORTER:
            continue
        logger.info(
            "article %d %r: a reprint with %d characters of text keeps the stored %d",
            item.id,
            row[2],
            after,
            before,
        )
        body = tuple(row[3].split("\n\n")) if row[3] else ()
        item.article = dataclasses.replace(article, lead=row[4], brief=row[5], body=body)
        item.words = None
    return texts


async def _write_all(
    db: Database,
    new: list[Prepared],
    changed: list[Prepared],
    texts: dict[int, Row],
    now: int,
    result: IngestResult,
) -> set[bytes]:
    """Write the batch at once; if a row is refused, write article by article instead.

    Returns the dedup keys of the articles refused.
    """
    try:
        async with db.transaction() as batch:  # a savepoint
            await _write(batch, new, changed, texts, now)
    except _ROW_ERRORS as exc:
        logger.warning(
            "a batch of %d articles was refused (%s); retrying one by one",
            len(new) + len(changed),
            exc,
        )
    else:
        result.added += len(new)
        result.updated += len(changed)
        return set()
    failed: set[bytes] = set()
    singles: list[tuple[list[Prepared], list[Prepared]]] = [
        *(([item], []) for item in new),
        *(([], [item]) for item in changed),
    ]
    for one_new, one_changed in singles:
        try:
            async with db.transaction() as one:
                await _write(one, one_new, one_changed, texts, now)
        except _ROW_ERRORS as exc:
            item = (one_new or one_changed)[0]
            logger.warning(
                "skipping article %r from %s: %s", item.article.title, item.article.source, exc
            )
            result.failed += 1
            failed.add(item.dedup_key)
        else:
            result.added += len(one_new)
            result.updated += len(one_changed)
    return failed


async def _write(
    db: Database,
    new: list[Prepared],
    changed: list[Prepared],
    texts: dict[int, Row],
    now: int,
) -> None:
    d = db.dialect
    items = [*new, *changed]
    displays: dict[str, str] = {}
    for item in items:
        for key, display in item.tags:
            displays.setdefault(key, display)
    tag_ids: dict[str, int] = {}
    if displays:
        await db.executemany(
            "INSERT INTO tags (key, display) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            list(displays.items()),
        )
        rows = await db.fetch(
            f"SELECT key, id FROM tags WHERE key {d.any(1)}", d.array(list(displays))
        )
        tag_ids = {row[0]: row[1] for row in rows}
    counts: Counter[int] = Counter()
    if changed:
        ids = [item.id for item in changed]
        rows = await db.fetch(
            f"DELETE FROM article_tags WHERE article_id {d.any(1)} RETURNING tag_id", d.array(ids)
        )
        counts.subtract(row[0] for row in rows)
        await d.unindex(db, [texts[item.id] for item in changed])
        await db.executemany(
            update_sql(d.search_columns),
            [update_values(item, d.search_values(item.words or "")) for item in changed],
        )
    if new:
        await db.insert_many(
            "articles",
            (*ARTICLE_WRITE_COLUMNS, *d.search_columns),
            [(*article_values(item, now), *d.search_values(item.words or "")) for item in new],
        )
    # In key order: b-tree pages fill in sequence.
    links = sorted(
        (tag_ids[key], item.published, item.id) for item in items for key, _ in item.tags
    )
    if links:
        await db.insert_many("article_tags", ("tag_id", "published", "article_id"), links)
        counts.update(tag_id for tag_id, _, _ in links)
    await d.index(db, items)
    deltas = [(delta, tag_id) for tag_id, delta in counts.items() if delta]
    await db.executemany(
        "UPDATE tags SET article_count = article_count + $1 WHERE id = $2", deltas
    )


async def ensure_search_index(db: Database) -> bool:
    """Rebuild the search index if another stemming scheme built it; True if it was rebuilt.

    An index holds the words of the rules that built it: an upgrade that changes them (see
    :func:`bot.text.stem.scheme`, recorded in meta ``search_scheme``) must rebuild it, and
    SQLite's contentless index can only remove words derived the way they were added.
    """
    wanted = scheme()
    sql = "SELECT value FROM meta WHERE key = 'search_scheme'"
    if await db.fetchval(sql) == wanted:
        return False
    async with db.transaction() as tx:
        await tx.serialize(WRITE_LOCK)
        found = await tx.fetchval(sql)
        if found == wanted:  # another process rebuilt it meanwhile
            return False
        rebuild = bool(await tx.fetchval("SELECT EXISTS (SELECT 1 FROM articles)"))
        if rebuild:
            logger.warning("rebuilding the search index for stemming %s (was %s)", wanted, found)
            await _rebuild(tx)
        await tx.execute(SET_META, "search_scheme", wanted)
    return rebuild


async def _rebuild(db: Database) -> None:
    await db.dialect.clear(db)
    last = total = 0
    sql = "SELECT id, published, title, body, lead FROM articles WHERE id > $1 ORDER BY id"
    while rows := await db.fetch(f"{sql} LIMIT 1000", last):
        entries = [Entry(r[0], r[1], search_words(r[2], r[3], r[4])) for r in rows]
        await db.dialect.reindex(db, entries)
        last = rows[-1][0]
        total += len(rows)
    logger.info("search index rebuilt: %d articles", total)
