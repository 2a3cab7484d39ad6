"""Leads, briefs and shortening: whole sentences first, never half a word."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.models import Article
from bot.text import first_sentence, sentences, shorten, summarize, summary_html
from bot.text.summary import ELLIPSIS, MORE

ONE = "Парламент принял закон о местных выборах в первом чтении."
TWO = "Документ вступит в силу осенью."
THREE = "Депутаты от оппозиции голосовали против."


def test_first_sentence_handles_abbreviations_and_initials() -> None:
    text = "По словам А. С. Петрова, цена выросла до 1,5 млрд руб. в прошлом году. Это много."

    assert first_sentence(text) == (
        "По словам А. С. Петрова, цена выросла до 1,5 млрд руб. в прошлом году."
    )


def test_first_sentence_of_lowercase_text_is_split_too() -> None:
    assert first_sentence(f"{ONE} {TWO}".lower()) == ONE.lower()


def test_sentences_are_yielded_in_order() -> None:
    assert list(sentences(f"{ONE} {TWO} {THREE}")) == [ONE, TWO, THREE]


@pytest.mark.parametrize(
    ("limit", "brief"),
    [
        (1000, f"{ONE} {TWO} {THREE}"),
        (len(f"{ONE} {TWO} {THREE}"), f"{ONE} {TWO} {THREE}"),
        (len(f"{ONE} {TWO}{MORE}"), f"{ONE} {TWO}{MORE}"),
        (len(f"{ONE} {TWO}") + 5, f"{ONE} {TWO}{MORE}"),
        (len(f"{ONE} {TWO}"), f"{ONE}{MORE}"),
        (len(ONE) + 10, f"{ONE}{MORE}"),
        (len(ONE), ONE),
    ],
)
def test_brief_keeps_whole_sentences_that_fit_and_marks_the_rest(limit: int, brief: str) -> None:
    lead, got = summarize(f"{ONE} {TWO} {THREE}", limit)

    assert lead == ONE
    assert got == brief
    assert len(got) <= limit


def test_brief_cuts_a_too_long_first_sentence_at_a_word_with_ellipsis() -> None:
    lead, brief = summarize(f"{ONE} {TWO}", 30)

    assert lead == ONE
    assert brief == "Парламент принял закон о…"
    assert len(brief) <= 30


def test_brief_of_a_single_long_sentence_is_cut_at_a_word() -> None:
    lead, brief = summarize(ONE, 24)

    assert lead == ONE
    assert brief == "Парламент принял закон…"


def test_brief_of_a_long_paragraph_uses_only_what_fits() -> None:
    paragraph = " ".join([ONE, TWO, THREE] * 30)
    lead, brief = summarize(paragraph, 300)

    assert lead == ONE
    assert len(brief) <= 300
    assert brief.endswith(f".{MORE}")
    assert paragraph.startswith(brief.removesuffix(MORE))


def test_brief_of_a_lead_longer_than_the_window_is_still_its_first_sentence() -> None:
    long_sentence = "Депутаты " + "очень " * 120 + "долго спорили."
    lead, brief = summarize(f"{long_sentence} {TWO}", 300)

    assert lead == long_sentence
    assert brief.endswith(ELLIPSIS)
    assert len(brief) <= 300


def test_empty_paragraph_has_no_lead() -> None:
    assert summarize("   ") == ("", "")
    assert summarize("…") == ("", "")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        (ONE, 100, ONE),
        (f"{ONE} {TWO}", len(ONE) + 3, f"{ONE}{MORE}"),
        (f"{ONE} {TWO}", len(ONE) + 1, ONE),
        (ONE, 24, "Парламент принял закон…"),
        (ONE, 23, "Парламент принял закон…"),
        (ONE, 22, "Парламент принял…"),
        ("Слово, другое, третье и четвертое", 16, "Слово, другое…"),
        ("Оченьдлинноеслово", 5, ELLIPSIS),
        ("  с пробелами  ", 50, "с пробелами"),
    ],
)
def test_shorten_cuts_at_a_sentence_else_a_word(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


def test_shorten_never_cuts_inside_a_word() -> None:
    text = " ".join(["Парламент", "принял", "закон", "о", "местных", "выборах"] * 5)
    words = set(text.split())
    for limit in range(2, len(text)):
        result = shorten(text, limit).removesuffix(ELLIPSIS)
        assert all(word in words for word in result.split()), limit


def _article(title: str, brief: str) -> Article:
    return Article(
        title=title, published=datetime(2024, 5, 6, tzinfo=UTC), lead=brief, brief=brief
    )


def test_summary_html_is_bold_title_and_escaped_brief() -> None:
    html = summary_html(_article("Рост <цен> & «налогов»", "Цены выросли на 5% < 10%."))

    assert html == "<b>Рост &lt;цен&gt; &amp; «налогов»</b>\nЦены выросли на 5% &lt; 10%."


def test_summary_html_without_brief_is_the_title() -> None:
    assert summary_html(_article("Заголовок", "")) == "<b>Заголовок</b>"


@pytest.mark.parametrize(
    "paragraph",
    [
        f"Нур-Султан. Казахстан. {ONE} {TWO}",
        f"Москва. {ONE} {TWO}",
        f"Нижний Новгород. {ONE} {TWO}",
        f"нур-султан. казахстан. {ONE.lower()} {TWO.lower()}",
        f"НУР-СУЛТАН. {ONE.upper()} {TWO.upper()}",
    ],
)
def test_place_names_left_of_a_dateline_are_not_the_lead(paragraph: str) -> None:
    lead, brief = summarize(paragraph)

    assert lead.casefold() == ONE.casefold()
    assert brief.casefold() == f"{ONE} {TWO}".casefold()


@pytest.mark.parametrize(
    ("paragraph", "lead"),
    [
        (f"Цены выросли. {TWO}", "Цены выросли."),
        (f"Да, это так. {TWO}", "Да, это так."),
        (f"Выборы 2026 года. {TWO}", "Выборы 2026 года."),
        (f"Москва! {TWO}", "Москва!"),
    ],
)
def test_short_sentences_that_are_not_names_alone_stay_the_lead(paragraph: str, lead: str) -> None:
    assert summarize(paragraph)[0] == lead
