"""The carrying outlet's attribution goes; the claim's own source and officials stay."""

from __future__ import annotations

import pytest

from bot.text import clean_lead, parse_article, strip_attribution
from tests.text.samples import article_text

CLAIM = "Власти Алматы откроют пять новых школ до конца года"


@pytest.mark.parametrize(
    "attribution",
    [
        ", передает корреспондент Zakon.kz",
        ", передает Zakon.kz",
        ", передаёт Tengrinews.kz",
        ", передает корреспондент агентства «Казинформ»",
        ", передает Sputnik Казахстан",
        ", – передает Газета.Ru",
        ", передают «Вести»",
        ", сообщает Zakon.kz",
        ", сообщает корреспондент Zakon.kz",
        ", пишет Zakon.kz",
    ],
)
def test_carrier_attribution_is_removed(attribution: str) -> None:
    assert clean_lead(f"{CLAIM}{attribution}.") == f"{CLAIM}."


@pytest.mark.parametrize(
    "attribution",
    [
        ", сообщает агентство Киодо",
        ", сообщает газета The Times",
        ", сообщает ТАСС",
        ", сообщает «Интерфакс»",
        ", пишет издание Bloomberg",
        ", сообщила пресс-служба акимата",
        ", сообщает пресс-служба МЧС",
        ", сообщили в пресс-службе МЧС",
        ", заявил аким города Ерболат Досаев",
        ", сообщает РИА Новости со ссылкой на заместителя министра Андрея Бусыгина",
        ", передает Zakon.kz со ссылкой на акимат",
        ", сообщает ведомство",
    ],
)
def test_attribution_that_is_the_only_source_stays(attribution: str) -> None:
    assert clean_lead(f"{CLAIM}{attribution}.") == f"{CLAIM}{attribution}."


@pytest.mark.parametrize(
    ("lead", "cleaned"),
    [
        (
            "Ученые заявляют, что открыли новый элемент, сообщает РИА «Новости».",
            "Ученые заявляют, что открыли новый элемент.",
        ),
        (
            "Как считает эксперт, цены на бензин вырастут, сообщает RT.",
            "Как считает эксперт, цены на бензин вырастут.",
        ),
        (
            "По словам министра, реформа начнется в мае, сообщает ТАСС.",
            "По словам министра, реформа начнется в мае.",
        ),
        (
            "Аким заявил, что школы откроют в сентябре, пишет газета «Время».",
            "Аким заявил, что школы откроют в сентябре.",
        ),
        (
            "Синоптики предупредили о сильном ветре, сообщает Tengrinews.kz.",
            "Синоптики предупредили о сильном ветре.",
        ),
    ],
)
def test_media_attribution_goes_when_the_sentence_names_who_claims(
    lead: str, cleaned: str
) -> None:
    assert clean_lead(lead) == cleaned


def test_officials_attribution_stays_even_when_sentence_names_a_claimant() -> None:
    lead = "Глава МЧС заявил, что пожар потушен, сообщила пресс-служба МЧС."

    assert clean_lead(lead) == lead


def test_nested_attribution_loses_only_the_carrier() -> None:
    lead = "Россия строит вторую авиабазу, сообщает газета The Times, передает Газета.Ru."

    assert clean_lead(lead) == "Россия строит вторую авиабазу, сообщает газета The Times."


