"""The outlet an article in the text format credits: who a story's "+3 источника" counts.

In order of trust:

1. the page's own photo credit: ``Зал заседаний, фото - Новости Zakon.kz от 26.09.2012 11:38``;
2. the carrier's attribution in the lead: ``…, передает корреспондент Zakon.kz.``;
3. the agency dateline: ``МОСКВА, 31 янв – РИА Новости.``, ``АСТАНА. KAZINFORM –``;
4. a media outlet the lead reports from: ``…, сообщает РИА «Новости».``, ``Как сообщает
   «Газета.ру», …`` — officials and press services are sources of a claim, not outlets.

A plain photo credit (``Фото: Reuters``) names a photographer's agency, not the outlet.
None when nothing names one: the caller falls back to the folder or the inbox the file came
from (:func:`file_outlet`). A feed's items are its own outlet's (:func:`feed_outlet`).
"""

from __future__ import annotations

import codecs
import posixpath
import re
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.text.body import is_caption
from bot.text.clean import attributions
from bot.text.dateline import split_dateline
from bot.text.outlets import MEDIA_NOUN, is_media_name, outlet_key

if TYPE_CHECKING:
    from bot.models import Article

__all__ = ["article_outlet", "feed_outlet", "file_outlet", "outlet_name", "text_outlet"]

_STAMPED_CREDIT = re.compile(
    r"\bфото\s*[-–—:]\s*(?:новости\s+)?(?P<name>[^\n]{1,60}?)\s+от\s+\d{1,2}\.\d{1,2}\.\d{2,4}",
    re.IGNORECASE,
)
_CARRIER_VERB = re.compile(r"^переда", re.IGNORECASE)
_ROLE = re.compile(rf"^(?:(?:{MEDIA_NOUN}|специальный|собственный|спец\.)\s+)+", re.IGNORECASE)
_SOURCE_TAIL = re.compile(r"\s+(?:со\s+ссылкой|ссылаясь|со\s+слов)\b.*$", re.IGNORECASE)
_QUOTES = "«»\"“”„'"
_PARAGRAPHS = 3  # a caption, a dateline on a line of its own, then the lead

# One display name per outlet key (see bot.text.outlets.outlet_key): Latin and Cyrillic
# spellings, domains and agency styles of one outlet are shown alike.
_DISPLAY = {
    "zakon": "Zakon.kz",
    "риановости": "РИА Новости",
    "тасс": "ТАСС",
    "интерфакс": "Интерфакс",
    "казинформ": "Kazinform",
    "казтаг": "КазТАГ",
    "спутник": "Sputnik",
    "рейтер": "Reuters",
    "tengrinews": "Tengrinews.kz",
    "газета": "Газета.Ru",
    "газетаru": "Газета.Ru",
    "лента": "Лента.ру",
    "лентару": "Лента.ру",
    "коммерсант": "Коммерсантъ",
    "коммерсантъ": "Коммерсантъ",
}


def outlet_name(text: str) -> str | None:
    """The display name of the outlet ``text`` names: ``корр. РИА «Новости»`` → ``РИА Новости``."""
    name = _SOURCE_TAIL.sub("", text.strip()).strip(" .,")
    known = _DISPLAY.get(outlet_key(name))
    if known is not None:
        return known
    name = _ROLE.sub("", name).strip(_QUOTES + " ")
    name = " ".join(name.replace("«", "").replace("»", "").split())
    return name if any(char.isalpha() for char in name) else None


def article_outlet(paragraphs: Iterable[str]) -> str | None:
    """The outlet credited by the body of an article in the text format, as written.

    ``paragraphs`` are the lines after the headline, the photo caption included (the parser
    drops it from ``Article.body``, so pass the raw lines where there are any); only the
    first up to the lead are read.
    """
    lead = ""
    for paragraph in islice(paragraphs, _PARAGRAPHS):
        credit = _STAMPED_CREDIT.search(paragraph) if "фото" in paragraph.lower() else None
        if credit is not None:
            return outlet_name(credit["name"])
        if not is_caption(paragraph):
            lead = paragraph
            break
    if not lead:
        return None
    dateline = split_dateline(lead)
    found = [(verb, who) for verb, who in attributions(dateline.text) if is_media_name(_who(who))]
    carried = [who for verb, who in found if _CARRIER_VERB.match(verb)]
    if carried:
        return outlet_name(carried[-1])
    if dateline.agency:
        return outlet_name(dateline.agency)
    return outlet_name(found[-1][1]) if found else None


def text_outlet(text: str, headline: str) -> str | None:
    """:func:`article_outlet` of an article file's text, read from the line after ``headline``
    (the parsed headline, ``Article.title``); None if the headline is not found."""
    wanted = " ".join(headline.split())
    lines = text.splitlines()
    # The headline is near the top: only the lines up to it and a few after are read.
    start = next((n for n, line in enumerate(lines) if " ".join(line.split()) == wanted), None)
    if start is None:
        return None
    following = (" ".join(line.split()) for line in lines[start + 1 : start + 1 + 2 * _PARAGRAPHS])
    # Lazily: the lead is mostly the first line, and a paragraph costs a split and a join.
    return article_outlet(line for line in following if line)


def _who(text: str) -> str:
    return _SOURCE_TAIL.sub("", text.strip())


def file_outlet(article: Article, raw: str | bytes | None, folder: Path | None) -> str | None:
    """The outlet of an article read from a file: the one its text credits (the ``raw`` text
    of an article file, where there is one, holds the photo credit the parser drops), else
    the name of the folder it came from (give it absolute), else None."""
    if isinstance(raw, bytes):
        bom = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        raw = raw.decode("utf-16" if bom else "utf-8", "replace")
    credited = text_outlet(raw, article.title) if raw else article_outlet(article.body)
    if credited:
        return credited
    return (folder.name or None) if folder is not None else None


def feed_outlet(title: str | None, url: str) -> str:
    """The outlet of a feed's items: the feed's title, else its host (``www.`` dropped)."""
    if title and title.strip():
        return " ".join(title.split())
    host = urlsplit(url).hostname or posixpath.basename(url) or url
    return host.removeprefix("www.")
