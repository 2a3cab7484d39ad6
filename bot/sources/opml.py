"""OPML, the outline file feed readers import and export their subscriptions as.

Reading takes a file from anyone, so it is bounded and parsed with expat directly: at most
:data:`MAX_OPML_BYTES`, and any entity declaration refuses the file — an internal entity is
how a "billion laughs" file turns kilobytes into gigabytes, an external one would read a
local file — and at most :data:`MAX_OPML_FEEDS` feeds (more is refused whole, with the
count: a list that long is better split than half-polled). Every feed keeps the line it is
on, for reports as ``FILE:LINE: reason`` (listparser reads OPML too, but keeps no lines).

The mapping, both ways:

* an ``<outline>`` with ``xmlUrl`` is a feed, named by its ``title`` (else ``text``);
* the nearest enclosing ``<outline>`` without one (a folder) is the feed's rubric;
* ``category`` (OPML 2.0: comma-separated, ``/``-delimited paths) holds its tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import NoReturn
from xml.etree import ElementTree
from xml.parsers import expat

from bot.errors import SourceError
from bot.sources.limits import size_text
from bot.storage import Feed

MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_OPML_FEEDS = 1000
MAX_NAME_CHARS = 200  # a title, rubric or tag longer than this is cut


class OpmlError(SourceError):
    """The file cannot be imported at all; ``str(error)`` is ``FILE:LINE: reason``."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}:{line}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """A feed outline as written (its URL not yet checked)."""

    line: int
    url: str
    title: str | None = None
    rubric: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """An outline not imported, and why."""

    line: int
    reason: str


@dataclass(slots=True)
class Outline:
    """The feeds of an OPML file, and the outlines that could not be read as feeds."""

    feeds: list[OpmlFeed] = field(default_factory=list)
    bad: list[Skipped] = field(default_factory=list)


class _Refused(Exception):
    """Raised inside an expat handler to stop the parse (expat re-raises it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse_entities(*_args: object) -> NoReturn:
    raise _Refused("entity declarations are not allowed in an OPML file")


def _name(value: str | None) -> str | None:
    text = " ".join((value or "").split())[:MAX_NAME_CHARS]
    return text or None


def _tags(category: str | None) -> tuple[str, ...]:
    """``"/Политика,/Мир/Азия"`` → ``("Политика", "Азия")``: the last step of each path."""
    found = (
        _name(path.strip().rstrip("/").rpartition("/")[2]) for path in (category or "").split(",")
    )
    return tuple(dict.fromkeys(tag for tag in found if tag))


def parse_opml(data: bytes, source: str) -> Outline:
    """The feeds of an OPML document; raises :class:`OpmlError` for a file refused whole."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(source, 1, f"larger than {size_text(MAX_OPML_BYTES)}, the limit of a file")
    reader = _Reader()
    try:
        reader.parser.Parse(data, True)
    except _Refused as refused:
        raise OpmlError(source, reader.parser.CurrentLineNumber, refused.reason) from None
    except expat.ExpatError as error:
        raise OpmlError(
            source, error.lineno, f"not XML: {expat.ErrorString(error.code)}"
        ) from None
    if reader.count > MAX_OPML_FEEDS:
        raise OpmlError(
            source,
            reader.excess_line,
            f"{reader.count:,} feeds, more than the {MAX_OPML_FEEDS:,} one import takes; "
            "split the file",
        )
    return reader.outline


class _Reader:
    """expat's handlers for one document: the feeds, their folders and lines."""

    def __init__(self) -> None:
        self.outline = Outline()
        self.folders: list[str | None] = []  # per open <outline>: its name if a folder
        self.root: str | None = None
        self.count = 0  # feed outlines seen, also past the limit
        self.excess_line = 0  # where the first one past the limit is
        parser = self.parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.EntityDeclHandler = _refuse_entities
        parser.UnparsedEntityDeclHandler = _refuse_entities
        parser.ExternalEntityRefHandler = _refuse_entities
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        line = self.parser.CurrentLineNumber
        if self.root is None:
            self.root = tag
            if tag != "opml":
                raise _Refused(f"not an OPML file: the root element is <{tag}>")
        if tag != "outline":
            return
        attrs = {key.casefold(): value for key, value in attributes.items()}
        url = (attrs.get("xmlurl") or "").strip()
        if not url:
            if attrs.get("type", "").casefold() in ("rss", "atom"):
                self.outline.bad.append(Skipped(line, "a feed outline without xmlUrl"))
            self.folders.append(_name(attrs.get("text") or attrs.get("title")))
            return
        rubric = next((name for name in reversed(self.folders) if name), None)
        self.folders.append(None)
        self.count += 1
        if self.count > MAX_OPML_FEEDS:
            self.excess_line = self.excess_line or line
            return
        title = _name(attrs.get("title") or attrs.get("text"))
        tags = _tags(attrs.get("category"))
        self.outline.feeds.append(OpmlFeed(line, url, title, rubric, tags))

    def end(self, tag: str) -> None:
        if tag == "outline" and self.folders:
            self.folders.pop()


def render_opml(feeds: Sequence[Feed], *, title: str = "Svodka feeds") -> bytes:
    """The feeds as an OPML 2.0 document (UTF-8): rubrics as folders, tags as categories."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {}
    for feed in feeds:
        parent = body
        if feed.rubric:
            parent = folders.get(feed.rubric) or ElementTree.SubElement(
                body, "outline", text=feed.rubric, title=feed.rubric
            )
            folders[feed.rubric] = parent
        attributes = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attributes["title"] = feed.title
        if feed.tags:
            attributes["category"] = ",".join(f"/{tag}" for tag in feed.tags)
        ElementTree.SubElement(parent, "outline", attributes)
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
