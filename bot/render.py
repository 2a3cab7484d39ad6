"""HTML for articles, shared by the handlers and the digest, and splitting to Telegram's limit.

Every piece of article text is escaped here; links are emitted only for http(s) URLs, so
nothing an article contains can break the markup or smuggle in a link. Telegram's limit
counts the text after parsing the markup, in UTF-16 code units; :func:`html_len` measures
that for the HTML made here.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Sequence
from datetime import tzinfo
from urllib.parse import urlsplit

from bot.models import Article
from bot.text.tags import telegram_hashtag

MESSAGE_LIMIT = 4096
ECHO_CHARS = 64  # what a reply quotes of user input
# One item stays well under a message, so that a page of items can always be split
# between items.
TITLE_CHARS = 400
BRIEF_CHARS = 1500
TAGS_SHOWN = 12
PART_SEPARATOR = "\n\n"

_SPACE = re.compile(r"\s")
_TAG = re.compile(r"<[^>]*>")  # escape() leaves no '<' or '>' inside text or attributes
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][»”\")])\s+")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def html_len(markup: str) -> int:
    """Length of HTML made by this module as Telegram counts it: tags removed, entities decoded."""
    return tg_len(html.unescape(_TAG.sub("", markup)))


def escape(text: str) -> str:
    """Escape text for Telegram HTML (``&``, ``<``, ``>`` and quotes)."""
    return html.escape(text, quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link, else ``None``."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if _SPACE.search(url):
        return None
    return url


def link(url: str | None, label: str | None = None) -> str:
    """``<a href=…>label</a>`` for a safe URL (label defaults to its host), else ``""``."""
    url = safe_url(url)
    if url is None:
        return ""
    host = urlsplit(url).hostname or url
    text = label if label is not None else host.removeprefix("www.")
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ending with ``…``."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—-") + "…"


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """User input quoted in a reply: on one line, cut to ``limit`` characters, escaped.

    Input may be as long as a message, and a reply that quotes all of it with a few words
    around exceeds Telegram's limit and is refused.
    """
    return escape(shorten(" ".join(text.split()), limit))


def hashtags(article: Article) -> str:
    """The article's tags (rubric last) as Telegram hashtags, space-separated and escaped."""
    seen: set[str] = set()
    shown: list[str] = []
    for tag in article.all_tags:
        tag_text = _hashtag(tag)
        if len(shown) == TAGS_SHOWN:
            break
        if tag_text and tag_text.casefold() not in seen:
            seen.add(tag_text.casefold())
            shown.append(tag_text)
    return " ".join(shown)


@functools.lru_cache(maxsize=8192)
def _hashtag(tag: str) -> str:
    return escape(shorten(telegram_hashtag(tag), 64))


def format_date(article: Article, tz: tzinfo | None = None) -> str:
    """``YYYY-MM-DD``, with ``HH:MM`` in ``tz`` (default UTC) when the source gave a time."""
    if article.date_only:
        return article.published.date().isoformat()
    when = article.published.astimezone(tz) if tz is not None else article.published
    suffix = "" if tz is not None else " UTC"
    return when.strftime("%Y-%m-%d %H:%M") + suffix


def render_item(
    article: Article, *, number: int | None = None, tz: tzinfo | None = None, sources: str = ""
) -> str:
    """One item: bold headline, date and hashtags, the summary, and the link if any.

    ``sources`` («+2 источника») says how many other outlets told the story.
    At most a few thousand characters, so a page of items splits between items.
    """
    title = escape(shorten(article.title, TITLE_CHARS))
    head = f"{number}. <b>{title}</b>" if number is not None else f"<b>{title}</b>"
    meta = format_date(article, tz)
    tags = hashtags(article)
    if tags:
        meta = f"{meta} · {tags}"
    if sources:
        meta = f"{meta} · {escape(sources)}"
    lines = [head, f"<i>{meta}</i>"]
    if article.brief:
        lines.append(escape(shorten(article.brief, BRIEF_CHARS)))
    source = link(article.url)
    if source:
        lines.append(f"🔗 {source}")
    return "\n".join(lines)


