"""Story words read only what they need, and rate a word as wordfreq does."""

from __future__ import annotations

import random

import pytest
from wordfreq import zipf_frequency

from bot.stories.words import _zipf, first_tokens, tokens

LEAD = (
    "Президент Касым-Жомарт Токаев подписал закон «О республиканском референдуме», "
    "сообщает Акорда. Голосование пройдет 15 марта 2026 года; явка составила 62,5%."
)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Одно",
        LEAD,
        LEAD * 5,
        " ".join(["слово"] * 40),
        " ".join(["слово"] * 41),
        "Матвеево-Курганский " * 30,
        "…" * 900 + " " + LEAD,  # a long stretch without words before the first one
        "Длинноесловобезпробелов" * 60 + " " + LEAD,  # a word longer than the first window
        "2,5 " * 60,
    ],
)
@pytest.mark.parametrize("count", [1, 5, 40])
def test_first_tokens_are_the_text_s_first_tokens(text: str, count: int) -> None:
    assert first_tokens(text, count) == tokens(text)[:count]


def test_numbers_are_rated_as_wordfreq_rates_them() -> None:
    draw = random.Random(2026)
    numbers = [f"{n:04}" for n in range(10_000)] + [str(n) for n in range(1000)]
    numbers += ["0" * length for length in range(1, 25)]
    for length in range(1, 25):
        for first in "0123456789":
            numbers += [
                first + "".join(draw.choices("0123456789", k=length - 1)) for _ in range(4)
            ]
    wrong = [n for n in numbers if _zipf(n) != zipf_frequency(n, "ru", "small")]
    assert not wrong
