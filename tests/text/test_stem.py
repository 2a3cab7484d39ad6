"""The search index's words: the fast cp1251 way and the general way give the same stems."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.text.stem import index_words, stem_words, tokens

# Every cp1251 character (letters of all its alphabets, µ, №, dashes, quotes) and a few
# that are not in cp1251 but casefold into it (Kelvin sign, long s), or are not at all.
_CP1251 = bytes(range(256)).decode("cp1251", "ignore")
_ALPHABET = st.sampled_from([*_CP1251, "\u212a", "ſ", "μ", "ß", "🙂", "ı", " ", " ", "\n"])


def _reference(text: str) -> list[str]:
    """The index words as the plain definition has them: distinct stems of all tokens."""
    return sorted({stem for stem in stem_words(tokens(text)) if stem})


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ЁЛКА и елка, ЁЛОЧКА", ["елк", "елочк"]),
        ("Выборы выборов ВЫБОРОВ", ["выбор"]),
        ("Київ, ҐАНОК і ЎЛАДА", ["київ", "ґанок", "ўлад"]),
        ("5µm и 5μm", ["5μm"]),
        ("\u212aelvin", ["kelvin"]),
        ("выпуск 12345, выпуск_12345", ["выпуск", "12345"]),
    ],
)
def test_index_words_fold_case_and_yo_like_the_tokens(text: str, words: list[str]) -> None:
    assert sorted(index_words(text).split()) == sorted(words)
    assert sorted(index_words(text).split()) == _reference(text)


@given(st.text(_ALPHABET, max_size=120))
@example("Ёж ёж ЁЖ µ")
@example("Фото: РИА Новости / Сергей Иванов — 2026")
def test_index_words_are_the_distinct_stems_of_the_tokens(text: str) -> None:
    assert sorted(index_words(text).split()) == _reference(text)
