"""Sentences, shortening and the summary shown to readers.

Sentence splitting is razdel's; it runs lazily and only as far as the summary needs,
because it is the most expensive step of ingesting an article.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from razdel import sentenize

from bot.text.quotes import Quotations, speaker_after

if TYPE_CHECKING:
    from bot.models import Article

__all__ = ["ELLIPSIS", "first_sentence", "sentences", "shorten", "summarize", "summary_html"]

ELLIPSIS = "…"
# Marks sentences left out after whole ones: "Первое. …". Appended rather than put in
# place of the full stop, so the kept sentences stay exactly as written.
MORE = " " + ELLIPSIS
_AFTER_STOP = re.compile(r"([.!?…][\"'»”)\]]*\s+[\"'«„(\[]?)([^\W\d_])")
_PLACE_WORDS = 3  # longest run of names taken for a place line rather than a sentence
_WINDOW = 120  # context razdel needs past the summary length to judge the last boundary
_STOPS = ".!?…"
_CLOSING = "\"'»”“’)]"
_DELIMITERS = ".!?…;"
_TRAILING_JUNK = re.compile(r"[\s,;:\-–—(«„\"'\[/]+$")
_MARKS = re.compile(r"[«»„“”\"]")


def _shadow(text: str) -> str:
    """Uppercase letters that follow a full stop, so razdel splits an all-lowercase text."""

    def upper(match: re.Match[str]) -> str:
        letter = match[2].upper()
        return match[1] + (letter if len(letter) == 1 else match[2])

    return _AFTER_STOP.sub(upper, text)


def _spans(text: str) -> Iterator[tuple[int, int]]:
    probe = _shadow(text) if text.islower() else text
    for span in sentenize(probe):
        if span.stop > span.start:
            yield span.start, span.stop


def sentences(text: str) -> Iterator[str]:
    """Yield the sentences of ``text`` in order, lazily."""
    for start, stop in _spans(text):
        sentence = text[start:stop].strip()
        if sentence:
            yield sentence


def _is_real(sentence: str) -> bool:
    """A sentence with words, and more than the place names left of a dateline
    (``Нур-Султан.``, ``Москва. Казахстан.``): a few capitalised words and a full stop."""
    if sentence[-1:] != "." or sentence.count(" ") >= _PLACE_WORDS:
        return any(char.isalpha() for char in sentence)
    words = sentence.split()
    if not any(char.isalpha() for char in sentence):
        return False
    if any(char.isdigit() for char in sentence):
        return True
    return not (all(word[:1].isupper() for word in words) or sentence.islower())


def first_sentence(text: str) -> str:
    """Return the first sentence of ``text`` that has words in it, or ``""``."""
    return next((s for s in sentences(text) if _is_real(s)), "")


def _cut_at_word(text: str, limit: int) -> str:
    """Cut ``text`` at a word boundary so that it and ``…`` fit in ``limit`` characters."""
    if limit < 1:
        return ""
    room = limit - len(ELLIPSIS)
    head = text[: room + 1]
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    if cut <= 0:
        return ELLIPSIS
    return _TRAILING_JUNK.sub("", head[:cut]) + ELLIPSIS


def shorten(text: str, limit: int) -> str:
    """Fit ``text`` into ``limit`` characters without cutting a word.

    Whole sentences are kept while they fit, followed by `` …``; when not even the first
    one fits, the text is cut after a word and ends with ``…``. A single word longer than
    ``limit`` gives just ``…``. A quotation the cut leaves open is closed (see :func:`_fit`).
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    return _fit(text, [stop for _start, stop in _spans(text[: limit + _WINDOW])], limit)


