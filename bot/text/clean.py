"""Cleaning the lead paragraph: caption, dateline and the carrying outlet's attribution.

The attribution rule: a trailing ``, передает (корреспондент) X`` always goes; a trailing
``, сообщает X`` goes when X is the carrier (Zakon.kz or the dateline's agency) or when X
is a media outlet and the sentence already names who made the claim. Attribution that is
the claim's only source, or names an official or a press service, stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.text.body import strip_caption_prefix
from bot.text.dateline import split_dateline
from bot.text.outlets import is_media_name, outlet_key

__all__ = ["DEFAULT_CARRIERS", "attributions", "clean_lead", "strip_attribution"]

DEFAULT_CARRIERS: tuple[str, ...] = ("Zakon.kz",)
"""Outlets whose own attribution is always noise: the site the articles come from."""

# A name after the verb: words without commas, dots only inside a word (Zakon.kz, iz.ru).
_WHO = r"(?:[^\s,.!?…;:()]|\.(?=[^\s.!?…]))+(?:[ \t]+(?:[^\s,.!?…;:()]|\.(?=[^\s.!?…]))+){0,6}"
_CARRY = r"переда[её]т|передают|передал[аио]?"
_REPORT = (
    r"сообщает|сообщают|сообщил[аио]?|пишет|пишут|информирует|информируют|уточняет"
    r"|отмечает|рассказывает|констатирует"
)
_ATTRIBUTION = rf"(?P<verb>{_CARRY}|{_REPORT})\s+(?P<who>{_WHO})\s*(?=[.!?…]|$)"
_TRAILING = re.compile(rf",\s*(?:[-–—]\s*)?{_ATTRIBUTION}", re.IGNORECASE)
# "«…», — сказал он, — передает X" and "… — передает X": rarer, so searched only when a
# spaced dash is present.
_TRAILING_DASH = re.compile(rf"(?<=\s)[-–—]\s*{_ATTRIBUTION}", re.IGNORECASE)
_SPACED_DASHES = (" — ", " – ", " - ")
_LEADING = re.compile(
    rf"^(?:как|об\s+этом)\s+(?P<verb>{_CARRY}|{_REPORT})\s+(?P<who>{_WHO})\s*,\s*",
    re.IGNORECASE,
)
_ABOUT_THIS = re.compile(
    rf"(?:^|(?<=[.!?…]\s))об\s+этом\s+(?P<verb>{_CARRY}|{_REPORT})\s+(?P<who>{_WHO})"
    r"\s*[.!?…]\s*",
    re.IGNORECASE,
)
# What every match of _ABOUT_THIS holds: «б», spaces, «э» (in any case, as it matches).
_MAY_BE_ABOUT_THIS = re.compile(r"б\s+э", re.IGNORECASE)
_CARRY_VERB = re.compile(rf"^(?:{_CARRY})$", re.IGNORECASE)
_SOURCED = re.compile(r"ссылк|ссылаясь|со\s+слов", re.IGNORECASE)
# Words that show the sentence already names who made the claim.
_CLAIM_VERBS = """
    заявил заявила заявило заявили заявляет заявляют заявление заявлении заявления заявлением
    сообщил сообщила сообщило сообщили сообщают считает считают полагает полагают утверждает
    утверждают отмечает отмечают отметил отметила отметили сказал сказала сказали рассказал
    рассказала рассказали рассказывает рассказывают пояснил пояснила пояснили поясняет поясняют
    подчеркнул подчеркнула подчеркнули подчеркивает подчеркивают уверен уверена уверены уверяет
    уверяют признал признала признали признают признался призналась объявил объявила объявили
    предупредил предупредила предупредили предупреждает предупреждают добавил добавила добавили
    уточнил уточнила уточнили ответил ответила ответили призвал призвала призвали призывает
    призывают напомнил напомнила напомнили прогнозирует прогнозируют оценил оценила оценили
    выразил выразила выразили подтвердил подтвердила подтвердили подтверждает подтверждают
    опроверг опровергла опровергли указал указала указали указывает указывают констатировал
    констатировала констатировали говорит говорят говорил говорила говорили говорится обещал
    обещала обещали пообещал пообещала пообещали выяснил выяснила выяснили выяснило назвал
    назвала назвали допустил допустила допустили надеется надеются опасается опасаются
    пожаловался пожаловалась пожаловались раскритиковал раскритиковала раскритиковали согласно
