"""RSS 2.0 and Atom feeds → articles, parsed with feedparser.

A feed item becomes an :class:`~bot.models.Article` through the same cleaning as the text
format (:func:`bot.text.build_article`): headline, link (the dedup key; relative links are
resolved against the feed), published date (read in the feed's own zone, stored in UTC),
categories as rubric and tags, and the fullest text the item carries — Yandex's
``yandex:full-text``, else ``content:encoded`` (or Atom content), else the description —
turned into clean paragraphs whose first is the lead.

Items without a link are left out: without a stable key every poll would store them
again. Items without a date take the feed's own date, else the time of the fetch; an item
dated after the fetch (a wrong zone, a typo; a date-only item a day ahead, as a local day
may be) is stored at the time of the fetch, so that it cannot stay on top of ``/latest``.
An item whose text is over ``MAX_ARTICLE_BYTES`` is left out, named in ``skipped``.

A feed that declares UTF-8 (or nothing, which means UTF-8) but is not valid UTF-8 was
written in another encoding and mislabelled, most often Windows-1251: its encoding is
detected (charset-normalizer) rather than guessed as Windows-1252, which gives mojibake.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from charset_normalizer import from_bytes

from bot.errors import ArticleFormatError, SourceError
from bot.models import Article
from bot.sources.dates import entry_date, horizon, raw_field
from bot.sources.html import strip_tags, text_to_paragraphs
from bot.sources.limits import DEFAULT_MAX_ARTICLE_BYTES, article_bytes, too_large
from bot.stories import feed_outlet
from bot.text import build_article
from bot.text.tags import tag_key

logger = logging.getLogger(__name__)

MAX_TTL_S = 86_400
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_ALTERNATE = re.compile(
    r"<link\b[^>]*\btype=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.I | re.S
)
_CLOSED = re.compile(rb"</(?:[\w-]+:)?(?:rss|feed|RDF)>\s*$")
_HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([\w.:-]+)", re.I)
_UTF8 = frozenset({"utf-8", "utf8"})


class NotAFeedError(SourceError):
    """The answer is not RSS or Atom; ``kind`` says why, for a message in the user's language.

    Kinds: ``empty``, ``page`` (a web page; ``found`` is the feed it names, if any),
    ``invalid`` (anything else), ``address`` (not an http(s) URL at all).
    """

    def __init__(self, message: str, *, kind: str = "invalid", found: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.found = found


@dataclass(slots=True)
class ParsedFeed:
    """What one fetch of a feed gave: its title and TTL, and the new or changed articles.

    ``fingerprints`` maps every item's link to a hash of its raw fields, so that the next
    parse can skip items it has already turned into articles.
    """

    title: str | None
    ttl_s: int | None
    articles: list[Article] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # why items were left out
    items: int = 0  # every item in the feed, changed or not


def parse_feed(
    data: bytes,
    url: str,
    *,
    rubric: str | None = None,
    tags: Sequence[str] = (),
    zone: tzinfo = UTC,
    now: datetime | None = None,
    location: str | None = None,
    content_type: str | None = None,
    known: Mapping[str, str] | None = None,
    summary_chars: int = 300,
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
) -> ParsedFeed:
    """Articles of the feed ``url`` (their ``source``), fetched from ``location``.

    ``location`` (the address after redirects, default ``url``) resolves relative links;
    ``zone`` reads dates that carry no zone; ``known`` (link → fingerprint from the
    previous parse) leaves out items that have not changed. Raises :class:`NotAFeedError`
    with a message fit for an admin when the document is not a feed.
    """
    data, content_type = _mislabelled_utf8(data, content_type)
    headers = {"content-location": location or url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(
        data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not parsed.get("version"):
        raise _not_a_feed(data, parsed, location or url)
    if parsed.get("bozo"):
        logger.debug("%s: tolerated feed error: %s", url, parsed.get("bozo_exception"))
    meta = parsed.get("feed", {})
    now = now or datetime.now(UTC)
    fallback = entry_date(meta, zone)[0] or now
    result = ParsedFeed(title=_one_line(meta.get("title")) or None, ttl_s=_ttl(meta))
    base = location or url
    known = known or {}
    entries = list(parsed.get("entries", []))
    if entries and parsed.get("bozo") and not _CLOSED.search(data[-512:]):
        # The document was cut off: its last item may be cut too, so it waits for a whole one.
        result.items += 1
        result.skipped.append(f"item {_one_line(entries.pop().get('title'))!r} may be cut off")
    for entry in entries:
        result.items += 1
        link = _link(entry, base)
        if link is None:
            result.skipped.append(f"item {_one_line(entry.get('title'))!r} has no link")
            continue
        fingerprint = _fingerprint(entry)
        result.fingerprints[link] = fingerprint
        if known.get(link) == fingerprint:
            continue
        try:
            result.articles.append(
                _article(
                    entry,
                    link,
                    source=url,
                    rubric=rubric,
                    tags=tags,
                    zone=zone,
                    now=now,
                    fallback=fallback,
                    summary_chars=summary_chars,
                    max_bytes=max_article_bytes,
                )
            )
        except ArticleFormatError as exc:
            result.skipped.append(f"{link}: {exc.reason}")
            # Forget the fingerprint so that a fixed item is tried again.
            del result.fingerprints[link]
    outlet = feed_outlet(result.title, url)
    for article in result.articles:
        article.outlet = outlet
    return result


def _article(
    entry: Mapping[str, Any],
    link: str,
    *,
    source: str,
    rubric: str | None,
    tags: Sequence[str],
    zone: tzinfo,
    now: datetime,
    fallback: datetime,
    summary_chars: int,
    max_bytes: int,
) -> Article:
    title = _title(entry)
    if not title:
        raise ArticleFormatError(source, 0, "item has no title")
    paragraphs = _paragraphs(entry)
    if article_bytes(title, paragraphs) > max_bytes:
        raise ArticleFormatError(source, 0, too_large(max_bytes))
    published, date_only = entry_date(entry, zone)
    published, date_only = (published, date_only) if published else (fallback, False)
    # A date-only item is dated by a local day, which may run a day ahead of UTC.
    if published > (horizon(now) if date_only else now):
        published, date_only = now, False
    item_rubric, item_tags = _rubric_and_tags(entry, rubric, tags)
    return build_article(
        title,
        paragraphs,
        published=published,
        date_only=date_only,
        rubric=item_rubric,
        tags=item_tags,
        url=link,
        author=_author(entry),
        source=source,
        summary_chars=summary_chars,
    )


def _paragraphs(entry: Mapping[str, Any]) -> list[str]:
    """The fullest text: Yandex full text, else content:encoded / Atom content, else summary."""
    full = entry.get("yandex_full-text")
    if isinstance(full, str) and full.strip():
        return text_to_paragraphs(full)
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    if contents:
        paragraphs = text_to_paragraphs(max(contents, key=len))
        if paragraphs:
            return paragraphs
    summary = entry.get("summary")
    return text_to_paragraphs(summary) if isinstance(summary, str) else []


def _title(entry: Mapping[str, Any]) -> str:
    title = entry.get("title")
    if not isinstance(title, str):
        return ""
    kind = str(entry.get("title_detail", {}).get("type", ""))
    if "html" in kind:
        return strip_tags(title)
    # Plain titles are sometimes escaped twice (``&amp;laquo;``); decode what is left.
    return _one_line(html.unescape(title))


def _one_line(text: Any) -> str:
    return " ".join(str(text).split()) if text else ""


def _link(entry: Mapping[str, Any], base: str) -> str | None:
    candidates = [entry.get("link")]
    if entry.get("guidislink", True) or str(entry.get("id", "")).startswith("http"):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        absolute = urljoin(base, candidate.strip())
        if urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


def _rubric_and_tags(
    entry: Mapping[str, Any], rubric: str | None, tags: Sequence[str]
) -> tuple[str | None, tuple[str, ...]]:
    """The feed's rubric, else the first category; the other categories become tags."""
    categories = []
    for item in entry.get("tags", []) or []:
        term = _one_line(strip_tags(str(item.get("term") or item.get("label") or "")))
        term = term.lstrip("#").strip()
        if term:
            categories.append(term)
    if rubric is None and categories:
        rubric = categories.pop(0)
    seen = {tag_key(rubric)} if rubric else set()
    result = []
    for tag in (*tags, *categories):
        key = tag_key(tag)
        if key and key not in seen:
            seen.add(key)
            result.append(tag)
    return rubric, tuple(result)


