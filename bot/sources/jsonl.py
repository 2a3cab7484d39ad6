"""JSON Lines: one article per line, the same fields ``ingest --json`` prints and
``export`` writes, so a database can be moved, inspected or rebuilt.

Fields: ``file`` (base name of the article's source; a feed article keeps its feed URL),
``title``, ``date`` (``YYYY-MM-DD`` for date-only articles, else ISO 8601 in UTC),
``rubric``, ``tags`` (as written, without ``#``), ``lead``, ``summary`` (headline, a line
break, the brief), ``url``, ``body`` (the cleaned paragraphs) and ``author``.

Reading trusts a record's ``lead`` and ``summary`` when present, so that export → ingest
gives back the very same articles whatever ``SUMMARY_CHARS`` is; a record with only a
``title`` and a ``body`` goes through the usual cleaning and summary instead.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bot.errors import ArticleFormatError
from bot.models import Article
from bot.text import build_article

_Fail = Callable[[str], ArticleFormatError]

FIELDS = ("file", "title", "date", "rubric", "tags", "lead", "summary", "url", "body", "author")


def article_to_json(article: Article) -> dict[str, Any]:
    """The JSON object of one article, keys in the documented order."""
    return {
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
    }


def dumps(article: Article) -> str:
    """One line of JSON Lines (UTF-8 text kept readable), without the newline."""
    return json.dumps(article_to_json(article), ensure_ascii=False)


def read_jsonl(
    stream_or_path: str | os.PathLike[str] | IO[str] | IO[bytes] | Iterable[str | bytes],
    source_name: str | None = None,
    *,
    summary_chars: int = 300,
) -> Iterator[Article | ArticleFormatError]:
    """Articles of a JSON Lines file, stream or list of lines, one per non-blank line.

    A bad line yields an :class:`ArticleFormatError` naming ``FILE:LINE: reason`` and the
    reading goes on with the next line.
    """
    if isinstance(stream_or_path, (str, os.PathLike)):
        path = Path(stream_or_path)
        with path.open("rb") as stream:
            yield from _read_lines(stream, source_name or path.name, summary_chars)
    else:
        yield from _read_lines(stream_or_path, source_name or "<stdin>", summary_chars)


def _read_lines(
    lines: Iterable[str | bytes], source: str, summary_chars: int
) -> Iterator[Article | ArticleFormatError]:
    for number, raw in enumerate(lines, start=1):
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
            yield record_to_article(json.loads(line), source, number, summary_chars)
        except json.JSONDecodeError as exc:
            yield ArticleFormatError(source, number, f"not JSON: {exc.msg} at column {exc.colno}")
        except ArticleFormatError as exc:
            yield exc


def record_to_article(record: Any, source: str, line: int, summary_chars: int = 300) -> Article:
    """One decoded JSON record → an article; raises :class:`ArticleFormatError`."""

    def fail(reason: str) -> ArticleFormatError:
        return ArticleFormatError(source, line, reason)

    if not isinstance(record, dict):
        raise fail("expected a JSON object with at least title and date")
    title = _text(record, "title", fail)
    if not title:
        raise fail("field 'title' is missing or empty")
    published, date_only = _date(record.get("date"), fail)
    rubric = _text(record, "rubric", fail) or None
    tags = tuple(t.lstrip("#") for t in _strings(record, "tags", fail, split=str.split) if t)
    url = _text(record, "url", fail) or None
    author = _text(record, "author", fail) or None
    body = tuple(_strings(record, "body", fail, split=_paragraphs))
    origin = _text(record, "file", fail) or source
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
            date_only=date_only,
        )
    try:
        return build_article(
            title,
            list(body),
            published=published,
            date_only=date_only,
            rubric=rubric,
            tags=tags,
            url=url,
            author=author,
            source=origin,
            summary_chars=summary_chars,
        )
    except ArticleFormatError as exc:
        raise fail(exc.reason) from None


def _text(record: dict[str, Any], key: str, fail: _Fail) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(f"field {key!r} must be a string")
    return value.strip()


def _strings(
    record: dict[str, Any], key: str, fail: _Fail, *, split: Callable[[str], list[str]]
) -> list[str]:
    value = record.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [s.strip() for s in split(value) if s.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise fail(f"field {key!r} must be a list of strings")


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]


def _date(value: Any, fail: _Fail) -> tuple[datetime, bool]:
    if not isinstance(value, str) or not value.strip():
        raise fail("field 'date' is missing; expected YYYY-MM-DD or an ISO 8601 time")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"bad date {text!r}; expected YYYY-MM-DD or an ISO 8601 time") from None
    date_only = len(text) == 10
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC), date_only


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
