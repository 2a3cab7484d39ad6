"""Names of news agencies and outlets, as regular-expression fragments.

Datelines and "сообщает X" attributions name the outlet that carried a story; these
patterns recognise the outlet so that cleaning can tell it from an official or a person.
All patterns are used case-insensitively, so lowercase texts match too.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["AGENCY", "MEDIA_NOUN", "is_media_name", "may_start_with_agency", "outlet_key"]

_Q_OPEN = r"[«\"“„']?"
_Q_CLOSE = r"[»\"”“']?"

# Agencies that put datelines on their wires, plus outlets commonly quoted as carriers.
# Longer spellings come first where one name is a prefix of another.
_NAMES = (
    r"РИА\s*[«\"“]?\s*Новости(?:-[А-ЯЁ][а-яё]+)?\s*[»\"”]?",
    r"RIA\s+Novosti",
    r"ИТАР\s*-\s*ТАСС",
    r"ТАСС(?:-[А-ЯЁ][а-яё]+)?",
    r"TASS",
    r"Интерфакс(?:-[А-ЯЁ][а-яё]+)?",
    r"INTERFAX(?:\.[a-z]{2,3}|-[a-z]+)?",
    r"Казинформ",
    r"KAZINFORM",
    r"КазТАГ",
    r"KazTAG",
    r"Sputnik(?:\s+(?:Казахстан|Беларусь|Армения|Грузия|Азербайджан|Кыргызстан|Таджикистан"
    r"|Узбекистан|Латвия|Литва|Эстония|Молдова|Абхазия|Южная\s+Осетия))?",
    r"Спутник",
    r"Reuters",
    r"Рейтер(?:с)?",
    r"AFP",
    r"Франс\s*-?\s*Пресс",
    r"France\s*-?\s*Presse",
    r"Associated\s+Press",
    r"Ассошиэйтед\s+Пресс",
    r"AP",
    r"DPA",
    r"EFE",
    r"ANSA",
    r"Bloomberg",
    r"Блумберг",
    r"Синьхуа",
    r"Xinhua",
    r"Kyodo",
    r"Киодо",
    r"Йонхап",
    r"Yonhap",
    r"IRNA",
    r"ИРНА",
    r"Anadolu",
    r"Анадолу",
    r"BELTA",
    r"БелТА",
    r"Trend",
    r"Report",
    r"APA",
    r"АПА",
    r"АЗЕРТАДЖ",
    r"AZERTAC",
    r"Арменпресс",
    r"Armenpress",
    r"АРКА",
    r"ARKA",
    r"Медиамакс",
    r"Mediamax",
    r"Туран",
    r"Turan",
    r"Фергана",
    r"Fergana",
    r"ФедералПресс",
    r"FederalPress",
    r"Новости\s*-\s*(?:Армения|Грузия|Азербайджан|Молдова|Казахстан)",
    r"Кабар",
    r"Kabar",
    r"АКИ\s*(?:пресс|press)",
    r"AKI\s*press",
    r"Азаттык",
    r"Ховар",
    r"Khovar",
    r"Азия\s*-\s*Плюс",
    r"Asia\s*-\s*Plus",
    r"УзА",
    r"UzA",
    r"Дунё",
    r"Dunyo",
    r"Прайм",
    r"PRIME",
    r"REGNUM",
    r"Регнум",
    r"УНН",
    r"UNN",
    r"УНИАН",
    r"UNIAN",
    r"Укринформ",
    r"Ukrinform",
    r"РБК(?:\s*-\s*Украина)?",
    r"RTVI",
    r"RT",
    r"ФАН",
    r"Известия",
    r"Коммерсант[ъ]?",
    r"Ведомости",
    r"Медуза",
    r"Meduza",
    r"Газета\.ru",
    r"Лента\.ру",
    r"Kazakhstan\s+Today",
    r"Казахстан\s+Сегодня",
    r"Tengrinews",
    r"Хабар(?:\s*24)?",
    r"Khabar(?:\s*24)?",
    r"Курсив",
    r"Kursiv",
    r"LETA",
    r"ЛЕТА",
    r"BNS",
    r"ELTA",
    r"ЭЛТА",
    r"Baltnews",
    r"Delfi",
    r"CNN",
    r"BBC(?:\s+News)?",
    r"Би-би-си",
    r"DW",
    r"Deutsche\s+Welle",
    r"Euronews",
    r"Al\s+Jazeera",
    r"Аль-Джазира",
    r"NHK",
)

# "Tengrinews.kz", "URA.RU", "iz.ru", "Zakon.kz", "INTERFAX.RU": a domain names an outlet.
_DOMAIN = (
    r"[\w-]+(?:\.[\w-]+)*\.(?:kz|ru|uz|kg|az|am|by|ua|tj|tm|ge|md|lv|lt|ee|su|рф"
    r"|com|net|org|info|media|news|io|tv|fm)"
)
# Agencies introduced by a noun: МИА «Казинформ», ИА «Новости-Казахстан», агентство «Фергана».
_NOUN_QUOTED = r"(?:МИА|ИА|ИИА|ИАА|информагентство|агентство)\s*[«\"“„][^»\"”\n]{1,40}[»\"”“]"

_NOUN = r"(?:(?:МИА|ИА|агентство|информагентство)\s+)?"
AGENCY = (
    rf"(?:{_NOUN_QUOTED}|{_NOUN}{_Q_OPEN}(?:{_DOMAIN}|{'|'.join(_NAMES)}){_Q_CLOSE})"
    r"(?!\w|[.-]\w)"
)
"""One agency or outlet name, optionally in quotes; does not stop inside a word."""

# The first two letters of every agency pattern, so most texts skip the big alternation.
_PREFIXES = frozenset(
    name[:2].casefold() for name in (*_NAMES, "МИА", "ИА", "ИИА", "агентство", "информагентство")
)
_DOMAIN_START = re.compile(r"[\w-]+\.[^\W\d_]{2}")
_OPENERS = frozenset("«\"“„'(")


def may_start_with_agency(text: str) -> bool:
    """Cheap test: could ``AGENCY`` match at the start of ``text``?"""
    return (
        text[:1] in _OPENERS
        or text[:2].casefold() in _PREFIXES
        or _DOMAIN_START.match(text) is not None
    )


MEDIA_NOUN = (
    r"(?:газет[аы]|агентств[оа]|информагентств[оа]|издани[ея]|интернет-издани[ея]|телеканал"
    r"|канал|телеграм-канал|telegram-канал|портал|сайт|журнал|радиостанци[яи]|радио|таблоид"
    r"|ресурс|агрегатор|информационн\w+\s+агентств[оа]|корреспондент|корр\.|ИА|МИА|СМИ)"
)
"""A word that introduces a media outlet: ``газета The Times``, ``агентство Киодо``."""

_AGENCY_FULL = re.compile(rf"{AGENCY}\s*", re.IGNORECASE)
_MEDIA_START = re.compile(rf"(?:{MEDIA_NOUN})(?:\s|$)", re.IGNORECASE)
_QUOTED = re.compile(r"^[«\"“„][^»\"”“]+[»\"”“]$")
_LATIN_NAME = re.compile(r"^(?:The\s+)?[A-Z][A-Za-z0-9&'.-]*(?:\s+[A-Z][A-Za-z0-9&'.-]*){0,4}$")
_NOT_ALNUM = re.compile(r"[\W_]+")
_ROLE_WORDS = re.compile(
    rf"^(?:(?:{MEDIA_NOUN}|специальный|собственный|спец\.)\s+)+", re.IGNORECASE
)


def is_media_name(text: str) -> bool:
    """Tell whether ``text`` names a media outlet rather than an official or a person."""
    text = text.strip()
    if not text:
        return False
    if _MEDIA_START.match(text) or _QUOTED.match(text) or _LATIN_NAME.match(text):
        return True
    match = _AGENCY_FULL.match(text)
    return match is not None and match.end() == len(text)


# One spelling per outlet, so that a Latin dateline matches a Cyrillic attribution.
_ALIASES = {
    "kazinform": "казинформ",
    "rianovosti": "риановости",
    "tass": "тасс",
    "итартасс": "тасс",
    "interfax": "интерфакс",
    "reuters": "рейтер",
    "рейтерс": "рейтер",
    "sputnik": "спутник",
    "kaztag": "казтаг",
    "belta": "белта",
    "kazakhstantoday": "казахстансегодня",
    "regnum": "регнум",
    "prime": "прайм",
    "kabar": "кабар",
    "akipress": "акипресс",
    "unian": "униан",
    "unn": "унн",
    "ukrinform": "укринформ",
    "xinhua": "синьхуа",
    "kyodo": "киодо",
}
_TLD = re.compile(r"\.[a-zа-я]{2,6}$", re.IGNORECASE)


@lru_cache(maxsize=1024)
def outlet_key(text: str) -> str:
    """Reduce an outlet name for comparison: ``корр. РИА «Новости»`` → ``риановости``."""
    text = _TLD.sub("", _ROLE_WORDS.sub("", text.strip()).strip("«»\"“”„' "))
    key = _NOT_ALNUM.sub("", text.casefold().replace("ё", "е"))
    return _ALIASES.get(key, key)
