"""``parse_mode=HTML`` the way Telegram parses it: tags, entities, offsets in UTF-16 units.

The algorithm and the error texts follow TDLib's ``parse_html`` (which the Bot API server
uses), so a message refused here is refused by Telegram with the same description. One
deliberate difference, on by default (``strict=True``): an ``&`` that does not start one of
the four named references or a numeric one is an error here, while Telegram keeps it as
text. The Bot API documentation asks for every such ``&`` to be escaped, and an unescaped
one usually means text reached the message without ``html.escape``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.botapi.errors import cant_parse

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_SPACE = " \t\r\n\v\f\0"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?:(?P<userinfo>[^@/?#\s]*)@)?"
    r"(?P<host>[^:/?#\s]*)(?::(?P<port>[^/?#\s]*))?(?P<rest>[/?#]\S*)?"
)
_HOST = re.compile(r"[\w\-.~%]+")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every entity offset and length."""
    if text.isascii():
        return len(text)
    return len(text) + len(_ASTRAL.findall(text))


def normalize_link(url: str) -> str | None:
    """The URL Telegram would store for a text link, or ``None`` if it would drop it.

    Like TDLib's ``check_link``: ``tg://`` and ``ton://`` links pass, otherwise only http and
    https are allowed, a missing scheme means ``http://``, and a bare host gets a ``/``.
    ``javascript:alert(1)`` reads as host ``javascript`` with port ``alert(1)`` and fails.
    """
    url = url.strip()
    if not url or any(ch in url for ch in "\n\r\t "):
        return None
    lowered = url.lower()
    if lowered.startswith(("tg://", "ton://", "tonsite://")):
        return url if len(url.split("://", 1)[1]) > 0 else None
    if "://" not in url:
        url = "http://" + url
    match = _URL.fullmatch(url)
    if match is None or match["scheme"].lower() not in ("http", "https"):
        return None
    host = match["host"]
    if not host or not _HOST.fullmatch(host) or host.startswith(".") or ".." in host:
        return None
    port = match["port"]
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        return None
    userinfo = f"{match['userinfo']}@" if match["userinfo"] else ""
    port_part = f":{port}" if port else ""
    return f"{match['scheme'].lower()}://{userinfo}{host.lower()}{port_part}{match['rest'] or '/'}"


@dataclass(slots=True)
class ParsedText:
    """Visible text plus entities; ``dropped_links`` holds hrefs Telegram would ignore."""

    text: str
    entities: list[dict[str, Any]]
    dropped_links: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the visible text
    piece: int  # index into the output pieces where the tag's content starts


