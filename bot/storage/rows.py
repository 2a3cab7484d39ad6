"""How records become rows and back: articles (dedup keys, hashes, cursors, search rowids),
chats, feeds and digest runs.

Kept apart from the repositories so the encodings are defined, and tested, in one place.
Times are stored as integer Unix seconds in UTC, booleans as 0/1, lists as JSON text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from bot.errors import StorageError, UserInputError
from bot.models import Article, Chat, Tag
from bot.storage.records import DigestRun, Feed
from bot.storage.sql import Row
from bot.text.stem import article_search_words, tokens
from bot.text.tags import tag_display, tag_key

K = TypeVar("K")
V = TypeVar("V")

# The search rowid packs (published, id) so that rowid order is newest-first order.
ID_BITS = 28
MAX_ARTICLE_ID = (1 << ID_BITS) - 1
_PUBLISHED_OFFSET = 1 << 33  # published seconds in [-2^33, 2^33): about ±272 years
_SEP = "\x1f"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

# The meta table's small facts (the last ingest, the workers' cursors), text by key.
SET_META = (
    "INSERT INTO meta (key, value) VALUES ($1, $2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)

ARTICLE_COLUMNS = (
    "id, url, title, published, date_only, rubric, tags, lead, brief, body, author, source, "
    "ingested_at, story, outlet"
)


def grouped(pairs: Iterable[tuple[K, V]]) -> dict[K, list[V]]:
    """The values by key, each key's in the order met (rows read for several chats)."""
    found: dict[K, list[V]] = {}
    for key, value in pairs:
        found.setdefault(key, []).append(value)
    return found


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def source_digest(raw: str | bytes) -> bytes:
    """A digest of the raw text an article is parsed from, for :meth:`ArticleRepo.known_sources`.

    Callers that change how they parse should mix a parser version into ``raw``, or texts
    stored by an older parser will keep being skipped.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return hashlib.blake2b(data, digest_size=16).digest()


def to_seconds(moment: datetime) -> int:
    """Unix seconds; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def from_seconds(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def maybe_seconds(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def normalise_url(url: str | None) -> str | None:
    """The URL without surrounding spaces or ``#fragment``; ``None`` when empty."""
    if url is None:
        return None
    url = url.strip().partition("#")[0]
    return url or None


def dedup_key(url: str | None, title: str, published: int) -> bytes:
    """Same key → same article: the URL when there is one, else the title words and the date."""
    if url:
        return _digest(f"url:{url}")
    day = from_seconds(published).date().isoformat()
    return _digest(f"td:{day}:{' '.join(tokens(title))}")


def fts_rowid(published: int, article_id: int) -> int:
    """The search rowid of an article; larger means newer (by published, then id)."""
    shifted = min(max(published + _PUBLISHED_OFFSET, 0), 2 * _PUBLISHED_OFFSET - 1)
    return (shifted << ID_BITS) | article_id


def encode_cursor(published: int, article_id: int) -> str:
    """An opaque, short cursor (it travels in Telegram callback data) for a page position."""
    return f"{_base36(published)}.{_base36(article_id)}"


def decode_cursor(cursor: str) -> tuple[int, int]:
    """(published, id) of the last article of the previous page."""
    published, dot, article_id = cursor.partition(".")
    try:
        if not dot:
            raise ValueError(cursor)
        position = int(published, 36), int(article_id, 36)
    except ValueError:
        raise UserInputError("This page link is no longer valid.") from None
    published_ok = -_PUBLISHED_OFFSET <= position[0] < _PUBLISHED_OFFSET
    if not (published_ok and 0 <= position[1] <= MAX_ARTICLE_ID):
        raise UserInputError("This page link is no longer valid.")
    return position


def _base36(number: int) -> str:
    if number < 0:
        return "-" + _base36(-number)
    digits = []
    while True:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
        if not number:
            return "".join(reversed(digits))


@dataclass(slots=True)
class Prepared:
    """An article checked and turned into column values, ready to be written."""

    article: Article
    dedup_key: bytes
    content_hash: bytes
    source_hash: bytes | None
    url: str | None
    published: int
    tags: list[tuple[str, str]]  # (key, display), distinct keys, rubric last
    id: int = 0
    words: str | None = None  # stems for search; filled only for articles to be written


_TAGS: dict[str, tuple[str, str]] = {}  # written form → (key, display); tags repeat a lot
_TAGS_LIMIT = 10_000


def _tag(written: str) -> tuple[str, str]:
    found = _TAGS.get(written)
    if found is None:
        if len(_TAGS) >= _TAGS_LIMIT:
            _TAGS.clear()
        display = tag_display(written)
        found = _TAGS[written] = (tag_key(display), display)
    return found


def prepare(article: Article, source_hash: bytes | None) -> Prepared:
    """Check an article and compute its keys; raises TypeError/ValueError for a bad one."""
    title = article.title.strip() if isinstance(article.title, str) else ""
    if not title:
        raise ValueError("the article has no title")
    if not isinstance(article.published, datetime):
        raise TypeError("published must be a datetime")
    if not all(isinstance(text, str) for text in (article.lead, article.brief, *article.body)):
        raise TypeError("lead, brief and body paragraphs must be strings")
    optional = (
        article.rubric, article.url, article.author, article.source, article.outlet, *article.tags
    )  # fmt: skip
    if not all(text is None or isinstance(text, str) for text in optional):
        raise TypeError("rubric, url, author, source, outlet and tags must be strings")
    published = to_seconds(article.published)
    url = normalise_url(article.url)
    tags: dict[str, str] = {}
    for written in article.all_tags:
        key, display = _tag(written)
        if key:
            tags.setdefault(key, display)
    content = _SEP.join(
        (
            title,
            str(published),
            "1" if article.date_only else "0",
            article.rubric or "",
            "\x1e".join(article.tags),
            article.lead,
            article.brief,
            "\x1e".join(article.body),
            url or "",
            article.author or "",
        )
    )
    return Prepared(
        article=article,
        dedup_key=dedup_key(url, title, published),
        content_hash=_digest(content),
        source_hash=source_hash,
        url=url,
        published=published,
        tags=list(tags.items()),
    )


def fill_words(items: Sequence[Prepared]) -> None:
    """Stem the articles whose words are not known yet."""
    for item in items:
        if item.words is None:
            item.words = article_search_words(item.article)


ARTICLE_WRITE_COLUMNS = (
    "id",
    "dedup_key",
    "content_hash",
    "source_hash",
    "url",
    "title",
    "published",
    "date_only",
    "rubric",
    "tags",
    "lead",
    "brief",
    "body",
    "author",
    "source",
    "outlet",
    "ingested_at",
    "story",
)
_UPDATED = slice(1, 16)  # what an update writes: dedup_key … outlet


def article_values(item: Prepared, now: int) -> tuple[Any, ...]:
    """Values for the articles table, in :data:`ARTICLE_WRITE_COLUMNS` order."""
    article = item.article
    return (
        item.id,
        item.dedup_key,
        item.content_hash,
        item.source_hash,
        item.url,
        article.title.strip(),
        item.published,
        1 if article.date_only else 0,
        article.rubric,
        json.dumps(list(article.tags), ensure_ascii=False),
        article.lead,
        article.brief,
        "\n\n".join(article.body),
        article.author,
        article.source,
        article.outlet,
        now,
        item.article.story or item.id,
    )


def update_sql(extra: Sequence[str]) -> str:
    """UPDATE of a changed article (and ``extra`` columns): its values from
    :func:`update_values`; ingested_at keeps the first ingest time."""
    names = [*ARTICLE_WRITE_COLUMNS[_UPDATED], *extra]
    sets = ", ".join(f"{name} = ${n}" for n, name in enumerate(names, start=1))
    return f"UPDATE articles SET {sets} WHERE id = ${len(names) + 1}"


def update_values(item: Prepared, extra: Sequence[Any]) -> tuple[Any, ...]:
    values = article_values(item, 0)
    return (*values[_UPDATED], *extra, item.id)


def number(new: Sequence[Prepared], first: int) -> None:
    """Give new articles consecutive ids from ``first``, within what the search rowid packs."""
    if first + len(new) - 1 > MAX_ARTICLE_ID:
        raise StorageError(f"article ids are exhausted (at most {MAX_ARTICLE_ID} articles)")
    for offset, item in enumerate(new):
        item.id = first + offset


def article_from_row(row: Row) -> Article:
    """An :class:`Article` from a row selected with :data:`ARTICLE_COLUMNS`."""
    body = row[9]
    return Article(
        id=row[0],
        url=row[1],
        title=row[2],
        published=from_seconds(row[3]),
        date_only=bool(row[4]),
        rubric=row[5],
        tags=tuple(json.loads(row[6])),
        lead=row[7],
        brief=row[8],
        body=tuple(body.split("\n\n")) if body else (),
        author=row[10],
        source=row[11],
        ingested_at=from_seconds(row[12]),
        story=row[13],
        outlet=row[14],
    )


CHAT_COLUMNS = (
    "id, type, title, language, timezone, digest_time, paused, active, next_digest_at, "
    "digest_cursor, digest_days, quiet_hours, quiet_silent"
)


def hhmm(value: str) -> time:
    hours, _, minutes = value.strip().partition(":")
    return time(int(hours), int(minutes))


def times_text(times: Sequence[time]) -> str | None:
    """Digest times as ``digest_time`` stores them: ``'08:00,19:00'``; ``None`` for none."""
    return ",".join(at.strftime("%H:%M") for at in times) or None


def times_from_text(value: str | None) -> tuple[time, ...]:
    """``'08:00,19:00'`` (or one time, as rows from before schedules hold) as times."""
    return tuple(hhmm(part) for part in (value or "").split(",") if part.strip())


def quiet_text(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def chat_from_row(row: Row, subscriptions: list[Tag] | None = None) -> Chat:
    """A ``Chat`` from a row of :data:`CHAT_COLUMNS`."""
    times = times_from_text(row["digest_time"])
    quiet_start = quiet_end = None
    if row["quiet_hours"]:
        start, _, end = row["quiet_hours"].partition("-")
        quiet_start, quiet_end = hhmm(start), hhmm(end)
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        language=row["language"],
        timezone=row["timezone"],
        digest_time=times[0] if times else None,
        paused=bool(row["paused"]),
        active=bool(row["active"]),
        next_digest_at=maybe_seconds(row["next_digest_at"]),
        digest_cursor=row["digest_cursor"],
        subscriptions=subscriptions or [],
        digest_times=times,
        digest_days=row["digest_days"],
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        quiet_silent=bool(row["quiet_silent"]),
    )


FEED_COLUMNS = (
    "id, url, title, rubric, tags, paused, interval_s, ttl_s, etag, last_modified, "
    "next_poll_at, last_polled_at, last_ok_at, last_error, error_count, items_ingested, "
    "created_at"
)


def feed_from_row(row: Row) -> Feed:
    """A ``Feed`` from a row of :data:`FEED_COLUMNS` (the dataclass's field order)."""
    values = list(row)
    values[4] = tuple(json.loads(values[4] or "[]"))
    values[5] = bool(values[5])
    return Feed(*values)


def tags_json(tags: Sequence[str]) -> str:
    """Tags as stored: JSON text, Cyrillic kept readable."""
    return json.dumps(list(tags), ensure_ascii=False)


RUN_COLUMNS = (
    "id, due_at, started_at, planned_at, finished_at, chats_due, digests, messages, sent, "
    "retried, failed, dropped, deactivated"
)


def run_from_row(row: Row) -> DigestRun:
    """A ``DigestRun`` from a row of :data:`RUN_COLUMNS` (the dataclass's field order)."""
    v = list(row)
    due, started, planned, finished = from_seconds(v[1]), from_seconds(v[2]), v[3], v[4]
    return DigestRun(v[0], due, started, maybe_seconds(planned), maybe_seconds(finished), *v[5:])
