"""Agency datelines are removed from the lead in their many real forms, and only them."""

from __future__ import annotations

import pytest

from bot.text import clean_lead, parse_article, split_dateline
from tests.text.samples import article_text

TEXT = "Правительство утвердило план строительства новых школ."

DATELINES = [
    ("МОСКВА, 31 янв – РИА Новости. ", "РИА Новости"),
    ("МОСКВА, 31 янв - РИА Новости. ", "РИА Новости"),
    ("Лондон, 3 мая — РИА Новости. ", "РИА Новости"),
    ("МОСКВА, 13 июн — РИА Новости, Наталья Дембинская. ", "РИА Новости"),
    ("САМАРА, 2 апр – РИА «Новости». ", "РИА «Новости»"),
    ("ТАСС, 10 августа. ", "ТАСС"),
    ("МОСКВА, 5 марта. /ТАСС/. ", "ТАСС"),
    ("САНКТ-ПЕТЕРБУРГ, 5 марта /ТАСС/. ", "ТАСС"),
    ("ВАШИНГТОН, 12 июня /Корр. ИТАР-ТАСС/. ", "ИТАР-ТАСС"),
    ("ЛОНДОН, 3 мая. /Корр. ТАСС Иван Иванов/. ", "ТАСС Иван Иванов"),
    ("Москва. 30 апреля. INTERFAX.RU - ", "INTERFAX.RU"),
    ("Москва. 30 апреля. ИНТЕРФАКС - ", "ИНТЕРФАКС"),
    ("Interfax - ", "Interfax"),
    ("АСТАНА. KAZINFORM – ", "KAZINFORM"),
    ("НУР-СУЛТАН. KAZINFORM - ", "KAZINFORM"),
    ("АСТАНА. МИА «Казинформ» – ", "МИА «Казинформ»"),
    ("Алматы. 15 мая. КазТАГ - ", "КазТАГ"),
    ("Алматы. 15 мая. 14:35. КазТАГ – ", "КазТАГ"),
    ("АСТАНА, 2 февраля. Sputnik - ", "Sputnik"),
    ("МИНСК, 1 июн — Sputnik. ", "Sputnik"),
    ("БИШКЕК, 5 мая — Sputnik Кыргызстан. ", "Sputnik Кыргызстан"),
    ("Астана, 3 марта 2024 года. Kazakhstan Today – ", "Kazakhstan Today"),
    ("Астана, 5 мая — Tengrinews.kz. ", "Tengrinews.kz"),
    ("Минск, 20 мая /БЕЛТА/. ", "БЕЛТА"),
    ("Баку, 12 марта. Trend: ", "Trend"),
    ("Киев, 5 марта (УНИАН). ", "УНИАН"),
    ("Киев. 5 марта. УНН. ", "УНН"),
    ("(Reuters) - ", "Reuters"),
    ("ПАРИЖ, 5 мая (AFP) — ", "AFP"),
    ("ВАШИНГТОН, 5 мая. (AP) - ", "AP"),
    ("Нижний Новгород, 5 мая — РИА Новости. ", "РИА Новости"),
    ("Ростов-на-Дону, 5 мая — РИА Новости. ", "РИА Новости"),
    ("МОСКВА/ВАШИНГТОН, 5 мая — РИА Новости. ", "РИА Новости"),
    ("ЕРЕВАН, 5 мая — АРКА. ", "АРКА"),
    ("Тбилиси, 5 мая — Новости-Грузия. ", "Новости-Грузия"),
    ("РИА Новости, 5 марта. ", "РИА Новости"),
    ("МОСКВА, 5 марта — ПРАЙМ. ", "ПРАЙМ"),
    ("Москва, 5 марта. REGNUM. ", "REGNUM"),
    ("Ташкент, 5 мая — Sputnik. ", "Sputnik"),
    ('Москва, 12 января - "Вести.Экономика". ', '"Вести.Экономика"'),
    ("МОСКВА, 5 мая, ИА REGNUM. ", "ИА REGNUM"),
    ("Москва, 5 мая. ИА «Фергана» — ", "ИА «Фергана»"),
    ("WASHINGTON, May 5 (Reuters) - ", "Reuters"),
    ("NEW YORK, May 5 (Reuters) -- ", "Reuters"),
    ("Баку. 5 мая. REPORT.AZ/ ", "REPORT.AZ"),
    ("БИШКЕК (АКИpress) - ", "АКИpress"),
    ("Астана. 5 мая. INTERFAX-KAZAKHSTAN - ", "INTERFAX-KAZAKHSTAN"),
    ("Ташкент, 5 мая (ИА «Фергана»). ", "ИА «Фергана»"),
    ("БИШКЕК, 5 мая — 24.kg. ", "24.kg"),
    ("МОСКВА, 5 мая, 12:30 — РИА Новости. ", "РИА Новости"),
    ("Бишкек, 5 мая /Кабар/. ", "Кабар"),
    ("МОСКВА, 6 ноября, ФедералПресс. ", "ФедералПресс"),
]


