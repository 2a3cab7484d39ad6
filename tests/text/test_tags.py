"""Tags: one key however a tag is spelt, Telegram-safe hashtags, user lists."""

from __future__ import annotations

import pytest

from bot.text import is_valid_tag, split_tags, tag_display, tag_key, telegram_hashtag


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("#Референдум-2026", "референдум_2026"),
        ("Референдум_2026", "референдум_2026"),
        ("референдум 2026", "референдум_2026"),
        ("РЕФЕРЕНДУМ – 2026", "референдум_2026"),
        ("##Выборы--2019", "выборы_2019"),
        ("  Ёлка  ", "елка"),
        ("В мире", "в_мире"),
        ("#В_мире", "в_мире"),
        ("_-Тег-_", "тег"),
        ("SpaceX", "spacex"),
        ("Straße", "strasse"),
        ("#", ""),
        ("", ""),
    ],
)
def test_tag_key_unifies_spellings(text: str, key: str) -> None:
    assert tag_key(text) == key


def test_tag_key_of_decomposed_yo_matches_composed() -> None:
    assert tag_key("Е\u0308лка") == tag_key("Ёлка") == "елка"


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("#Референдум-2026", "Референдум-2026"),
        ("  #В  мире ", "В мире"),
        ("ТаблицаМенделеева", "ТаблицаМенделеева"),
    ],
)
def test_tag_display_is_as_written_without_hash(text: str, display: str) -> None:
    assert tag_display(text) == display


@pytest.mark.parametrize(
    ("text", "hashtag"),
    [
        ("Референдум-2026", "#Референдум_2026"),
        ("#Выборы-2019", "#Выборы_2019"),
        ("В мире", "#В_мире"),
        ("Наука и техника", "#Наука_и_техника"),
        ("COVID-19", "#COVID_19"),
        ("C++", "#C"),
        ("«Тосно»", "#Тосно"),
        ("Ёлка", "#Ёлка"),
        ("Ростов-на-Дону", "#Ростов_на_Дону"),
        ("---", ""),
    ],
)
def test_telegram_hashtag_replaces_what_ends_a_hashtag(text: str, hashtag: str) -> None:
    assert telegram_hashtag(text) == hashtag


def test_telegram_hashtag_of_same_key_is_same_link() -> None:
    assert tag_key(telegram_hashtag("Референдум-2026")) == tag_key("Референдум-2026")


@pytest.mark.parametrize(
    ("text", "known", "tags"),
    [
        (
            "#Выборы-2019 политика, ТаблицаМенделеева",
            (),
            ["Выборы-2019", "политика", "ТаблицаМенделеева"],
        ),
        ("#Выборы-2019 #Мосгордума", (), ["Выборы-2019", "Мосгордума"]),
        ("#Выборы-2019#Мосгордума", (), ["Выборы-2019", "Мосгордума"]),
        ("Политика Экономика", (), ["Политика", "Экономика"]),
        ("В мире, Спорт", (), ["В мире", "Спорт"]),
        ("В мире; Спорт\nНаука", (), ["В мире", "Спорт", "Наука"]),
        ("в мире спорт", ("В мире",), ["в мире", "спорт"]),
        ("#Выборы-2019 в мире", ("В мире", "Выборы"), ["Выборы-2019", "в мире"]),
        ("Выборы, выборы, #ВЫБОРЫ", (), ["Выборы"]),
        ("  ,, ; ", (), []),
        ("#Выборы.", (), ["Выборы"]),
    ],
)
def test_split_tags_parses_user_lists(text: str, known: tuple[str, ...], tags: list[str]) -> None:
    assert split_tags(text, known) == tags


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("Выборы-2019", True),
        ("#Выборы", True),
        ("В мире", True),
        ("2026", True),
        ("", False),
        ("#", False),
        ("---", False),
        ("a#b", False),
        ("x" * 65, False),
        ("один, два", False),
        ("строка\nдругая", False),
    ],
)
def test_is_valid_tag(text: str, valid: bool) -> None:
    assert is_valid_tag(text) is valid
