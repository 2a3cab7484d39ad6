"""JSON Lines: one article per line, the same fields ``ingest --json`` prints and
``export`` writes, so a database can be moved, inspected or rebuilt.

Fields: ``file`` (base name of the article's source; a feed article keeps its feed URL),
``title``, ``date`` (``YYYY-MM-DD`` for date-only articles, else ISO 8601 in UTC),
``rubric``, ``tags`` (as written, without ``#``), ``lead``, ``summary`` (headline, a line
break, the brief), ``url``, ``body`` (the cleaned paragraphs), ``author`` and ``source``
(the outlet that published it; a record without it gets the outlet its text credits, else
its folder's name). What the database says of a stored article adds ``story`` (the id of
its story there; reading ignores it: stories are found again).

Reading trusts a record's ``lead`` and ``summary`` when present, so that export → ingest
gives back the very same articles whatever ``SUMMARY_CHARS`` is; a record with only a
``title`` and a ``body`` goes through the usual cleaning and summary instead.

Every line is its own unit: whatever is wrong with it (not JSON, nested too deeply, a field
of the wrong type, a date out of range or in the future, text that is not valid Unicode,
an article over ``MAX_ARTICLE_BYTES``) becomes one ``FILE:LINE: reason`` and reading goes
on. A stream is read a line at a time and never past ``RECORD_FACTOR`` times the article
limit, so a file of any size costs the memory of one record.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bot.errors import ArticleFormatError
from bot.models import LATEST_YEAR, Article
from bot.sources.limits import (
    DEFAULT_MAX_ARTICLE_BYTES,
    RECORD_FACTOR,
    article_bytes,
    size_text,
    too_large,
)
from bot.stories import file_outlet
from bot.text import build_article

_Fail = Callable[[str], ArticleFormatError]
_LATEST = datetime(LATEST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)

FIELDS = (
    "file", "title", "date", "rubric", "tags", "lead", "summary", "url", "body", "author",
    "source",
)  # fmt: skip


def article_to_json(article: Article, *, story: bool = False) -> dict[str, Any]:
    """The JSON object of one article, keys in the documented order; with ``story`` (a
    stored article's, as ``ingest --json`` and ``latest --json`` print) at the end."""
    record: dict[str, Any] = {
        "file": _file_name(article.source),
        "title": article.title,
        "date": article.date,
        "rubric": article.rubric,
        "tags": list(article.tags),
        "lead": article.lead,
        "summary": article.summary,
        "url": article.url,
        "body": list(article.body),
        "author": article.author,
        "source": article.outlet,
    }
    if story:
        record["story"] = article.story
    return record


def dumps(article: Article) -> str:
    """One line of JSON Lines (UTF-8 text kept readable), without the newline."""
    return json.dumps(article_to_json(article), ensure_ascii=False)


def read_jsonl(
    stream_or_path: str | os.PathLike[str] | IO[str] | IO[bytes] | Iterable[str | bytes],
    source_name: str | None = None,
    *,
    summary_chars: int = 300,
    max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
    folder: Path | None = None,
) -> Iterator[Article | ArticleFormatError]:
    """Articles of a JSON Lines file, stream or list of lines, one per non-blank line.

    A bad line yields an :class:`ArticleFormatError` naming ``FILE:LINE: reason`` and the
    reading goes on with the next line. ``max_bytes`` bounds an article's text; ``folder`` (the
    absolute path the file is in) names the outlet of records that have no ``source``. A date
    past :data:`~bot.models.LATEST_YEAR` is refused; one ahead of today is taken as written.
    """
    limits = RecordLimits(summary_chars, max_bytes, _LATEST, folder)
    if isinstance(stream_or_path, (str, os.PathLike)):
        path = Path(stream_or_path)
        with path.open("rb") as stream:
            yield from _read_lines(stream, source_name or path.name, limits)
    else:
        yield from _read_lines(stream_or_path, source_name or "<stdin>", limits)


@dataclass(frozen=True, slots=True)
class RecordLimits:
    """What a record may be: its article's size, its latest date; and the summary length."""

    summary_chars: int
    max_bytes: int
    latest: datetime  # the latest publication time storage can place
    folder: Path | None = None  # where the file is, for records without a source

    @property
    def line_bytes(self) -> int:
        return RECORD_FACTOR * self.max_bytes


def _read_lines(
    lines: Iterable[str | bytes], source: str, limits: RecordLimits
) -> Iterator[Article | ArticleFormatError]:
    # A real stream is read line by line within the limit; a list of lines is already read.
    bounded: Iterable[str | bytes | None] = (
        _bounded_lines(lines, limits.line_bytes) if isinstance(lines, io.IOBase) else lines
    )
    for number, raw in enumerate(bounded, start=1):
        if raw is None or len(raw) > limits.line_bytes:
            reason = f"record longer than {size_text(limits.line_bytes)}; not read"
            yield ArticleFormatError(source, number, reason)
            continue
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield ArticleFormatError(source, number, f"not UTF-8 text (byte {exc.start + 1})")
                continue
        else:
            line = raw
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except RecursionError:
            yield ArticleFormatError(source, number, "not JSON: nested too deeply")
            continue
        except json.JSONDecodeError as exc:
            yield ArticleFormatError(source, number, f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        except ValueError as exc:  # e.g. a number longer than Python reads
            yield ArticleFormatError(source, number, f"not JSON: {exc}")
            continue
        try:
            article = record_to_article(record, source, number, limits)
        except ArticleFormatError as exc:
            yield exc
            continue
        if "source" not in record:
            article.outlet = file_outlet(article, None, limits.folder)
        yield article


def _bounded_lines(stream: io.IOBase, limit: int) -> Iterator[str | bytes | None]:
    """The stream's lines, each ``None`` when longer than ``limit``: its rest is skipped unread."""
    while line := stream.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n" if isinstance(line, bytes) else "\n"):
            yield line
            continue
        while (rest := stream.readline(64 * 1024)) and not rest.endswith(
            b"\n" if isinstance(rest, bytes) else "\n"
        ):
            pass
        yield None


def record_to_article(
    record: Any, source: str, line: int, limits: RecordLimits | None = None
) -> Article:
    """One decoded JSON record → an article; raises :class:`ArticleFormatError`."""
    limits = limits or RecordLimits(300, DEFAULT_MAX_ARTICLE_BYTES, _LATEST)

    def fail(reason: str) -> ArticleFormatError:
        return ArticleFormatError(source, line, reason)

    if not isinstance(record, dict):
        raise fail("expected a JSON object with at least title and date")
    title = _text(record, "title", fail)
    if not title:
        raise fail("field 'title' is missing or empty")
    published, date_only = _date(record.get("date"), fail, limits.latest)
    rubric = _text(record, "rubric", fail) or None
    tags = tuple(t.lstrip("#") for t in _strings(record, "tags", fail, split=str.split) if t)
    url = _text(record, "url", fail) or None
    author = _text(record, "author", fail) or None
    body = tuple(_strings(record, "body", fail, split=_paragraphs))
    origin = _text(record, "file", fail) or source
    outlet = _text(record, "source", fail) or None
    if article_bytes(title, body) > limits.max_bytes:
        raise fail(too_large(limits.max_bytes))
    if "lead" in record and record["lead"] is not None:
        lead = _text(record, "lead", fail)
        return Article(
            title=title,
            published=published,
            lead=lead,
            brief=_brief(title, record.get("summary"), lead, fail),
            body=body,
            rubric=rubric,
            tags=tags,
            url=url,
            author=author,
            source=origin,
            outlet=outlet,
            date_only=date_only,
        )
    try:
        article = build_article(
            title,
            list(body),
            published=published,
            date_only=date_only,
            rubric=rubric,
            tags=tags,
            url=url,
            author=author,
            source=origin,
            summary_chars=limits.summary_chars,
        )
    except ArticleFormatError as exc:
        raise fail(exc.reason) from None
    article.outlet = outlet
    return article


def _text(record: dict[str, Any], key: str, fail: _Fail) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(f"field {key!r} must be a string")
    return _checked(value, key, fail).strip()


def _strings(
    record: dict[str, Any], key: str, fail: _Fail, *, split: Callable[[str], list[str]]
) -> list[str]:
    value = record.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [s.strip() for s in split(_checked(value, key, fail)) if s.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [_checked(v, key, fail).strip() for v in value if v.strip()]
    raise fail(f"field {key!r} must be a list of strings")


def _checked(value: str, key: str, fail: _Fail) -> str:
    """The text, if a database can store it: JSON may carry NULs and unpaired surrogates."""
    if "\x00" in value:
        raise fail(f"field {key!r} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(f"field {key!r} is not valid Unicode (unpaired surrogate)") from None
    return value


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]


def _date(value: Any, fail: _Fail, latest: datetime) -> tuple[datetime, bool]:
    if not isinstance(value, str) or not value.strip():
        raise fail("field 'date' is missing; expected YYYY-MM-DD or an ISO 8601 time")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"bad date {text[:40]!r}; expected YYYY-MM-DD or an ISO 8601 time") from None
    date_only = len(text) == 10
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        published = parsed.astimezone(UTC)
    except OverflowError:
        raise fail(f"date {text!r} is out of range once converted to UTC") from None
    if published > latest:
        raise fail(f"date {text!r} is out of range (the last year accepted is {LATEST_YEAR})")
    return published, date_only


def _brief(title: str, summary: Any, lead: str, fail: _Fail) -> str:
    """The brief back from ``summary`` (headline + line break + brief)."""
    if summary is None:
        return lead
    if not isinstance(summary, str):
        raise fail("field 'summary' must be a string")
    if summary.strip() == title:
        return ""
    head, sep, rest = summary.partition("\n")
    return rest.strip() if sep and head.strip() == title else summary.strip()


def _file_name(source: str | None) -> str | None:
    if not source:
        return None
    if "://" in source:
        return source
    return posixpath.basename(source.replace("\\", "/")) or source