def _author(entry: Mapping[str, Any]) -> str | None:
    detail = entry.get("author_detail") or {}
    name = detail.get("name") or entry.get("author")
    if not isinstance(name, str):
        return None
    name = strip_tags(name)
    return name if name and "@" not in name else None


def _ttl(meta: Mapping[str, Any]) -> int | None:
    raw = str(meta.get("ttl") or "").strip()
    if not raw.isdigit() or int(raw) <= 0:
        return None
    return min(int(raw) * 60, MAX_TTL_S)


def _fingerprint(entry: Mapping[str, Any]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for key in ("title", "link", "published", "updated", "summary", "yandex_full-text"):
        digest.update(str(raw_field(entry, key) or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    for content in entry.get("content", []) or []:
        digest.update(str(content.get("value", "")).encode("utf-8", "surrogatepass"))
    for item in entry.get("tags", []) or []:
        digest.update(str(item.get("term", "")).encode("utf-8", "surrogatepass"))
    author = entry.get("author")
    digest.update(str(author).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _mislabelled_utf8(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """The document in UTF-8 if it claims UTF-8 but is in another encoding, else as it is."""
    declared = _CHARSET.search(content_type or "")
    if declared is None:
        in_xml = _XML_ENCODING.match(data[:256])
        charset = in_xml.group(1).decode("ascii").lower() if in_xml else "utf-8"
    else:
        charset = declared.group(1).lower()
    if charset not in _UTF8:
        return data, content_type
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return data, content_type
    best = from_bytes(data).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return data, content_type
    logger.debug("feed declared as UTF-8 is in %s", best.encoding)
    return str(best).encode("utf-8"), content_type


def _not_a_feed(data: bytes, parsed: Mapping[str, Any], url: str) -> NotAFeedError:
    if not data.strip():
        return NotAFeedError("the answer is empty, not an RSS or Atom feed", kind="empty")
    if _HTML_START.match(data[:4096]):
        text = data[:65536].decode("utf-8", "replace")
        for tag in _ALTERNATE.findall(text):
            href = _HREF.search(tag)
            if href:
                found = urljoin(url, html.unescape(href.group(1)))
                return NotAFeedError(
                    f"this is a web page, not a feed; the page names a feed: {found}",
                    kind="page",
                    found=found,
                )
        return NotAFeedError("this is a web page, not an RSS or Atom feed", kind="page")
    problem = parsed.get("bozo_exception")
    detail = f" ({problem})" if problem else ""
    return NotAFeedError(f"not an RSS or Atom feed{detail}")
