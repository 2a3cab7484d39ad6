"""From the text a bot sends to the text and entities Telegram stores and shows.

Pipeline (as Telegram does it): drop ``\\r``; parse ``parse_mode`` (HTML validated fully,
Markdown modes passed through unparsed) or take the explicit ``entities``; trim leading
and trailing whitespace, moving the entities with it; then detect the entities Telegram
adds by itself — ``bot_command``, ``hashtag``, ``mention``, ``url`` — outside code, pre
and links. The same detection builds the entities of messages users send.
"""

from __future__ import annotations

import re
from typing import Any

from tests.botapi.errors import bad_request
from tests.botapi.html import ParsedText, normalize_link, parse_html, utf16_len

ENTITY_TYPES = frozenset(
    {
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number",
        "bold", "italic", "underline", "strikethrough", "spoiler", "blockquote",
        "expandable_blockquote", "code", "pre", "text_link", "text_mention", "custom_emoji",
        "date_time",
    }
)  # fmt: skip
_NO_DETECTION_INSIDE = frozenset({"code", "pre", "text_link", "text_mention"})
_TRIM = " \t\n\v\f\0"
# Every branch starts with a literal so that the search skips plain text quickly; the
# "not preceded by" checks come right after that literal.
_DETECT = re.compile(
    r"(?P<bot_command>/(?<![\w/<>]/)[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@]))"
    r"|(?P<url>h(?<![\w@/]h)ttps?://[^\s<>\"]+)"
    r"|(?P<hashtag>\#(?<![\w#&]\#)(?=\w*[^\W\d])\w{1,256})"
    r"|(?P<mention>@(?<![\w@]@)[A-Za-z0-9_]{3,32}(?![\w@]))"
)
_TRIGGER = re.compile(r"[/#@]|https?://")
_URL_TAIL = ".,;:!?'\")]}"


def text_length(text: str, unit: str) -> int:
    """Length of a message for the 4096/1024 limits: ``codepoints`` or ``utf16``."""
    return utf16_len(text) if unit == "utf16" else len(text)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram recognises in plain text, sorted, offsets in UTF-16 units."""
    found: list[dict[str, Any]] = []
    ascii_offsets = text.isascii() or utf16_len(text) == len(text)
    resume = 0
    for trigger in _TRIGGER.finditer(text):
        if trigger.start() < resume:
            continue
        match = _DETECT.match(text, trigger.start())
        if match is None:
            continue
        resume = match.end()
        kind = match.lastgroup or "url"
        start, end = match.span()
        if kind == "url":
            while end > start and text[end - 1] in _URL_TAIL:
                if text[end - 1] == ")" and text[start:end].count("(") >= text[start:end].count(
                    ")"
                ):
                    break
                end -= 1
            if normalize_link(text[start:end]) is None:
                continue
        if ascii_offsets:
            offset, length = start, end - start
        else:
            offset, length = utf16_len(text[:start]), utf16_len(text[start:end])
        found.append({"type": kind, "offset": offset, "length": length})
    return found


def _trim(parsed: ParsedText) -> ParsedText:
    text = parsed.text
    stripped_left = text.lstrip(_TRIM)
    left = utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip(_TRIM)
    total = utf16_len(result)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(result, entities, parsed.dropped_links)


def _explicit(text: str, raw: Any) -> ParsedText:
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    total = utf16_len(text)
    entities: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse MessageEntity: object expected")
        kind, offset, length = item.get("type"), item.get("offset"), item.get("length")
        if kind not in ENTITY_TYPES:
            raise bad_request(f"can't parse MessageEntity: unsupported type {kind!r}")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
            raise bad_request("can't parse MessageEntity: offset and length must be integers")
        if kind == "text_link":
            url = normalize_link(str(item.get("url", "")))
            if url is None:
                continue
            item = {**item, "url": url}
        end = min(offset + length, total)
        if end > offset:
            entities.append({**item, "offset": offset, "length": end - offset})
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(text, entities)


def _add_detected(parsed: ParsedText) -> None:
    if not any(ch in parsed.text for ch in "/#@:"):
        return
    blocked = [
        (e["offset"], e["offset"] + e["length"])
        for e in parsed.entities
        if e["type"] in _NO_DETECTION_INSIDE or e["type"] in ("url", "bot_command")
    ]
    added = False
    for entity in detect_entities(parsed.text):
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if all(end <= b_start or start >= b_end for b_start, b_end in blocked):
            parsed.entities.append(entity)
            added = True
    if added:
        parsed.entities.sort(key=lambda e: (e["offset"], -e["length"]))


def format_text(
    text: str,
    parse_mode: str | None,
    entities: Any = None,
    *,
    strict_html: bool = True,
    detect: bool = True,
) -> tuple[ParsedText, str | None]:
    """Apply ``parse_mode`` or ``entities``; return the stored text and the parse mode used.

    Raises :class:`APIError` 400 for an unknown parse mode or HTML Telegram refuses.
    """
    text = text.replace("\r", "")
    mode = parse_mode.strip() if parse_mode else None
    if entities is not None:
        parsed, mode = _explicit(text, entities), None
    elif not mode:
        parsed, mode = ParsedText(text, []), None
    elif mode.lower() == "html":
        parsed, mode = parse_html(text, strict=strict_html), "HTML"
    elif mode.lower() in ("markdown", "markdownv2"):
        parsed = ParsedText(text, [])  # not parsed: the visible text is the raw text
    else:
        raise bad_request("unsupported parse_mode")
    parsed = _trim(parsed)
    if detect:
        _add_detected(parsed)
    return parsed, mode
