"""The article text format and the one way every source becomes an ``Article``.

Format: line 1 `` date YYYY-MM-DD`` and zero or more ``#hashtags``; line 2 the rubric;
a blank line; the headline; a blank line; the body (an optional photo caption, the lead
paragraph, more paragraphs, stray "read also" headlines, the author's name at the end).
Files vary: CRLF, BOM, leading spaces, extra blank lines, no hashtags, no rubric.

The rubric is recognised by shape, not by position alone: a short line without final
punctuation under the date line, followed by something that is not the body (a lead
ends a sentence, a caption is a caption). A line that fails this is the headline.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.errors import ArticleFormatError
from bot.models import LATEST_YEAR, Article
from bot.text.body import (
    clean_paragraphs,
    is_caption,
    is_hashtag_line,
    normalize_space,
    strip_invisible,
)
from bot.text.clean import clean_lead
from bot.text.summary import summarize
from bot.text.tags import tag_display, tag_key

__all__ = ["DEFAULT_SUMMARY_CHARS", "build_article", "parse_article"]

DEFAULT_SUMMARY_CHARS = 300
"""Length of the brief shown under the headline in lists and digests."""


RUBRIC_MAX = 40
"""Longest line taken for a rubric (``Политика``, ``В мире``, ``Наука и техника``)."""

_HEADER_LINES = 2  # the rubric and the headline
_NO_LINE = 0  # ArticleFormatError.line for sources that have no lines (feeds, JSON)
_SNIFF = 256  # binary data shows itself at once
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_DATE_WORD = re.compile(r"\s*date\b\s*[:=]?\s*(?P<value>[^\s#]*)(?P<rest>.*)", re.IGNORECASE)
_BARE_DATE = re.compile(r"\s*(?P<value>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})(?P<rest>.*)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_HASHTAG = re.compile(r"#+([^\s#]+)")
_TAG_EDGE = ".,;:!?\"'«»()[]"
_SENTENCE_END = frozenset(".…")
_RUBRIC_END = frozenset(".!?…:;,")
_CLOSERS = "\"'»”“’)]"


def _decode(data: str | bytes, source: str) -> str:
    """Return the text of ``data``; bytes must be UTF-8 (or UTF-16 with a BOM)."""
    if isinstance(data, bytes):
        try:
            if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                text = data.decode("utf-16")
            else:
                text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            reason = (
                "binary data, not an article" if b"\x00" in data[:_SNIFF] else "not UTF-8 text"
            )
            raise ArticleFormatError(source, line, reason) from None
    else:
        text = data
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    nul = text.find("\x00")
    control = _CONTROL.search(text, 0, _SNIFF) if nul < 0 else None
    sniffed = min(len(text), _SNIFF)
    if nul >= 0 or (control is not None and len(_CONTROL.findall(text, 0, _SNIFF)) * 20 > sniffed):
        at = nul if nul >= 0 else control.start() if control else 0
        line = text.count("\n", 0, at) + 1
        raise ArticleFormatError(source, line, "binary data, not an article")
    return text


def _parse_date(value: str, source: str, line: int) -> datetime:
    iso = _ISO_DATE.fullmatch(value)
    dotted = None if iso else _DOTTED_DATE.fullmatch(value)
    try:
        if iso:
            return datetime(int(iso[1]), int(iso[2]), int(iso[3]), tzinfo=UTC)
        if dotted:
            return datetime(int(dotted[3]), int(dotted[2]), int(dotted[1]), tzinfo=UTC)
    except ValueError:
        pass
    shown = value if len(value) <= 40 else value[:40] + "…"
    raise ArticleFormatError(source, line, f"bad date {shown!r}: expected YYYY-MM-DD")


def _hashtags(text: str) -> list[str]:
    tags = (tag_display(tag.strip(_TAG_EDGE)) for tag in _HASHTAG.findall(text))
    return [tag for tag in tags if any(char.isalnum() for char in tag)]


def _header(line: str, source: str, number: int) -> tuple[datetime, list[str]]:
    """Parse `` date YYYY-MM-DD #tag #tag`` into the date and the hashtags."""
    match = _DATE_WORD.match(line) or _BARE_DATE.match(line)
    if match is None:
        raise ArticleFormatError(source, number, "expected ' date YYYY-MM-DD' on the first line")
    if not match["value"]:
        raise ArticleFormatError(source, number, "the date line has no date")
    published = _parse_date(match["value"], source, number)
    if published.year > LATEST_YEAR:
        reason = (
            f"date {published.date()} is out of range (the last year accepted is {LATEST_YEAR})"
        )
        raise ArticleFormatError(source, number, reason)
    return published, _hashtags(match["rest"])


def _ends_sentence(line: str) -> bool:
    return line.rstrip(_CLOSERS)[-1:] in _SENTENCE_END


def _rubric_like(line: str) -> bool:
    return (
        len(line) <= RUBRIC_MAX
        and len(line.split()) <= 4
        and line.rstrip(_CLOSERS)[-1:] not in _RUBRIC_END
        and any(char.isalpha() for char in line)
        and not is_caption(line)
    )


