"""The outlet an article credits: photo credit, carrier, dateline or the outlet reported from."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.stories.outlet import article_outlet, outlet_name, text_outlet
from bot.text import parse_article

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dev"

# Lines in the shape of real pages and wires, written for these tests.
CASES = [
    (["Министерство обороны, фото - Новости Zakon.kz от 01.12.2015 16:05",
      "Россия строит авиабазу в Сирии, сообщает газета The Times, передает Газета.Ru."],
     "Zakon.kz"),
    (["Россия строит авиабазу в Сирии, сообщает газета The Times, передает Газета.Ru."],
     "Газета.Ru"),
    (["Путин предложил поздравить Зюганова, передает корреспондент Zakon.kz."], "Zakon.kz"),
    (["МОСКВА, 31 янв – РИА Новости. Правительство утвердило план."], "РИА Новости"),
    (["АСТАНА. KAZINFORM – Глава государства провел совещание."], "Kazinform"),
    (["Москва. 11 ноября. INTERFAX.RU - Программа киноцентра изменится."], "Интерфакс"),
    (["ТАСС, 10 августа. Президент подписал указ."], "ТАСС"),
    (["Японские ученые заявляют, что синтезировали атом, сообщает РИА «Новости»."],
     "РИА Новости"),
    (["Как сообщает «Газета.ру», акварель купили за 75 центов."], "Газета.Ru"),
    (["Фракция обсуждает исключение депутатов, сообщает РБК-Украина со ссылкой на источник."],
     "РБК-Украина"),
    (["Регионы получат два миллиарда рублей. Об этом сообщает ТАСС со ссылкой на кабмин."],
     "ТАСС"),
    (["Суд арестовал кандидата на 15 суток, сообщает «МБХ медиа»."], "МБХ медиа"),
    (["Пожар потушен, сообщила пресс-служба МЧС."], None),
    (["Следователи закончили работу, передали материалы в суд."], None),
    (["Фото: Reuters", "Министерство культуры определило перечень фильмов."], None),
    (["Правительство утвердило план."], None),
    ([], None),
]  # fmt: skip


@pytest.mark.parametrize(("paragraphs", "outlet"), CASES)
def test_outlet_is_found_where_the_article_credits_it(
    paragraphs: list[str], outlet: str | None
) -> None:
    assert article_outlet(paragraphs) == outlet


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("корр. РИА «Новости»", "РИА Новости"),
        ("RIA Novosti", "РИА Новости"),
        ("KAZINFORM", "Kazinform"),
        ("МИА «Казинформ»", "Kazinform"),
        ("корреспондент Zakon", "Zakon.kz"),
        ("газета The Times", "The Times"),
        ("агентство «Фергана»", "Фергана"),
        ("«", None),
    ],
)
def test_outlet_names_are_shown_one_way(written: str, shown: str | None) -> None:
    assert outlet_name(written) == shown


def test_text_outlet_reads_the_lines_under_the_headline() -> None:
    text = (
        " date 2026-03-03 #Референдум-2026\nПолитика\n\nТокаев подписал закон\n\n"
        "Акорда, фото - Новости Zakon.kz от 03.03.2026 12:53\nПрезидент подписал закон.\n"
    )
    article = parse_article(text)

    assert text_outlet(text, article.title) == "Zakon.kz"
    assert text_outlet(text, "Другой заголовок") is None


DEV_OUTLETS = {
    "000-zakon.txt": "Zakon.kz",
    "002-gazeta.txt": "РИА Новости",
    "006-gazeta.txt": None,
    "018-rt.txt": "RT",
    "019-rt.txt": "Zakon.kz",
    "026-meduza.txt": "МБХ медиа",
    "027-meduza.txt": None,
}


@pytest.mark.skipif(not DEV.is_dir(), reason="the dev corpus is absent")
@pytest.mark.parametrize(("name", "outlet"), DEV_OUTLETS.items())
def test_dev_corpus_articles_credit_their_outlets(name: str, outlet: str | None) -> None:
    raw = (DEV / name).read_bytes()

    assert text_outlet(raw.decode("utf-8-sig"), parse_article(raw, name).title) == outlet
