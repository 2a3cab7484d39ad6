"""HTML (a feed item's description or ``content:encoded``) → plain text paragraphs.

The standard library's :mod:`html.parser` is enough for the small fragments feeds carry.
Block elements (``<p>``, ``<div>``, headings, list items, quotes, table rows) end a
paragraph. Feeds use ``<br>`` both between paragraphs and to wrap lines, so two in a row,
or one after a sentence's end, end a paragraph, while a lone ``<br>`` inside a sentence is
a space. Entities are decoded and non-breaking spaces become ordinary ones. Scripts,
styles, embedded media and image captions (``<figcaption>``) are dropped: they are not
the article's text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose start or end closes the current paragraph.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl",
        "dt", "fieldset", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Elements dropped with everything inside them.
_SKIP = frozenset(
    {
        "audio", "button", "canvas", "figcaption", "head", "iframe", "noscript", "object",
        "picture", "script", "select", "style", "svg", "template", "title", "video",
    }
)  # fmt: skip
# Void elements never get an end tag, so they must not open a skipped region.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})

_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2007\u202f\u200b\ufeff]+")
_SENTENCE_END = re.compile(r"[.!?…:;»\"”)]$")
_TAG = re.compile(r"<[a-zA-Z!/][^>]*>")


class _TextCollector(HTMLParser):
    """Collects text runs and splits them into paragraphs at block boundaries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._run: list[str] = []
        self._skip_depth = 0
        self._after_break = False  # a <br> came last, with only spaces after it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._line_break()
        elif tag in _SKIP and tag not in _VOID:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._line_break()
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag not in _VOID:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            if data.strip():
                self._after_break = False
            self._run.append(data)

    def _line_break(self) -> None:
        if self._skip_depth:
            return
        text = "".join(self._run).rstrip()
        if self._after_break or _SENTENCE_END.search(text):
            self._flush()
        else:
            self._run.append(" ")
            self._after_break = True

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self._run)).strip()
        self._run.clear()
        self._after_break = False
        if text:
            self.paragraphs.append(text)


def html_to_paragraphs(markup: str) -> list[str]:
    """Clean text paragraphs of an HTML fragment, in order, without empty ones."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return collector.paragraphs


def text_to_paragraphs(text: str) -> list[str]:
    """Paragraphs of a fragment that may be HTML or plain text (one paragraph per line)."""
    if _TAG.search(text):
        return html_to_paragraphs(text)
    paragraphs: list[str] = []
    for line in text.splitlines():
        # Plain text may still carry entities (``&laquo;``) that feeds double-escape.
        cleaned = html_to_paragraphs(line) if "&" in line else [_SPACES.sub(" ", line).strip()]
        paragraphs.extend(p for p in cleaned if p)
    return paragraphs


def strip_tags(text: str) -> str:
    """One line of text from a fragment that may contain markup (headlines, names)."""
    return " ".join(text_to_paragraphs(text))
