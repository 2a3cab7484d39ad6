"""The search index's words: lemmas that let a name in the nominative find its other cases."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.text.stem import index_words, lemmas, query_words, scheme, tokens, word_lemmas
from tests.text.names import name_forms

# Every cp1251 character (letters of all its alphabets, µ, №, dashes, quotes) and a few
# that are not in cp1251 but casefold into it (Kelvin sign, long s), or are not at all.
_CP1251 = bytes(range(256)).decode("cp1251", "ignore")
_ALPHABET = st.sampled_from([*_CP1251, "\u212a", "ſ", "μ", "ß", "🙂", "ı", " ", " ", "\n"])

NAMES = name_forms()


def _reference(text: str) -> list[str]:
    """The index words as the plain definition has them: every lemma of every token."""
    return sorted({lemma for word in tokens(text) for lemma in word_lemmas(word)})


def _finds(query: str, text: str) -> bool:
    indexed = set(index_words(text).split())
    terms = query_words(query)
    return bool(terms) and all(indexed.intersection(alternatives) for alternatives in terms)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ЁЛКА и елка, ЁЛОЧКА", ["елка", "елочка"]),
        ("Зюганову, ЗЮГАНОВЫМ и Зюганове", ["зюганов"]),
        ("Київ, ҐАНОК і ЎЛАДА", ["київ", "ґанок", "ўлад"]),  # no Russian word: stemmed
        ("5µm и 5μm", ["5μm"]),
        ("\u212aelvin", ["kelvin"]),
        ("выпуск 12345, выпуск_12345", ["выпуск", "12345"]),
        ("the elections were held", ["elect", "held"]),
        ("Он был и будет", []),  # stop words, and forms of stop lemmas
    ],
)
def test_index_words_fold_case_and_yo_like_the_tokens(text: str, words: list[str]) -> None:
    assert sorted(index_words(text).split()) == sorted(words)
    assert sorted(index_words(text).split()) == _reference(text)


@given(st.text(_ALPHABET, max_size=120))
@example("Ёж ёж ЁЖ µ")
@example("Фото: РИА Новости / Сергей Иванов — 2026")
def test_index_words_are_the_distinct_lemmas_of_the_tokens(text: str) -> None:
    assert sorted(index_words(text).split()) == _reference(text)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_name_in_the_nominative_finds_each_of_its_cases(name: str) -> None:
    missed = [form for form in NAMES[name] if not _finds(name, f"Новость о том, что {form} …")]

    assert missed == []


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("Иванова", "Встреча с Ивановым"),  # Иванова read as Иванов in the genitive
        ("Иванова", "Звонок Ивановой"),  # and as the woman's surname
        ("Менделеева", "Менделеев открыл закон"),
        ("зюганова", "ЗЮГАНОВ ВЫСТУПИЛ"),
        ("выборы", "итоги выборов"),
        ("выборах", "Выборы прошли спокойно"),
        ("сталь", "цены на производство стали"),  # стали: стать or сталь
        ("ёлка", "елки на площади"),
        ("Нур-Султана", "в Нур-Султане"),
    ],
)
def test_forms_that_share_a_lemma_find_each_other(query: str, text: str) -> None:
    assert _finds(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("Иванов", "Иван Петров приехал"),  # Иванов is also Иван's plural genitive, rarely
        ("выборы", "Явка составила 67 процентов"),
        ("сталь", "сталкер"),
    ],
)
def test_words_without_a_shared_lemma_do_not_find_each_other(query: str, text: str) -> None:
    assert not _finds(query, text)


def test_query_words_give_alternatives_for_an_ambiguous_form() -> None:
    terms = query_words("Иванова")

    assert len(terms) == 1
    assert "иванов" in terms[0]
    assert "иваново" in terms[0]


def test_query_words_keep_the_order_of_the_query_and_drop_repeats() -> None:
    assert [terms[0] for terms in query_words("Итоги выборов, итоги!")] == ["итог", "выборы"]
    assert query_words("в и на было будут") == []


def test_word_lemmas_are_one_words_alternatives_likeliest_first() -> None:
    assert word_lemmas("Зюгановым") == ("зюганов",)
    assert word_lemmas("ВЫБОРОВ")[0] == "выборы"
    assert word_lemmas("на") == ()
    assert word_lemmas("Нур-Султан") == ()  # two words
    assert word_lemmas("") == ()


def test_lemmas_give_one_lemma_per_word_in_text_order() -> None:
    text = "Зюганов встретился с Ивановой в Москве, а на выборах победил Зюганов."

    assert lemmas(text) == [
        "зюганов",
        "встретиться",
        "иванов",
        "москва",
        "выборы",
        "победить",
        "зюганов",
    ]
    assert set(lemmas(text)) <= set(index_words(text).split())


def test_scheme_names_the_analyser_and_its_dictionary() -> None:
    assert scheme().startswith("2/pymorphy3-")
    assert "pymorphy3-dicts-ru-" in scheme()