def _fit(text: str, ends: list[int], limit: int) -> str:
    """Cut ``text`` (longer than ``limit``) at one of the sentence ``ends``, else at a word.

    Prefers the longest run of whole sentences that fits and leaves no quotation open. A cut
    that must fall inside a quotation closes it after the mark (``«Первое. …»``) and, when
    the text opens with that quotation, keeps the clause that names its speaker (``«Первое.
    …», — заявил Х.``).
    """
    fitting = [end for end in ends if end + len(MORE) <= limit]
    if not _MARKS.search(text, 0, limit):
        if fitting:
            return text[: fitting[-1]].rstrip() + MORE
        if ends and ends[0] <= limit:  # the first sentence fits only without the mark
            return text[: ends[0]].rstrip()
        return _cut_at_word(text, limit)
    quotes = Quotations(text)
    outside = [end for end in fitting if not quotes.open_at(end)]
    if outside:
        return text[: outside[-1]].rstrip() + MORE
    if ends and ends[0] <= limit and not quotes.open_at(ends[0]):
        return text[: ends[0]].rstrip()
    close = quotes.close_of(0)
    speaker = speaker_after(text, close) if close is not None else ""
    for after in dict.fromkeys((speaker, "")):
        closed = _fit_closed(text, ends, limit - len(after), quotes)
        if closed:
            return closed + after
    return _cut_at_word(text, limit)


def _fit_closed(text: str, ends: list[int], limit: int, quotes: Quotations) -> str:
    """Whole sentences, else words, that fit in ``limit`` with the marks that close the
    quotations left open; ``""`` when not a word fits."""
    for end in reversed(ends):
        closers = quotes.closers(end)
        if end + len(MORE) + len(closers) <= limit:
            return text[:end].rstrip() + MORE + closers
    room = limit
    for _attempt in range(3):  # closing marks shorten the room, which may open fewer quotes
        cut = _cut_at_word(text, room)
        if not cut.rstrip(ELLIPSIS):
            return ""
        closers = quotes.closers(len(cut) - len(ELLIPSIS))
        if len(cut) + len(closers) <= limit:
            return cut + closers
        room = limit - len(closers)
    return ""


def _one_sentence(text: str) -> bool:
    """True when no sentence can end before the final punctuation: razdel is not needed."""
    body = text.rstrip(_CLOSING).rstrip(_STOPS + _CLOSING)
    return not any(char in body for char in _DELIMITERS)


def _lead_span(paragraph: str, limit: int) -> tuple[int, int, list[int]]:
    """Find the lead sentence and the ends of the sentences from it on that ``limit`` allows.

    Returns ``(lead_start, lead_stop, ends)``; razdel sees at most ``limit + _WINDOW``
    characters unless the lead itself is longer than that.
    """
    window = paragraph[: limit + _WINDOW]
    truncated = len(window) < len(paragraph)
    spans: Iterable[tuple[int, int]]
    # The window may cut its last sentence short, so that one is not trusted.
    spans = list(_spans(window))[:-1] if truncated else _spans(window)
    lead_start = lead_stop = -1
    ends: list[int] = []
    for start, stop in spans:
        if lead_start < 0:
            if not _is_real(window[start:stop]):
                continue
            lead_start, lead_stop = start, stop
        if stop - lead_start > limit:
            break
        ends.append(stop)
        if len(paragraph) - lead_start <= limit:
            break  # the rest fits: no need to split it further
    if lead_start < 0 and truncated:
        for start, stop in _spans(paragraph):
            if _is_real(paragraph[start:stop]):
                return start, stop, [stop]
    return lead_start, lead_stop, ends


def summarize(paragraph: str, limit: int = 300) -> tuple[str, str]:
    """Return ``(lead, brief)`` of a cleaned lead paragraph.

    ``lead`` is the first sentence with words in it; ``brief`` is the paragraph from the
    lead on, cut to whole sentences that fit in ``limit`` and then marked `` …`` — at least
    the lead, which is cut at a word with ``…`` when it alone is too long. A brief never
    leaves a quotation open (see :func:`_fit`).
    """
    paragraph = paragraph.strip()
    if not paragraph:
        return "", ""
    if _one_sentence(paragraph):
        if not _is_real(paragraph):
            return "", ""
        return paragraph, paragraph if len(paragraph) <= limit else _fit(paragraph, [], limit)
    lead_start, lead_stop, ends = _lead_span(paragraph, limit)
    if lead_start < 0:
        return "", ""
    lead = paragraph[lead_start:lead_stop].strip()
    rest = paragraph[lead_start:]
    if len(rest) <= limit:
        return lead, rest
    return lead, _fit(rest, [end - lead_start for end in ends], limit)


def summary_html(article: Article) -> str:
    """``<b>headline</b>`` and the brief on the next line, escaped for Telegram HTML."""
    title = f"<b>{html.escape(article.title)}</b>"
    return f"{title}\n{html.escape(article.brief)}" if article.brief else title
