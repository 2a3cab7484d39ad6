"""The cleaning rules hold in every letter case: lowercase, uppercase and mixed texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.text import clean_lead, is_caption, parse_article, split_dateline
from tests.text.samples import LEAD, article_text
from tests.text.test_corpus import CORPUS, EXPECTED
from tests.text.test_dateline import DATELINES, TEXT

CASES: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("dateline", "agency"), DATELINES)
def test_dateline_in_one_letter_case_is_removed(dateline: str, agency: str, case: str) -> None:
    change = CASES[case]

    assert split_dateline(change(dateline + TEXT)) == (change(agency), change(TEXT))


@pytest.mark.parametrize(
    ("lead", "cleaned"),
    [
        (
            "москва, 1 дек — риа новости. Правительство утвердило план.",
            "Правительство утвердило план.",
        ),
        ("астана. kazinform – В столице открыли школу.", "В столице открыли школу."),
        ("алматы. 15 мая. казтаг - Цены выросли.", "Цены выросли."),
        (
            "МОСКВА, 1 ДЕК — РИА НОВОСТИ. правительство утвердило план.",
            "Правительство утвердило план.",
        ),
        (
            "Москва, 1 дек — риа новости. правительство утвердило план.",
            "Правительство утвердило план.",
        ),
        (
            "москва, 1 дек — РИА Новости. Правительство утвердило план.",
            "Правительство утвердило план.",
        ),
    ],
)
def test_dateline_in_another_case_than_the_text_is_removed(lead: str, cleaned: str) -> None:
    assert clean_lead(lead) == cleaned


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "text",
    [
        "В Европейском парламенте (ЕП) 24 января прошла церемония памяти.",
        "Москва. Власти утвердили план строительства новых школ.",
        "Алматы в среду накрыл сильный снегопад.",
        "Об этом сообщает ТАСС.",
        "Как сообщает Reuters, правительство утвердило план.",
        "Российские ученые, РИА Новости и другие издания обсудили реформу.",
        "В Москве (Россия) открылся новый парк.",
        "Собянин, 5 лет назад ставший мэром, открыл парк.",
        "Депутаты (ЛДПР) предложили закон.",
        "Министр финансов, Ерулан Жамаубаев. Бюджет исполнен.",
    ],
)
def test_sentence_in_one_letter_case_that_names_a_city_or_agency_is_kept(
    text: str, case: str
) -> None:
    changed = CASES[case](text)

    assert split_dateline(changed) == (None, changed)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "caption",
    [
        "Фото: Reuters",
        "Фото: Иван Петров / AFP",
        "Фото из открытых источников — Алматы",
        "Здание парламента, фото - Новости Zakon.kz от 06.05.2024 10:15",
        "Иллюстративное фото: РИА Новости",
        "© Sputnik / Сергей Пятаков",
    ],
)
def test_caption_or_credit_in_one_letter_case_is_dropped(caption: str, case: str) -> None:
    change = CASES[case]
    article = parse_article(change(article_text(body=(caption, LEAD, "Второй абзац."))))

    assert is_caption(change(caption))
    assert article.lead == change(LEAD)


CLAIM = "Власти Алматы откроют пять новых школ до конца года"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    ("lead", "cleaned"),
    [
        (f"{CLAIM}, передает корреспондент Zakon.kz.", f"{CLAIM}."),
        (f"{CLAIM}, сообщает Zakon.kz.", f"{CLAIM}."),
        (
            f"{CLAIM}, сообщает агентство Киодо, передает Zakon.kz.",
            f"{CLAIM}, сообщает агентство Киодо.",
        ),
        (
            "Аким заявил, что школы откроют, пишет газета «Время».",
            "Аким заявил, что школы откроют.",
        ),
        (f"{CLAIM}, сообщила пресс-служба акимата.", f"{CLAIM}, сообщила пресс-служба акимата."),
        (f"{CLAIM}, сообщает газета The Times.", f"{CLAIM}, сообщает газета The Times."),
        ("Как передает корреспондент Zakon.kz, в Алматы выпал снег.", "В Алматы выпал снег."),
        (f"{CLAIM}. Об этом сообщает Zakon.kz.", f"{CLAIM}."),
    ],
)
def test_attribution_in_one_letter_case_is_judged_the_same(
    lead: str, cleaned: str, case: str
) -> None:
    change = CASES[case]

    assert clean_lead(change(lead)) == change(cleaned)


CHANGES: dict[str, Callable[[str], str]] = {
    **CASES,
    # The header and headline as written, the body in lowercase.
    "lowercase body": lambda text: "\n".join(
        line if number < 4 else line.lower() for number, line in enumerate(text.split("\n"))
    ),
}


@pytest.mark.skipif(not EXPECTED, reason=f"development corpus not found at {CORPUS}")
@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("expected", EXPECTED, ids=[item["file"] for item in EXPECTED])
def test_corpus_article_in_another_case_gives_the_same_lead(
    expected: dict[str, Any], change: str
) -> None:
    text = (CORPUS / expected["file"]).read_text("utf-8")
    fold = str.upper if change == "upper" else str.lower
    original = parse_article(text, expected["file"])
    article = parse_article(CHANGES[change](text), expected["file"])

    assert article.lead == fold(expected["lead"])
    assert (article.author or "").casefold() == (original.author or "").casefold()
    assert len(article.body) == len(original.body)
