"""Agency datelines at the start of a lead: ``МОСКВА, 31 янв – РИА Новости.`` and kin.

A dateline is city(ies), an optional date and the agency, joined by commas, dots,
dashes, slashes or parentheses in the many ways wires write them. Only a known agency,
a slashed or parenthesised credit, or a capitalised unknown agency after a city *and*
a date counts, so a sentence that merely starts with a city is left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from bot.text.outlets import AGENCY, may_start_with_agency

__all__ = ["Dateline", "split_dateline"]

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎҚҒҲЄЇҐ"
_MONTH = (
    r"(?:янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-zа-яё]*\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTH}(?:\s+\d{{4}}(?:\s*(?:г\.|года?\b))?)?"
    rf"|\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}|{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?)"
    r"(?:,?\s+\d{1,2}:\d{2})?"
)
_SEP = r"(?:\s*[,.]\s*|\s+)"
_DASH = r"[-–—]{1,2}"
_END = rf"(?P<end>\s*(?:[.:,]\s*)?(?:{_DASH}\s*)?)"
_TOKEN = r"[^\s.,:;/()«»\"–—-][^\s.,:;/()«»\"]*"
_GENERIC = rf"{_TOKEN}(?:\s+{_TOKEN}){{0,2}}"
_STOPS = frozenset(".-–—")
_HEAD = 200  # a dateline is short; matching on the head keeps long leads cheap
_RECENT = 16  # paragraphs whose split is kept: the parser and the outlet read the same lead


class _Forms(NamedTuple):
    city_head: re.Pattern[str]
    city_agency: re.Pattern[str]
    city_slash: re.Pattern[str]
    paren: re.Pattern[str]
    agency_first: re.Pattern[str]
    city_generic: re.Pattern[str]
    city_date: re.Pattern[str]


def _compile(lowercase_text: bool) -> _Forms:
    """Build the patterns; in normal texts city and name words must be capitalised."""
    initial = r"[^\W\d_]" if lowercase_text else rf"(?-i:[{_UPPER}])"
    word = rf"{initial}[^\W\d_]*(?:[-'’][^\W\d_]+)*"
    city = rf"{word}(?:[ ]{word}){{0,2}}"
    cities = rf"{city}(?:\s*(?:/|,|\sи\s)\s*{city}){{0,2}}"
    name = rf"{word}\s+{word}"
    flags = re.IGNORECASE | re.VERBOSE
    return _Forms(
        city_head=re.compile(rf"{cities}\s*(?:[,.:/(–—-]|\d)", flags),
        city_agency=re.compile(
            rf"""
            (?P<city>{cities})
            (?:{_SEP}(?P<date>{_DATE})\s*(?:[,.:]\s*|\s)?(?:{_DASH}\s*)?
               | \s*(?:[,.:]\s*|{_DASH}\s*)+)
            (?P<agency>{AGENCY}) (?:,\s*(?P<name>{name})(?=\s*\.))? {_END}
            """,
            flags,
        ),
        city_slash=re.compile(
            rf"""
            (?P<city>{cities}) (?:{_SEP}(?P<date>{_DATE}))? \s*[,.]?\s*
            /(?P<agency>[^/\n]{{1,80}})/ {_END}
            """,
            flags,
        ),
        paren=re.compile(
            rf"""
            (?:(?P<city>{cities}) (?:{_SEP}(?P<date>{_DATE}))? \s*[,.]?\s*)?
            \(\s*(?P<agency>[^()\n]{{1,40}}?)\s*\) {_END}
            """,
            flags,
        ),
        agency_first=re.compile(
            rf"(?P<agency>{AGENCY})(?:\s*,\s*(?P<date>{_DATE}))? {_END}", flags
        ),
        city_generic=re.compile(
            rf"""
            (?P<city>{cities}) {_SEP}(?P<date>{_DATE}) (?:\s*[,.]\s*|\s+) (?:{_DASH}\s*)?
            (?P<agency>{_GENERIC} | [«"„][^»"”\n]{{1,40}}[»"”]) (?P<end>\s*(?:\.\s*|{_DASH}\s*))
            """,
            flags,
        ),
        # "Токио, 4 апреля. Землетрясение…": city and date alone, no agency named.
        city_date=re.compile(
            rf"""
            (?P<city>{cities}) {_SEP}(?P<date>{_DATE}) (?P<agency>) (?P<end>\s*(?:\.|(?<=\.))\s+)
            (?={initial}|[«"„])
            """,
            flags,
        ),
    )


_CASED = _compile(lowercase_text=False)
_LOWER = _compile(lowercase_text=True)  # also for uppercase text: any letter may start a word
_AGENCY_ONLY = re.compile(rf"{AGENCY}$", re.IGNORECASE)
_CORR = re.compile(r"^(?:спец\.?\s*)?корр\.?\s*|^(?:спец)?корреспондент\s+", re.IGNORECASE)
_LATIN_WORD = re.compile(r"^[A-Z][A-Za-z0-9&'-]*$")
_CAMEL_WORD = re.compile(r"^[A-ZА-ЯЁ]\w*[a-zа-яё][A-ZА-ЯЁ]\w*$")  # ФедералПресс, NewsAm
_DOMAIN_WORD = re.compile(r"^[\w-]+\.[a-zа-я]{2,6}$", re.IGNORECASE)


class Dateline(NamedTuple):
    """A lead split into its dateline's agency (if any) and the text that follows."""

    agency: str | None
    text: str


def _credit_word(word: str, caseless: bool) -> bool:
    """A word an unknown agency may be: ``АРКА``, ``Inbusiness``, ``ФедералПресс``,
    ``kapital.kz``."""
    if _DOMAIN_WORD.match(word):
        return True
    letters = [char for char in word if char.isalpha()]
    return (
        not caseless
        and bool(letters)
        and (
            (len(letters) >= 2 and all(char.isupper() for char in letters))
            or bool(_LATIN_WORD.match(word) or _CAMEL_WORD.match(word))
        )
    )


def _known(agency: str) -> bool:
    return _AGENCY_ONLY.match(agency.strip()) is not None


def _valid(match: re.Match[str], form: re.Pattern[str], forms: _Forms, caseless: bool) -> bool:
    """Tell a dateline from a sentence that looks like one. In a text of one letter case
    capitals prove nothing, so only known agencies, domains and quoted names count there."""
    groups = match.groupdict()
    agency = match["agency"]
    if form is forms.city_agency:  # "российские ученые, риа новости и другие…" is no dateline
        return (
            not caseless
            or bool(match["end"].strip())
            or match.string[match.end() : match.end() + 1] == "/"
        )
    if form is forms.city_date:
        return True
    if form is forms.city_slash:
        return any(char.isalpha() for char in agency)
    if form is forms.paren:
        return _known(agency) or (
            bool(groups.get("city"))
            and all(_credit_word(word, caseless) for word in agency.split())
        )
    if form is forms.agency_first:
        return bool(groups.get("date")) or not _STOPS.isdisjoint(match["end"])
    if agency[:1] in '«"„':  # a quoted name: "Вести.Экономика"
        return True
    return all(_credit_word(word, caseless) for word in agency.split())  # city_generic


def _candidates(head: str, forms: _Forms) -> list[re.Pattern[str]]:
    """The forms worth trying on ``head``: cheap tests rule most of them out."""
    agency_first = [forms.agency_first] if may_start_with_agency(head) else []
    if not forms.city_head.match(head):
        return [forms.paren, *agency_first] if head.startswith("(") else agency_first
    candidates = [forms.city_agency]
    if "/" in head:
        candidates.append(forms.city_slash)
    if "(" in head:
        candidates.append(forms.paren)
    candidates.extend(agency_first)
    if any(char.isdigit() for char in head[:80]):
        candidates.extend((forms.city_generic, forms.city_date))
    return candidates


@lru_cache(maxsize=_RECENT)
def split_dateline(paragraph: str) -> Dateline:
    """Split a leading agency dateline off ``paragraph``; unchanged text if there is none.

    The letter case of the text decides how much capitals prove: in a text all lowercase or
    all uppercase they prove nothing. A lowercase dateline before a cased text
    (``москва, 1 дек — риа новости. Правительство …``) is tried that way too.
    """
    text = paragraph.lstrip()
    head = text[:_HEAD]
    caseless = head.islower() or head.isupper()
    found = _split(text, head, caseless)
    if found is None and not caseless and head[:1].islower():
        found = _split(text, head, caseless=True)
    return found or Dateline(None, text)


def _split(text: str, head: str, caseless: bool) -> Dateline | None:
    forms = _LOWER if caseless else _CASED
    for form in _candidates(head, forms):
        match = form.match(head)
        if match is None or not _valid(match, form, forms, caseless):
            continue
        rest = text[match.end() :].lstrip(" \t-–—.,:/")
        bare = form is forms.agency_first and not match.groupdict().get("date")
        if rest and bare and not caseless and rest[0].islower():
            continue  # "ТАСС — крупнейшее агентство…" is a sentence about the agency
        if rest and not caseless and rest[0].islower() and text[:1].isupper():
            rest = rest[0].upper() + rest[1:]
        agency = _CORR.sub("", match["agency"].strip())
        return Dateline(agency or None, rest)
    return None
