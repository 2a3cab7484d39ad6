"""A shortened brief never leaves a quotation open, and keeps who said a quoted lead."""

from __future__ import annotations

import pytest

from bot.text import shorten, summarize
from bot.text.quotes import Quotations, speaker_after

Q1 = "Мы восстановим театр к осени."
Q2 = "Работы идут по графику."
Q3 = "Подрядчик получил все деньги."
Q4 = "Осталось закончить фасад"


def _balanced(text: str) -> bool:
    return not Quotations(text).open_at(len(text))


@pytest.mark.parametrize(
    ("paragraph", "limit", "brief"),
    [
        (
            f"«{Q1} {Q2} {Q3} {Q4}», — заявил аким города Ерболат Досаев.",
            100,
            f"«{Q1} {Q2} …», — заявил аким города Ерболат Досаев.",
        ),
        (
            f"«{Q1} {Q2} {Q3} {Q4}» — сказал А. Петров. Работы начнутся в мае.",
            120,
            f"«{Q1} {Q2} {Q3} …» — сказал А. Петров.",
        ),
        (
            f"«{Q1} {Q2} {Q3} {Q4}», заявил аким.",
            70,
            f"«{Q1} …», заявил аким.",
        ),
        (f'"{Q1} {Q2} {Q3}", - заявил аким.', 70, f'"{Q1} …", - заявил аким.'),
        (f"„{Q1} {Q2} {Q3}“, — заявил аким.", 70, f"„{Q1} …“, — заявил аким."),
        (f"“{Q1} {Q2} {Q3}”, — said the mayor.", 70, f"“{Q1} …”, — said the mayor."),
    ],
)
def test_a_quoted_lead_keeps_its_speaker(paragraph: str, limit: int, brief: str) -> None:
    lead, got = summarize(paragraph, limit)

    assert got == brief
    assert len(got) <= limit
    assert lead.startswith(paragraph[:10])


@pytest.mark.parametrize(
    ("paragraph", "limit", "brief"),
    [
        # A quotation that never closes (the page was cut): closed after the mark.
        (f"«{Q1} {Q2} {Q3} {Q4}", 60, f"«{Q1} {Q2} …»"),
        # The speaker named before the quotation: the quotation is closed.
        (f"Аким заявил: «{Q1} {Q2} {Q3} {Q4}».", 90, f"Аким заявил: «{Q1} {Q2} …»"),
        # A quotation nested in another: both are closed, innermost first.
        (f"«{Q1} Он сказал: „{Q2} {Q3} {Q4}“», — вспоминает аким.", 80, None),
        # No sentence fits: cut at a word, then closed.
        (
            "«Мы восстановим театр к осени и откроем его для зрителей уже в сентябре, "
            "если все пойдет по плану», — заявил аким.",
            80,
            "«Мы восстановим театр к осени и откроем его для зрителей уже в…», — заявил аким.",
        ),
    ],
)
def test_a_cut_inside_a_quotation_closes_it(paragraph: str, limit: int, brief: str | None) -> None:
    _lead, got = summarize(paragraph, limit)

    assert len(got) <= limit
    assert _balanced(got), got
    if brief is not None:
        assert got == brief


def test_a_quotation_after_whole_sentences_is_left_out_rather_than_cut() -> None:
    paragraph = f"Театр откроют осенью. «{Q1} {Q2} {Q3}», — заявил аким."

    assert summarize(paragraph, 90) == ("Театр откроют осенью.", "Театр откроют осенью. …")


def test_merged_closing_marks_are_not_taken_for_an_open_quotation() -> None:
    paragraph = (
        "Министерство выставило на продажу АО «Завод шампанских вин «Новый Свет». "
        "Торги пройдут в мае. Цена составит миллиард рублей, сообщили в ведомстве."
    )
    lead, brief = summarize(paragraph, 100)

    assert lead == "Министерство выставило на продажу АО «Завод шампанских вин «Новый Свет»."
    assert brief == f"{lead} Торги пройдут в мае. …"


def test_a_quoted_lead_is_still_its_first_sentence() -> None:
    lead, _brief = summarize(f"«{Q1} {Q2} {Q3} {Q4}», — заявил аким.", 60)

    assert lead == f"«{Q1}"


@pytest.mark.parametrize("limit", range(10, 140, 7))
def test_no_limit_leaves_a_quotation_open(limit: int) -> None:
    paragraph = f"Аким напомнил: «{Q1} {Q2}» И добавил: «{Q3} {Q4}», — сообщает пресс-служба."

    for text in (summarize(paragraph, limit)[1], shorten(paragraph, limit)):
        assert len(text) <= limit
        assert _balanced(text), text


@pytest.mark.parametrize(
    ("text", "close", "speaker"),
    [
        ("«Да», — заявил Петров. Далее.", 3, ", — заявил Петров."),
        ("«Да» — сказал А. Б. Петров.", 3, " — сказал А. Б. Петров."),
        ("«Да». Потом он ушёл.", 3, ""),
        ("«Да» и «нет», — сказал он.", 3, ""),
    ],
)
def test_speaker_after_a_quotation(text: str, close: int, speaker: str) -> None:
    assert speaker_after(text, close) == speaker
