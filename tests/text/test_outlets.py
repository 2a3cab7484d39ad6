"""Outlet names: the agency list, media detection and spelling-independent keys."""

from __future__ import annotations

import re

import pytest

from bot.text.outlets import _NAMES, AGENCY, is_media_name, may_start_with_agency, outlet_key

AGENCY_AT_START = re.compile(AGENCY, re.IGNORECASE)


def test_every_agency_pattern_starts_with_two_letters_for_the_prefix_gate() -> None:
    assert [name for name in _NAMES if not name[:2].isalpha()] == []


@pytest.mark.parametrize(
    "text",
    [
        "РИА Новости",
        "риа новости",
        "«Интерфакс»",
        "МИА «Казинформ»",
        "ИА REGNUM",
        "Tengrinews.kz",
        "INTERFAX.RU",
        "(Reuters)",
        "Sputnik Казахстан",
    ],
)
def test_agency_names_pass_the_prefix_gate_and_match(text: str) -> None:
    assert may_start_with_agency(text)
    assert AGENCY_AT_START.match(text.strip("()"))


@pytest.mark.parametrize("text", ["Заместитель министра", "Госдума приняла", "В Алматы"])
def test_ordinary_sentence_starts_are_ruled_out_cheaply(text: str) -> None:
    assert not may_start_with_agency(text)


def test_agency_does_not_match_inside_a_longer_word() -> None:
    assert AGENCY_AT_START.fullmatch("APA")
    assert not AGENCY_AT_START.fullmatch("APAX")
    assert AGENCY_AT_START.match("ТАССовский") is None


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("газета The Times", True),
        ("агентство Киодо", True),
        ("РИА «Новости»", True),
        ("«Новая газета»", True),
        ("Zakon.kz", True),
        ("RT", True),
        ("Bloomberg", True),
        ("пресс-служба МЧС", False),
        ("Бакаев", False),
        ("аким города", False),
        ("ведомство", False),
        ("", False),
    ],
)
def test_media_names_are_told_from_officials(name: str, media: bool) -> None:
    assert is_media_name(name) is media


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Zakon.kz", "корреспондент Zakon.kz"),
        ("KAZINFORM", "МИА «Казинформ»"),
        ("INTERFAX.RU", "«Интерфакс»"),
        ("ИТАР-ТАСС", "ТАСС"),
        ("РИА Новости", "РИА «Новости»"),
        ("Tengrinews.kz", "Tengrinews"),
    ],
)
def test_outlet_key_matches_spellings_of_one_outlet(first: str, second: str) -> None:
    assert outlet_key(first) == outlet_key(second)


def test_outlet_key_tells_different_outlets_apart() -> None:
    assert outlet_key("газета The Times") != outlet_key("Газета.Ru")
