"""Quotation marks in a lead: which quotations a cut leaves open, and who said them.

A brief cut inside a quotation must close it, and when the lead opens with a quotation its
speaker (``«…», — заявил Х.``) belongs in the brief. Russian news nests quotations as
``«…„…“…»`` or ``«…«…»…»`` and often merges the two closing marks into one (``АО «Завод
«Новый Свет»``): a quotation never closed whose inner one is, is taken to close with it.
Straight quotes ``"`` open and close in turn; apostrophes are letters (O'Brien), not quotes.
"""

from __future__ import annotations

import re

__all__ = ["Quotations", "speaker_after"]

_MARKS = re.compile(r"[«»„“”\"]")
_CLOSER = {"«": "»", "„": "“", "“": "”", '"': '"'}
_OPEN = -1  # the close position of a quotation that runs to the end of the text
# What follows a quotation's closing mark when it names the speaker: ", — заявил А. Петров."
_SPEAKER_START = re.compile(r"(?:,\s*(?:[-–—]\s*)?|\s*[-–—]\s*)[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")
_INITIAL = re.compile(r"(?:^|\s)[А-ЯЁA-Z]$")  # "А." in "сказал А. Петров" ends no sentence
_NOT_IN_SPEAKER = frozenset('«»„“”"\n')
SPEAKER_MAX = 120
"""Longest speaker clause kept after a quotation (``, — сказал глава МИД …``)."""


class _Span:
    __slots__ = ("close", "inner_close", "mark", "start")

    def __init__(self, start: int, mark: str) -> None:
        self.start = start
        self.mark = mark
        self.close = _OPEN
        self.inner_close = _OPEN  # where the last quotation directly inside it closed


class Quotations:
    """The quotations of a text, found once; then asked about positions in it."""

    def __init__(self, text: str) -> None:
        spans: list[_Span] = []
        stack: list[_Span] = []
        for match in _MARKS.finditer(text):
            mark, at = match[0], match.start()
            top = stack[-1].mark if stack else ""
            if (mark == '"' and top == '"') or (mark == "“" and top == "„"):
                self._close(stack, len(stack) - 1, at)
            elif mark in "»”":
                wanted = "«" if mark == "»" else '“„"'
                found = [i for i, span in enumerate(stack) if span.mark in wanted]
                if found:
                    self._close(stack, found[-1], at)
            else:  # « „ “ or an opening "
                span = _Span(at, mark)
                spans.append(span)
                stack.append(span)
        for span in stack:  # never closed: closed by its inner quotation's mark, if any
            span.close = span.inner_close
        self._spans = spans

    @staticmethod
    def _close(stack: list[_Span], index: int, at: int) -> None:
        """Close ``stack[index]`` at ``at``, and whatever was left open inside it."""
        for span in stack[index:]:
            span.close = at
        del stack[index:]
        if stack:
            stack[-1].inner_close = at

    def open_at(self, cut: int) -> list[tuple[int, str]]:
        """``(position, mark)`` of each quotation open at ``cut``, outermost first."""
        return [
            (span.start, span.mark)
            for span in self._spans
            if span.start < cut and (span.close == _OPEN or span.close >= cut)
        ]

    def closers(self, cut: int) -> str:
        """The marks that close, innermost first, every quotation open at ``cut``."""
        return "".join(_CLOSER[mark] for _start, mark in reversed(self.open_at(cut)))

    def close_of(self, start: int) -> int | None:
        """Where the quotation opening at ``start`` closes; None if none opens there or it
        never closes."""
        for span in self._spans:
            if span.start == start:
                return None if span.close == _OPEN else span.close
        return None


def speaker_after(text: str, close: int) -> str:
    """The clause naming the speaker right after a quotation's closing mark at ``close``
    (``, — заявил Х.``), or ``""``."""
    window = text[close + 1 : close + 1 + SPEAKER_MAX]
    if not _SPEAKER_START.match(window):
        return ""
    for end in _SENTENCE_END.finditer(window):
        clause = window[: end.start()]
        if not _NOT_IN_SPEAKER.isdisjoint(clause):
            return ""
        if not _INITIAL.search(clause):
            return window[: end.end()]
    return ""