def render_front_item(article: Article, *, tz: tzinfo, sources: str = "") -> str:
    """One item of a digest, compact for a front page: the bold headline with its time and
    ``sources`` on one line, then the summary and the link in a blockquote that stays
    folded until tapped, so about ten items fit on a phone's screen."""
    title = escape(shorten(article.title, TITLE_CHARS))
    when = article.published.astimezone(tz)
    meta = when.strftime("%d.%m" if article.date_only else "%d.%m %H:%M")
    if sources:
        meta = f"{meta} · {escape(sources)}"
    lines = [escape(shorten(article.brief, BRIEF_CHARS))] if article.brief else []
    source = link(article.url)
    if source:
        lines.append(f"🔗 {source}")
    head = f"<b>{title}</b> <i>· {meta}</i>"
    if not lines:
        return head
    quoted = "\n".join(lines)
    return f"{head}\n<blockquote expandable>{quoted}</blockquote>"


def plan_messages(
    parts: Sequence[str], limit: int = MESSAGE_LIMIT, separator: str = PART_SEPARATOR
) -> list[list[int]]:
    """The indices of ``parts`` that go into each message (see :func:`split_messages`)."""
    return plan_by_length([html_len(part) for part in parts], limit, html_len(separator))


def plan_by_length(
    lengths: Sequence[int], limit: int = MESSAGE_LIMIT, gap: int = len(PART_SEPARATOR)
) -> list[list[int]]:
    """:func:`plan_messages` for parts whose visible lengths are already known.

    Lengths of HTML fragments add up (no tag or entity spans two parts), so a caller may
    measure each part once and plan many times.
    """
    plan: list[list[int]] = []
    size = 0
    for index, length in enumerate(lengths):
        if length > limit:
            raise ValueError(f"a part of {length} characters exceeds the limit {limit}")
        if plan and size + gap + length <= limit:
            plan[-1].append(index)
            size += gap + length
        else:
            plan.append([index])
            size = length
    return plan


def split_messages(
    parts: Sequence[str], limit: int = MESSAGE_LIMIT, separator: str = PART_SEPARATOR
) -> list[str]:
    """Join HTML parts into as few messages as fit ``limit``, splitting only between parts.

    A part that alone exceeds the limit raises :class:`ValueError`: parts are HTML and
    cannot be cut safely here (split plain text with :func:`split_text` before escaping).
    """
    return [
        separator.join(parts[i] for i in group) for group in plan_messages(parts, limit, separator)
    ]


def split_text(
    text: str, limit: int = MESSAGE_LIMIT, *, measure: Callable[[str], int] = tg_len
) -> list[str]:
    """Plain text in chunks of at most ``limit`` (as ``measure`` counts).

    Splits at paragraph breaks first, then sentence ends, then spaces, and only as a last
    resort inside a word. The default measure is what Telegram counts, which escaping the
    chunks afterwards does not change.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if not text:
        return []
    if measure(text) <= limit:
        return [text]
    for pattern in (r"\n\s*\n", r"\n", _SENTENCE_END.pattern, r"\s+"):
        pieces = [p for p in re.split(pattern, text) if p.strip()]
        if len(pieces) > 1:
            joiner = "\n\n" if pattern == r"\n\s*\n" else ("\n" if pattern == r"\n" else " ")
            return _pack(pieces, limit, joiner, measure)
    return _hard_cut(text, limit, measure)


def _pack(pieces: list[str], limit: int, joiner: str, measure: Callable[[str], int]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        piece = piece.strip()
        if measure(piece) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.extend(split_text(piece, limit, measure=measure))
            continue
        candidate = f"{current}{joiner}{piece}" if current else piece
        if measure(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    chunks: list[str] = []
    while text:
        # The longest prefix that fits (at least one character), by bisection.
        low, high = 1, min(len(text), limit)
        while low < high:
            middle = (low + high + 1) // 2
            if measure(text[:middle]) <= limit:
                low = middle
            else:
                high = middle - 1
        chunks.append(text[:low])
        text = text[low:]
    return chunks