"""
_CLAIM_WORDS = frozenset(_CLAIM_VERBS.split())
_CLAIM_PHRASE = re.compile(
    r"\bпо\s+(?:(?:его|ее|их)\s+)?(?:словам|мнению|данным|информации|оценк\w*|сведениям"
    r"|прогноз\w*)|\bне\s+исключ"
)
_WORDS = re.compile(r"[а-яa-z]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.!?…])")
_RECENT = 16  # texts whose attributions are kept (see _attributions)


@lru_cache(maxsize=_RECENT)
def _attributions(text: str) -> tuple[re.Match[str], ...]:
    """Every ``, <verb> <who>`` that ends a sentence, in order.

    Kept for the last few texts: cleaning a lead and naming its outlet read the same one.
    """
    matches = list(_TRAILING.finditer(text))
    if any(dash in text for dash in _SPACED_DASHES):
        matches.extend(_TRAILING_DASH.finditer(text))
        matches.sort(key=lambda match: match.start())
        # ", — передает X" is found by both patterns: keep the one that starts earlier.
        matches = [
            match
            for index, match in enumerate(matches)
            if index == 0 or match.start() >= matches[index - 1].end()
        ]
    return tuple(matches)


def attributions(text: str) -> list[tuple[str, str]]:
    """``(verb, who)`` of each attribution in ``text`` (``…, передает X.``, ``Как сообщает X,
    …``, ``Об этом сообщает X.``), in text order, whoever X is."""
    found = [*_attributions(text)]
    if _MAY_BE_ABOUT_THIS.search(text):  # a cheap scan spares most texts the slow pattern
        found.extend(_ABOUT_THIS.finditer(text))
    leading = _LEADING.match(text)
    if leading:
        found.append(leading)
    found.sort(key=lambda match: match.start())
    return [(match["verb"], match["who"]) for match in found]


def _names_claimant(text: str) -> bool:
    """Tell whether the sentence says who made the claim (``эксперт считает``, ``по словам``)."""
    lowered = text.lower().replace("ё", "е")
    if not _CLAIM_WORDS.isdisjoint(_WORDS.findall(lowered)):
        return True
    return _CLAIM_PHRASE.search(lowered) is not None


def _sentence_before(text: str, end: int) -> str:
    """The part of the sentence that precedes position ``end``."""
    start = max(text.rfind(mark, 0, end) for mark in (". ", "! ", "? ", "… "))
    return text[start + 1 : end]


def _is_carrier(who: str, carrier_keys: set[str]) -> bool:
    return outlet_key(who) in carrier_keys


def _drop(verb: str, who: str, claim: str, carrier_keys: set[str]) -> bool:
    """Decide whether ``, <verb> <who>`` after ``claim`` is the carrier's noise."""
    if _SOURCED.search(who):
        return False
    if _CARRY_VERB.match(verb) or _is_carrier(who, carrier_keys):
        return True
    return is_media_name(who) and _names_claimant(claim)


def strip_attribution(text: str, carriers: Iterable[str] = DEFAULT_CARRIERS) -> str:
    """Remove the carrying outlet's attribution from every sentence of ``text``."""
    carrier_keys = {outlet_key(name) for name in carriers}
    carrier_keys.discard("")
    leading = _LEADING.match(text)
    if leading and (
        _CARRY_VERB.match(leading["verb"]) or _is_carrier(leading["who"], carrier_keys)
    ):
        rest = text[leading.end() :]
        text = rest[:1].upper() + rest[1:] if text[:1].isupper() else rest
    if "об этом" in text.casefold():
        text = _ABOUT_THIS.sub(
            lambda m: (
                "" if _is_carrier(m["who"], carrier_keys) or _CARRY_VERB.match(m["verb"]) else m[0]
            ),
            text,
        )
    # Right to left, so "…, сообщает газета The Times, передает Газета.Ru." loses only the
    # last clause before the first one is judged. A clause that a dropped one followed is
    # the source the carrier cited: it stays whatever the sentence says. Removals only
    # happen left of it, so its distance from the end of the text marks it.
    cited: set[int] = set()
    removed = False
    changed = True
    while changed:
        changed = False
        for match in reversed(_attributions(text)):
            if len(text) - match.end() in cited:
                continue
            claim = _sentence_before(text, match.start())
            if _drop(match["verb"], match["who"], claim, carrier_keys):
                text = text[: match.start()] + text[match.end() :]
                cited.add(len(text) - match.start())
                changed = removed = True
                break
    return (_SPACE_BEFORE_PUNCT.sub(r"\1", text) if removed else text).strip()


def clean_lead(paragraph: str, *, carriers: Iterable[str] = DEFAULT_CARRIERS) -> str:
    """Return the lead paragraph without caption, agency dateline and carrier attribution."""
    text = strip_caption_prefix(paragraph.strip())
    dateline = split_dateline(text)
    carrier_names = list(carriers)
    if dateline.agency:
        carrier_names.append(dateline.agency)
    return strip_attribution(dateline.text, carrier_names)