class _Parser:
    def __init__(self, source: str, strict: bool) -> None:
        self.src = source
        self.n = len(source)
        self.strict = strict
        self.astral = _ASTRAL.search(source) is not None  # else UTF-16 length == len()
        self.pieces: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []
        self.dropped: list[str] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.pieces.append(text)
        self.offset += utf16_len(text) if self.astral else len(text)

    def run(self) -> ParsedText:
        src, pos = self.src, 0
        while True:
            match = _SPECIAL.search(src, pos)
            end = match.start() if match else self.n
            if end > pos:
                self.emit(src[pos:end])
            if match is None:
                break
            if src[end] == "&":
                char, pos = self.reference(end)
                self.pieces.append(char)  # a numeric reference may be astral: 2 units
                self.offset += 2 if ord(char) > 0xFFFF else 1
            elif end + 1 < self.n and src[end + 1] == "/":
                pos = self.end_tag(end)
            else:
                pos = self.start_tag(end)
        if self.stack:
            raise cant_parse(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.pieces), self.entities, self.dropped)

    def reference(self, pos: int, in_attribute: bool = False) -> tuple[str, int]:
        """Decode ``&…;`` at ``pos``; return the character and the index after it."""
        src, end = self.src, pos + 1
        code = 0
        if end < self.n and src[end] == "#":
            end += 1
            hexadecimal = end < self.n and src[end] == "x"
            if hexadecimal:
                end += 1
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            start = end
            while end < self.n and src[end] in digits:
                end += 1
            if end > start and end - pos < 10:
                code = int(src[start:end], 16 if hexadecimal else 10)
            if not 0 < code < 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                code = 0
        else:
            while end < self.n and src[end].isascii() and src[end].isalpha():
                end += 1
            char = NAMED_REFERENCES.get(src[pos + 1 : end])
            code = ord(char) if char else 0
        if code == 0:
            if self.strict and not in_attribute:
                where = f"at byte offset {self.byte_offset(pos)}"
                if end == pos + 1:
                    raise cant_parse(f'Character "&" {where} must be escaped as "&amp;"')
                shown = src[pos:end] + (";" if end < self.n and src[end] == ";" else "")
                raise cant_parse(f'Unsupported HTML entity "{shown}" {where}')
            return "&", pos + 1
        if end < self.n and src[end] == ";":
            end += 1
        return chr(code), end

    def skip_spaces(self, pos: int) -> int:
        while pos < self.n and self.src[pos] in _SPACE:
            pos += 1
        return pos

    def start_tag(self, begin: int) -> int:
        src, n = self.src, self.n
        where = f"at byte offset {self.byte_offset(begin)}"
        pos = begin + 1
        while pos < n and src[pos] not in _SPACE and src[pos] != ">":
            pos += 1
        if pos >= n:
            raise cant_parse(f"Unclosed start tag {where}")
        tag = src[begin + 1 : pos].lower()
        if tag not in SUPPORTED_TAGS:
            raise cant_parse(f'Unsupported start tag "{tag}" {where}')
        argument = ""
        while True:
            pos = self.skip_spaces(pos)
            if pos >= n:
                raise cant_parse(f'Unclosed start tag "{tag}" {where}')
            if src[pos] == ">":
                break
            name_begin = pos
            while pos < n and src[pos] not in _SPACE and src[pos] not in "=>":
                pos += 1
            name = src[name_begin:pos]
            if not name:
                raise cant_parse(f'Empty attribute name in the tag "{tag}" {where}')
            pos = self.skip_spaces(pos)
            if pos >= n:
                raise cant_parse(f'Unclosed start tag "{tag}" {where}')
            if src[pos] != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                    continue
                raise cant_parse(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" {where}'
                )
            pos = self.skip_spaces(pos + 1)
            if pos >= n:
                raise cant_parse(f'Unclosed start tag "{tag}" {where}')
            value, pos = self.attribute_value(pos)
            if pos >= n:
                raise cant_parse(f"Unclosed start tag {where}")
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
            elif tag == "blockquote" and name == "expandable":
                argument = "1"
        if tag == "span" and argument != "spoiler":
            raise cant_parse(f'Tag "span" must have class "tg-spoiler" {where}')
        self.stack.append(_Open(tag, argument, self.offset, len(self.pieces)))
        return pos + 1

    def attribute_value(self, pos: int) -> tuple[str, int]:
        src = self.src
        quote = src[pos]
        if quote not in "'\"":
            match = _NAME_TOKEN.match(src, pos)
            end = match.end() if match else pos
            if end < self.n and src[end] not in _SPACE and src[end] != ">":
                raise cant_parse(
                    f"Unexpected end of name token at byte offset {self.byte_offset(pos)}"
                )
            return src[pos:end].lower(), end
        pos += 1
        chars: list[str] = []
        while pos < self.n and src[pos] != quote:
            if src[pos] == "&":
                char, pos = self.reference(pos, in_attribute=True)
                chars.append(char)
                continue
            chars.append(src[pos])
            pos += 1
        if pos < self.n:
            pos += 1
        return "".join(chars), pos

    def end_tag(self, begin: int) -> int:
        src, n = self.src, self.n
        if not self.stack:
            raise cant_parse(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        pos = begin + 2
        while pos < n and src[pos] not in _SPACE and src[pos] != ">":
            pos += 1
        end_name = src[begin + 2 : pos]
        pos = self.skip_spaces(pos)
        if pos >= n or src[pos] != ">":
            raise cant_parse(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        opened = self.stack[-1]
        if end_name and end_name.lower() != opened.tag:
            raise cant_parse(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{opened.tag}>", found "</{end_name}>"'
            )
        if self.offset > opened.offset:
            self.close(opened)
        self.stack.pop()
        return pos + 1

    def close(self, opened: _Open) -> None:
        tag, offset, length = opened.tag, opened.offset, self.offset - opened.offset
        entity: dict[str, Any] = {"offset": offset, "length": length}
        if tag in SIMPLE_TAGS:
            entity["type"] = SIMPLE_TAGS[tag]
        elif tag == "tg-emoji":
            if not opened.argument.isdigit():
                raise cant_parse("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=opened.argument)
        elif tag == "a":
            href = opened.argument or "".join(self.pieces[opened.piece :])
            url = normalize_link(href)
            if url is None:
                self.dropped.append(href)  # Telegram keeps the text and drops the link
                return
            entity.update(type="text_link", url=url)
        elif tag == "code":
            entity["type"] = "code"
            if opened.argument:
                entity["language"] = opened.argument
        elif tag == "pre":
            last = self.entities[-1] if self.entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == offset
                and last["length"] == length
                and "language" in last
            ):
                self.entities.pop()
                entity.update(type="pre", language=last["language"])
            else:
                entity["type"] = "pre"
        else:  # blockquote
            entity["type"] = "expandable_blockquote" if opened.argument else "blockquote"
        self.entities.append(entity)


def parse_html(source: str, *, strict: bool = True) -> ParsedText:
    """Parse Telegram HTML; raise :class:`APIError` 400 "can't parse entities: …" if bad."""
    parsed = _Parser(source, strict).run()
    for entity in parsed.entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # a language only survives on <pre><code>
    return parsed
