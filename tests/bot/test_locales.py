"""The catalogues: every key used in the code is translated to Russian and English, and
the committed .mo files match the .po files (``python -m bot.locales check``)."""

from __future__ import annotations

import re

import pytest

from bot.i18n import LOCALES, create_i18n, locale_for, translator
from bot.locales import check, load_po


def test_catalogues_are_complete_and_compiled() -> None:
    problems = check()
    assert not problems, "\n".join(problems.lines())


@pytest.mark.parametrize("language", LOCALES)
def test_every_message_has_a_translation_in_each_language(language: str) -> None:
    catalog = load_po(language)
    empty = [m.id for m in catalog if m.id and not m.string]
    assert not empty


def test_translations_use_the_same_format_fields() -> None:
    field = re.compile(r"{(\w+)}")
    ru = {m.id: m.string for m in load_po("ru") if m.id}
    en = {m.id: m.string for m in load_po("en") if m.id}
    for key, text in ru.items():
        assert set(field.findall(str(text))) == set(field.findall(str(en[key]))), key


def test_texts_are_valid_telegram_html() -> None:
    from tests.botapi.html import parse_html

    for language in LOCALES:
        for message in load_po(language):
            if message.id:
                parse_html(str(message.string).replace("{", "").replace("}", ""))


@pytest.mark.parametrize(
    ("code", "locale"),
    [("en", "en"), ("en-GB", "en"), ("EN-us", "en"), ("ru", "ru"), ("kk", "ru"), (None, "ru")],
)
def test_english_only_for_english_telegram_users(code: str | None, locale: str) -> None:
    assert locale_for(code) == locale


def test_translator_works_outside_handlers() -> None:
    i18n = create_i18n()
    assert translator("en", i18n)("button.more").startswith("More")
    assert translator("ru", i18n)("button.more").startswith("Ещё")
    assert translator(None, i18n)("button.more").startswith("Ещё")
