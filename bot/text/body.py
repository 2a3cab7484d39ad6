"""Telling the article's own paragraphs from page furniture around them.

Pages carry a photo caption or credit above the lead, headlines of other articles
("read also") between paragraphs, hashtag lists and the author's name at the end
(sometimes twice). None of that belongs in the text a reader gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from bot.text.outlets import AGENCY

__all__ = [
    "Body",
    "author_name",
    "clean_paragraphs",
    "is_caption",
    "is_hashtag_line",
    "is_read_also",
    "normalize_space",
    "strip_caption_prefix",
    "strip_invisible",
]

READ_ALSO_MAX = 200
"""Longest line still taken for another article's headline when it lacks final punctuation."""

_CAPTION_WORD = (
    r"(?:фото(?:графия)?|photo|видео|video|иллюстрация|коллаж|кадр|скриншот|инфографика"
    r"|источник\s+фото|фото\s+и\s+видео)"
)
_CAPTION_START = re.compile(
    rf"^{_CAPTION_WORD}(?:\s+(?:в\s+анонсе|на\s+главной|с\s+сайта|из\s+открытых\s+источников"
    r"|автора|из\s+архива|из\s+соцсетей|предоставлен[оаы]?)[^:—–-]{0,60})?\s*[:—–-]",
    re.IGNORECASE,
)
# "Министерство обороны, фото - Новости Zakon.kz от 01.12.2015 16:05"
_STAMPED = r"\bфото\s*[-–—:]\s*[^\n]{0,100}?\bот\s+\d{1,2}\.\d{1,2}\.\d{2,4}(?:\s+\d{1,2}:\d{2})?"
_CAPTION_STAMPED = re.compile(rf"{_STAMPED}\s*$", re.IGNORECASE)
_CAPTION_PREFIX = re.compile(rf"^[^\n]{{0,200}}?{_STAMPED}\s+(?=\S)", re.IGNORECASE)
_CAPTION_INLINE = re.compile(r"\bфото\s*[-–—:]\s*\S", re.IGNORECASE)
_PHOTO_CREDIT = re.compile(
    rf"(?:^©|/\s*(?:{AGENCY}|Getty(?:\s+Images)?|Shutterstock|Global\s+Look\s+Press|Scanpix"
    r"|EPA|East\s+News|Depositphotos|Pixabay|Unsplash|Pexels|Фотобанк\s+Лори|Легион-Медиа"
    r"|Коммерсантъ|Wikimedia(?:\s+Commons)?)(?:\s|/|$))",
    re.IGNORECASE,
)
_CAPTION_MAX = 250
# First letters of _CAPTION_START in either case (P and V are Latin: photo, video).
_CAPTION_INITIALS = frozenset("фpвvиксФPВVИКС")
_FINAL_CHARS = frozenset(".!?…:;,—–-")
_CLOSERS = "\"'»”“’)]"
_LIST_ITEM = re.compile(r"^(?:[-–—•*·▪►✓]|\d{1,2}[.)])\s")
_TRAILING_HASHTAGS = re.compile(r"(?<=[.!?…»\"])(?:\s+#[^\s#]+)+$")
_HASHTAG_LINE = re.compile(r"^#[^\s#]+(?:\s*#[^\s#]+)*$")
_NAME_WORD = r"[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁ][a-zа-яё]+)?"
_INITIAL = r"[A-ZА-ЯЁ]\."
_AUTHOR_PREFIX = r"(?i:(?:автор|текст|материал\s+подготовил[аи]?|подготовил[аи]?)\s*[:—–-]?\s*)?"
_AUTHOR = re.compile(
    rf"^{_AUTHOR_PREFIX}(?P<name>(?:{_INITIAL}\s*){{0,2}}{_NAME_WORD}"
    rf"(?:\s+(?:{_NAME_WORD}|{_INITIAL})){{1,2}})$"
)
_AUTHOR_CASELESS = re.compile(_AUTHOR.pattern, re.IGNORECASE)
_AUTHOR_MAX = 80
_SPACES = re.compile(r"[ \t\f\v]{2,}|[\t\f\v]")
# Bidirectional formatting characters: embeddings and overrides (U+202A–U+202E), isolates
# (U+2066–U+2069) and the invisible marks (LRM, RLM, ALM). None belongs in a Russian or
# English headline; U+202E turns «exe.txt» into «txt.exe» on screen.
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NO_BIDI = str.maketrans(dict.fromkeys(_BIDI_CONTROLS))