@pytest.mark.parametrize(
    ("lead", "cleaned"),
    [
        (
            "Северная Корея запустила ракету, сообщает агентство Киодо, передает Zakon.kz.",
            "Северная Корея запустила ракету, сообщает агентство Киодо.",
        ),
        # The source a carrier cites stays even where the sentence names a claimant.
        (
            "Глава МИД Японии заявил о запуске ракеты, сообщает агентство Киодо, передает "
            "корреспондент Zakon.kz.",
            "Глава МИД Японии заявил о запуске ракеты, сообщает агентство Киодо.",
        ),
        (
            "Эксперты считают, что цены вырастут, пишет Bloomberg, сообщает РИА Новости.",
            "Эксперты считают, что цены вырастут, пишет Bloomberg.",
        ),
        (
            "«Курс вырастет», — заявил министр, сообщает ТАСС, передает Zakon.kz.",
            "«Курс вырастет», — заявил министр, сообщает ТАСС.",
        ),
        (
            "Глава МИД заявил о запуске ракеты, сообщает агентство Киодо, передает Zakon.kz. "
            "Эксперты считают, что угроза растет, сообщает РИА Новости.",
            "Глава МИД заявил о запуске ракеты, сообщает агентство Киодо. "
            "Эксперты считают, что угроза растет.",
        ),
    ],
)
def test_in_a_chain_of_attributions_only_the_carriers_goes(lead: str, cleaned: str) -> None:
    assert clean_lead(lead) == cleaned


def test_agency_of_the_dateline_is_a_carrier() -> None:
    lead = "МОСКВА, 5 марта — РИА Новости. Реформа начнется в мае, сообщает РИА Новости."

    assert clean_lead(lead) == "Реформа начнется в мае."


def test_latin_dateline_agency_matches_cyrillic_attribution() -> None:
    lead = "АСТАНА. KAZINFORM – Реформа начнется в мае, сообщает МИА «Казинформ»."

    assert clean_lead(lead) == "Реформа начнется в мае."


def test_attribution_is_removed_in_every_sentence_of_the_lead() -> None:
    lead = f"{CLAIM}, передает корреспондент Zakon.kz. Смета составит 2 млрд тенге."

    assert clean_lead(lead) == f"{CLAIM}. Смета составит 2 млрд тенге."


def test_leading_carrier_attribution_is_removed() -> None:
    assert clean_lead("Как передает корреспондент Zakon.kz, в Алматы выпал снег.") == (
        "В Алматы выпал снег."
    )


def test_leading_source_attribution_stays() -> None:
    lead = "Как сообщает «Газета.ру», акварель купили за 75 центов."

    assert clean_lead(lead) == lead


def test_sentence_crediting_the_carrier_is_removed() -> None:
    assert clean_lead(f"{CLAIM}. Об этом сообщает Zakon.kz.") == f"{CLAIM}."


def test_sentence_crediting_the_source_stays() -> None:
    lead = f"{CLAIM}. Об этом сообщает «Новая газета», не указывая источник."

    assert clean_lead(lead) == lead


def test_attribution_after_a_dash_is_removed() -> None:
    lead = "«Курс вырастет», — сказал министр, — передает Zakon.kz."

    assert clean_lead(lead) == "«Курс вырастет», — сказал министр."


def test_speaker_after_a_dash_stays() -> None:
    lead = "«Мы придем», — сообщил Петров."

    assert clean_lead(lead) == lead


def test_attribution_without_final_stop_is_removed() -> None:
    assert clean_lead(f"{CLAIM}, передает Zakon.kz") == CLAIM


def test_no_word_is_cut_when_names_contain_dots() -> None:
    lead = "Курс тенге укрепился, передает INTERFAX.KZ. Аналитики ждут роста."

    assert clean_lead(lead) == "Курс тенге укрепился. Аналитики ждут роста."


def test_verb_inside_the_sentence_is_not_an_attribution() -> None:
    lead = "Пресс-служба сообщает, что школы откроют в сентябре."

    assert strip_attribution(lead) == lead


def test_extra_carriers_can_be_named() -> None:
    lead = f"{CLAIM}, сообщает Orda.kz."

    assert strip_attribution(lead) == lead
    assert strip_attribution(lead, carriers=["Orda.kz"]) == f"{CLAIM}."


def test_open_quote_in_the_first_sentence_does_not_extend_the_lead() -> None:
    body = (
        "«Что касается Крыма, вся эта суета ничтожна. Что это за постпред?» — сказал Бальбек.",
    )
    article = parse_article(article_text(body=body))

    assert article.lead == "«Что касается Крыма, вся эта суета ничтожна."