@pytest.mark.parametrize(("dateline", "agency"), DATELINES)
def test_dateline_is_removed_from_lead(dateline: str, agency: str) -> None:
    assert split_dateline(dateline + TEXT) == (agency, TEXT)
    assert clean_lead(dateline + TEXT) == TEXT


@pytest.mark.parametrize(("dateline", "agency"), DATELINES[:12])
def test_dateline_in_lowercase_is_removed(dateline: str, agency: str) -> None:
    lowered = (dateline + TEXT).lower()

    assert split_dateline(lowered).text == TEXT.lower()


@pytest.mark.parametrize(
    "text",
    [
        "Москва, 5 мая, стала первым городом страны с бесплатным транспортом.",
        "Москва. Власти утвердили план строительства новых школ.",
        "Алматы в среду накрыл сильный снегопад.",
        "ТАСС — крупнейшее информационное агентство страны.",
        "Об этом сообщает ТАСС.",
        "Как сообщает Reuters, правительство утвердило план.",
        "Российские ученые, РИА Новости и другие издания обсудили реформу.",
        "В Москве (Россия) открылся новый парк.",
        "Собянин, 5 лет назад ставший мэром, открыл парк.",
        "«Тосно» обыграл «Арсенал» со счётом 3:2.",
        "(Обновлено) Правительство утвердило план.",
    ],
)
def test_sentence_that_merely_names_a_city_or_agency_is_kept(text: str) -> None:
    assert split_dateline(text) == (None, text)
    assert clean_lead(text) == text


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("Москва, 5 мая. Мэр Собянин — открыл парк.", "Мэр Собянин — открыл парк."),
        ("Токио, 4 апреля. Произошло землетрясение.", "Произошло землетрясение."),
        ("Астана, 3 марта 2026 года. Министр выступил.", "Министр выступил."),
        ("Астана, 3 марта 2026 г. Министр выступил.", "Министр выступил."),
        ("токио, 4 апреля. произошло землетрясение.", "произошло землетрясение."),
    ],
)
def test_city_and_date_alone_are_a_dateline_without_agency(text: str, rest: str) -> None:
    assert split_dateline(text) == (None, rest)


@pytest.mark.parametrize(
    ("dateline", "agency"),
    [
        ("САМАРА, 6 ноября, ПолитЭксперт. ", "ПолитЭксперт"),
        ("ЕРЕВАН, 5 мая — NewsAm. ", "NewsAm"),
    ],
)
def test_unknown_agency_in_camel_case_is_a_credit(dateline: str, agency: str) -> None:
    assert split_dateline(dateline + TEXT) == (agency, TEXT)


def test_lowercase_start_after_dateline_is_capitalised() -> None:
    assert split_dateline("АСТАНА. KAZINFORM – в столице открыли школу.").text == (
        "В столице открыли школу."
    )


def test_paragraph_that_is_only_a_dateline_cleans_to_nothing() -> None:
    assert clean_lead("МОСКВА, 5 марта. /ТАСС/.") == ""


def test_dateline_alone_on_its_line_is_skipped_for_the_lead() -> None:
    body = ("МОСКВА, 5 марта. /ТАСС/.", TEXT, "Второй абзац.")
    article = parse_article(article_text(body=body))

    assert article.lead == TEXT
    assert article.body[0] == TEXT


def test_lead_paragraph_keeps_its_dateline_in_the_body() -> None:
    body = ("Лондон, 3 мая — РИА Новости. " + TEXT, "Второй абзац.")
    article = parse_article(article_text(body=body))

    assert article.lead == TEXT
    assert article.body[0] == body[0]