class Body(NamedTuple):
    """The article's own paragraphs and the author found at their end."""

    paragraphs: list[str]
    author: str | None


def strip_invisible(text: str) -> str:
    """Remove bidirectional controls, which can make a text show other than it reads."""
    # Twelve substring tests are several times faster than one regular expression search.
    if any(map(text.__contains__, _BIDI_CONTROLS)):
        return text.translate(_NO_BIDI)
    return text


def normalize_space(text: str) -> str:
    """Collapse runs of spaces and tabs into one space and trim the ends."""
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS)[-1:] in _FINAL_CHARS


def _whole_quote(text: str) -> bool:
    """A paragraph that is one quotation: ``«Мы восстановили театр»``."""
    if text[:1] == '"' and text[-1:] == '"':
        return text.count('"') == 2
    if text[:1] not in "«„" or text[-1:] not in "»“":
        return False
    depth = 0
    for index, char in enumerate(text):
        if char in "«„":
            depth += 1
        elif char in "»“":
            depth -= 1
            if depth <= 0 and index != len(text) - 1:
                return False
    return depth == 0


def is_caption(line: str) -> bool:
    """Tell a photo caption or credit (``Фото: Reuters``, ``…, фото - Новости Zakon.kz от …``)."""
    if line[:1] in _CAPTION_INITIALS and _CAPTION_START.match(line):
        return True
    if len(line) > _CAPTION_MAX:
        return False
    # Most lines have no "ф" at all: two character scans spare them a lowercased copy.
    photo = ("ф" in line or "Ф" in line) and "фото" in line.lower()
    if photo and _CAPTION_STAMPED.search(line):
        return True
    if _ends_sentence(line) and not line.endswith(("-", "–", "—")):
        return False
    if photo and _CAPTION_INLINE.search(line):
        return True
    return ("/" in line or line.startswith("©")) and _PHOTO_CREDIT.search(line) is not None


def strip_caption_prefix(paragraph: str) -> str:
    """Drop a time-stamped caption that was glued to the start of the lead's line."""
    if "фото" not in paragraph[:300].lower():
        return paragraph
    return _CAPTION_PREFIX.sub("", paragraph, count=1)


def is_hashtag_line(line: str) -> bool:
    """Tell a line made only of hashtags (``#Выборы #Москва``)."""
    return line.startswith("#") and _HASHTAG_LINE.match(line) is not None


def is_read_also(line: str) -> bool:
    """Tell a stray headline of another article: a short line without final punctuation.

    List items and whole quotations are kept, so are lines that end a sentence.
    """
    return (
        len(line) <= READ_ALSO_MAX
        and not _ends_sentence(line)
        and not _LIST_ITEM.match(line)
        and not _whole_quote(line)
        and any(char.isalpha() for char in line)
    )


def author_name(line: str, *, caseless: bool = False) -> str | None:
    """Return the person's name if ``line`` is an author line (``Автор: Ольга Пак``).

    ``caseless``: the text is all lowercase or all uppercase, so a name need not be
    capitalised."""
    match = (_AUTHOR_CASELESS if caseless else _AUTHOR).match(line)
    return match["name"] if match else None


def _name_key(name: str) -> str:
    return " ".join(name.rstrip(".").casefold().replace("ё", "е").split())


def clean_paragraphs(paragraphs: Iterable[str], author: str | None = None) -> Body:
    """Keep the article's own paragraphs, in order; find the author at the end.

    Drops captions and credits, hashtag-only lines (and a hashtag list after a paragraph's
    last sentence), stray "read also" headlines and the
    author's name (however often it is repeated). ``author``, when the source knows it,
    is removed wherever it stands alone on a line.
    """
    lines = [normalize_space(line) for paragraph in paragraphs for line in paragraph.split("\n")]
    lines = [
        _TRAILING_HASHTAGS.sub("", line) if "#" in line else line
        for line in lines
        if line and not is_caption(line) and not is_hashtag_line(line)
    ]
    opening = " ".join(lines[:3])
    caseless = opening.islower() or opening.isupper()
    noise = [is_read_also(line) for line in lines]
    found = author
    for line, is_noise in zip(reversed(lines), reversed(noise), strict=True):
        if not is_noise:
            break
        name = author_name(line, caseless=caseless)
        if name is not None and found is None:
            found = name
    author_key = _name_key(found) if found else None
    kept = [
        line
        for line, is_noise in zip(lines, noise, strict=True)
        if not is_noise
        and not (author_key and len(line) <= _AUTHOR_MAX and _name_key(line) == author_key)
    ]
    return Body(kept, found)
