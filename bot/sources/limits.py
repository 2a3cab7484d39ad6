"""How much one article and one batch may take, wherever they come from.

An article's size is its headline and body in UTF-8. ``MAX_ARTICLE_BYTES`` (1 MiB by default,
far above any real article) bounds it for text files, JSON Lines records and feed items
alike: a text file is never read past the limit, and every stored article fits back through
``export`` → ``ingest``. Batches written in one transaction are bounded by bytes as well as
by count, so a folder of large files costs the memory of a few of them, not of all.
"""

from __future__ import annotations

from collections.abc import Iterable

DEFAULT_MAX_ARTICLE_BYTES = 1024 * 1024
# A JSON Lines record carries the article twice over (body, lead, summary) plus JSON
# escapes: a line is never read past this many times the article limit.
RECORD_FACTOR = 4
BATCH_ARTICLES = 1000
BATCH_BYTES = 16 * 1024 * 1024


def article_bytes(title: str, paragraphs: Iterable[str]) -> int:
    """The size of an article's text; raises ``UnicodeEncodeError`` for unpaired surrogates."""
    return len(title.encode("utf-8")) + sum(len(p.encode("utf-8")) for p in paragraphs)


def too_large(limit: int) -> str:
    """The reason given for an article over the limit."""
    return f"larger than the {size_text(limit)} limit of an article (MAX_ARTICLE_BYTES)"


def batch_full(count: int, size: int) -> bool:
    """Whether a batch of ``count`` articles taking ``size`` bytes should be written now."""
    return count >= BATCH_ARTICLES or size >= BATCH_BYTES


def size_text(n: int) -> str:
    """``1048576`` → ``"1 MiB"``, ``1500`` → ``"1500 bytes"``."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.4g} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"
