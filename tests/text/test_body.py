"""Captions, "read also" headlines, hashtag lists and author lines leave the body."""

from __future__ import annotations

import pytest

from bot.text import clean_paragraphs, is_caption, is_read_also, parse_article
from bot.text.body import author_name
from tests.text.samples import LEAD, article_text


@pytest.mark.parametrize(
    "line",
    [
        "Министерство обороны, фото - Новости Zakon.kz от 01.12.2015 16:05",
        "Здание акимата Алматы, фото - Новости Zakon.kz от 03.03.2026 12:53",
        "Фото: Reuters",
        "Фото: пресс-служба акимата",
        "Фото: Иван Петров / AFP",
        "ФОТО: РИА Новости",
        "Фото в анонсе: Александр Петров / AFP / Scanpix / LETA",
        "Фото - Getty Images",
        "Видео: YouTube",
        "Иллюстрация: freepik.com",
        "Источник фото: pixabay.com",
        "Президент Казахстана, фото: Акорда",
        "Александр Петров / ТАСС",
        "© Reuters",
    ],
)
def test_caption_is_recognised(line: str) -> None:
    assert is_caption(line)


@pytest.mark.parametrize(
    "line",
    [
        LEAD,
        "Фотограф Иван Петров получил премию за снимки из Арктики.",
        "Выставка фото открылась в Алматы в субботу.",
        "Стоимость проезда выросла на 20% / 30 тенге.",
        "Политика",
    ],
)
def test_ordinary_line_is_not_a_caption(line: str) -> None:
    assert not is_caption(line)


@pytest.mark.parametrize(
    "caption",
    [
        "Здание парламента, фото - Новости Zakon.kz от 06.05.2024 10:15",
        "Фото: Reuters",
        "Фото: Иван Петров / AFP",
        "Зал заседаний парламента",
    ],
)
def test_caption_above_the_lead_is_not_the_lead(caption: str) -> None:
    article = parse_article(article_text(body=(f"{caption}\n{LEAD}", "Второй абзац.")))

    assert article.lead == LEAD
    assert article.body == (LEAD, "Второй абзац.")


def test_caption_glued_to_the_lead_line_is_cut_off() -> None:
    line = f"Зал заседаний, фото - Новости Zakon.kz от 06.05.2024 10:15 {LEAD}"
    article = parse_article(article_text(body=(line,)))

    assert article.lead == LEAD


@pytest.mark.parametrize(
    "line",
    [
        "Срочная эвакуация: объявлены вывозные рейсы из Дубая в Алматы и Астану",
        "Кудрин заявил о подготовке проекта развития на шесть лет",
        "Сколько преступлений выявили в 2018 году (в Росгвардии +277%)",
        "«Тосно» обыграл «Арсенал» благодаря хет-трику Маркова",
        "Чтобы помнили",
        "Читайте также",
    ],
)
def test_read_also_headline_is_recognised(line: str) -> None:
    assert is_read_also(line)


@pytest.mark.parametrize(
    "line",
    [
        "Замглавы МИД подчеркнул, что позиция остается неизменной.",
        "Алле Вербер был 61 год.",
        "В состав совета вошли:",
        "Что будет с ценами?",
        "Это победа!",
        "«Мы восстановили театр в его прежнем виде»",
        '"Мы будем работать дальше"',
        "— Георгий Полтавченко, полпред президента",
        "1) снижение налогов для малого бизнеса",
        "• строительство дорог",
        "Он сказал: «Мы придем».",
        "Итог матча — 3:2…",
        "x" * 250,
    ],
)
def test_real_paragraph_is_not_read_also(line: str) -> None:
    assert not is_read_also(line)


def test_read_also_lines_leave_the_body_but_short_sentences_stay() -> None:
    body = (
        LEAD,
        "Срочная эвакуация: объявлены вывозные рейсы из Дубая в Алматы",
        "Алле Вербер был 61 год.",
        "Что будет дальше?",
    )
    article = parse_article(article_text(body=body))

    assert article.body == (LEAD, "Алле Вербер был 61 год.", "Что будет дальше?")


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Екатерина Елисеева", "Екатерина Елисеева"),
        ("Ольга Пак", "Ольга Пак"),
        ("Анна-Мария Ковальчук", "Анна-Мария Ковальчук"),
        ("Иван Сергеевич Петров", "Иван Сергеевич Петров"),
        ("Автор: Динара Абенова", "Динара Абенова"),
        ("Текст: Марат Жумабаев", "Марат Жумабаев"),
        ("John Smith", "John Smith"),
        ("Чтобы помнили", None),
        ("Новости дня", None),
        ("Екатерина", None),
    ],
)
def test_author_line_gives_the_name(line: str, name: str | None) -> None:
    assert author_name(line) == name


def test_author_repeated_at_the_end_is_removed_and_recorded() -> None:
    body = (LEAD, "Второй абзац.", "Екатерина Елисеева", "Екатерина Елисеева")
    article = parse_article(article_text(body=body))

    assert article.author == "Екатерина Елисеева"
    assert article.body == (LEAD, "Второй абзац.")


def test_author_on_consecutive_lines_is_removed() -> None:
    text = article_text(body=(LEAD, "Второй абзац.\n\nИгорь Белов\nИгорь Белов"))
    article = parse_article(text)

    assert article.author == "Игорь Белов"
    assert article.body == (LEAD, "Второй абзац.")


def test_author_below_a_photo_credit_is_found() -> None:
    body = (LEAD, "Фото в анонсе: Иван Петров / AFP", "Марат Жумабаев")
    article = parse_article(article_text(body=body))

    assert article.author == "Марат Жумабаев"
    assert article.body == (LEAD,)


def test_author_in_lowercase_text_is_found() -> None:
    article = parse_article(article_text(body=(LEAD, "ольга пак")).lower())

    assert article.author == "ольга пак"
    assert article.body == (LEAD.lower(),)


def test_article_without_author_has_none() -> None:
    article = parse_article(article_text())

    assert article.author is None


def test_hashtag_lines_in_the_body_are_dropped_and_not_tags() -> None:
    body = (LEAD, "#Выборы #Парламент", "Второй абзац. #Выборы #Сенат")
    article = parse_article(article_text(tags=("Выборы-2024",), body=body))

    assert article.body == (LEAD, "Второй абзац.")
    assert article.tags == ("Выборы-2024",)


def test_hashtag_inside_a_sentence_stays() -> None:
    line = "Жители #Алматы вышли на субботник."
    assert clean_paragraphs([line]).paragraphs == [line]


def test_known_author_is_removed_wherever_it_stands_alone() -> None:
    body = clean_paragraphs([LEAD, "Иван Петров.", "Второй абзац."], author="Иван Петров")

    assert body == ([LEAD, "Второй абзац."], "Иван Петров")


def test_spaces_inside_paragraphs_are_collapsed() -> None:
    body = clean_paragraphs(["Парламент  принял\tзакон.  "])

    assert body.paragraphs == ["Парламент принял закон."]