def _next_content(lines: Sequence[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index]:
            return index
    return None


def _split_head(lines: Sequence[str], start: int, source: str) -> tuple[str | None, int | None]:
    """Find the rubric (if any) and the headline's index among ``lines[start:]``."""
    first = _next_content(lines, start)
    if first is None:
        return None, None
    second = _next_content(lines, first + 1)
    if second is None and first == start and _rubric_like(lines[first]):
        # A lone short line where the rubric goes: a header without an article under it.
        reason = f"only a rubric ({lines[first][:RUBRIC_MAX]!r}) after the date line: no headline"
        raise ArticleFormatError(source, first + 1, reason)
    if second is None or not _rubric_like(lines[first]):
        return None, first
    second_is_body = (
        is_caption(lines[second])
        or _ends_sentence(lines[second])
        or (second + 1 < len(lines) and bool(lines[second + 1]))  # caption glued to the lead
    )
    directly_under = first == start
    has_body = _next_content(lines, second + 1) is not None
    if second_is_body or not (directly_under or has_body):
        return None, first
    return normalize_space(lines[first]), second


def _take_header_hashtags(lines: list[str], start: int, tags: list[str]) -> None:
    """Move hashtag-only lines among the rubric and headline into ``tags``."""
    seen = 0
    index = start
    while index < len(lines) and seen < _HEADER_LINES:
        if lines[index]:
            if is_hashtag_line(lines[index]):
                tags.extend(_hashtags(lines[index]))
                lines[index] = ""
            else:
                seen += 1
        index += 1


def parse_article(
    text: str | bytes,
    source: str = "<stdin>",
    *,
    summary_chars: int = DEFAULT_SUMMARY_CHARS,
) -> Article:
    """Parse one article in the text format; raise ``ArticleFormatError`` if it is not one.

    A date past :data:`~bot.models.LATEST_YEAR` is refused; a date ahead of today is taken
    as written (lists hold such an article back until its date: :func:`~bot.models.is_ahead`).
    """
    decoded = _decode(text, source)
    if "\r" in decoded:
        decoded = decoded.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.strip() for line in decoded.split("\n")]
    date_index = _next_content(lines, 0)
    if date_index is None:
        raise ArticleFormatError(source, 1, "empty text, not an article")
    published, tags = _header(lines[date_index], source, date_index + 1)
    start = date_index + 1
    while start < len(lines) and is_hashtag_line(lines[start]):
        tags.extend(_hashtags(lines[start]))
        start += 1
    _take_header_hashtags(lines, start, tags)
    rubric, title_index = _split_head(lines, start, source)
    if title_index is None:
        raise ArticleFormatError(source, len(lines), "no headline after the date line")
    title = normalize_space(lines[title_index])
    if not any(char.isalnum() for char in title):
        raise ArticleFormatError(source, title_index + 1, "the headline has no words")
    return build_article(
        title,
        [line for line in lines[title_index + 1 :] if line],
        published=published,
        date_only=True,
        rubric=rubric,
        tags=tags,
        source=source,
        summary_chars=summary_chars,
    )


def _unique_tags(tags: Sequence[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for tag in map(strip_invisible, tags):
        display, key = tag_display(tag), tag_key(tag)
        if key and key not in seen:
            seen.add(key)
            result.append(display)
    return tuple(result)


def build_article(
    title: str,
    paragraphs: Sequence[str],
    *,
    published: datetime,
    date_only: bool,
    rubric: str | None = None,
    tags: Sequence[str] = (),
    url: str | None = None,
    author: str | None = None,
    source: str | None = None,
    summary_chars: int = DEFAULT_SUMMARY_CHARS,
) -> Article:
    """Make an ``Article`` from parts any source has: clean the body, find lead and brief.

    Paragraphs before the lead that clean to nothing (a dateline on its own line) are
    dropped; the lead paragraph stays in ``body`` as written, dateline included.
    """
    title = normalize_space(" ".join(strip_invisible(title).split()))
    if not any(char.isalnum() for char in title):
        raise ArticleFormatError(source or "<article>", _NO_LINE, "no headline")
    if strip_invisible(joined := "\n".join(paragraphs)) is not joined:
        paragraphs = [strip_invisible(paragraph) for paragraph in paragraphs]
    author = normalize_space(strip_invisible(author)) if author else None
    body = clean_paragraphs(paragraphs, author or None)
    lead = brief = ""
    kept = body.paragraphs
    for index, paragraph in enumerate(body.paragraphs):
        lead, brief = summarize(clean_lead(paragraph), summary_chars)
        if lead:
            kept = body.paragraphs[index:]
            break
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    rubric = tag_display(strip_invisible(rubric)) if rubric else None
    return Article(
        title=title,
        published=published.astimezone(UTC),
        lead=lead,
        brief=brief,
        body=tuple(kept),
        rubric=rubric or None,
        tags=_unique_tags(tags),
        url=url,
        author=body.author,
        source=source,
        date_only=date_only,
    )
