"""Properties that hold for any input: the parser fails only in its documented way."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.errors import ArticleFormatError
from bot.models import Article
from bot.text import parse_article, shorten, split_tags, summarize, tag_key, telegram_hashtag
from bot.text.summary import ELLIPSIS
from tests.text.samples import article_text

WORDS = st.sampled_from(
    [
        "МОСКВА,",
        "31",
        "янв",
        "–",
        "РИА",
        "Новости.",
        "передает",
        "корреспондент",
        "Zakon.kz.",
        "сообщает",
        "Фото:",
        "Reuters",
        "заявил,",
        "что",
        "«Тосно»",
        "г.",
        "т.е.",
        "А.",
        "Петров",
        "#Выборы-2019",
        "(Reuters)",
        "/ТАСС/.",
        "…",
        "?",
        "date",
        "2024-05-06",
        "\n",
        "\n\n",
        "\r\n",
    ]
)
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8)
ARTICLE_LIKE = st.lists(st.one_of(WORDS, PRINTABLE), max_size=60).map(" ".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parses_or_rejects(text: str | bytes) -> None:
    failure: ArticleFormatError | None = None
    try:
        article = parse_article(text, "prop.txt")
    except ArticleFormatError as error:
        failure = error
    if failure is not None:
        assert failure.source == "prop.txt"
        assert failure.line >= 1
        assert str(failure).startswith(f"prop.txt:{failure.line}: ")
        return
    assert isinstance(article, Article)
    assert article.title.strip()
    assert len(article.brief) <= 300
    assert article.published.tzinfo is not None


@SETTINGS
@given(st.text())
@example("")
@example("\ufeff")
@example(" date 2024-05-06\n\n\n")
@example(" date 9999-12-31\nX\n\nY\n")
def test_any_text_gives_an_article_or_a_format_error(text: str) -> None:
    _parses_or_rejects(text)


@SETTINGS
@given(st.binary())
@example(b"\xff\xfe")
@example(b"\xfe\xff\x00")
def test_any_bytes_give_an_article_or_a_format_error(data: bytes) -> None:
    _parses_or_rejects(data)


@SETTINGS
@given(ARTICLE_LIKE)
def test_article_like_noise_after_a_valid_header_parses(body: str) -> None:
    text = " date 2024-05-06 #Тег\nПолитика\n\nЗаголовок статьи\n\n" + body
    article = parse_article(text, "prop.txt")

    assert article.title == "Заголовок статьи"
    assert article.date == "2024-05-06"


@SETTINGS
@given(st.lists(ARTICLE_LIKE, max_size=6), st.integers(min_value=1, max_value=400))
def test_brief_never_exceeds_the_limit(paragraphs: list[str], limit: int) -> None:
    text = article_text(body=[p for p in paragraphs if p.strip()] or ["Текст."])
    try:
        article = parse_article(text, summary_chars=limit)
    except ArticleFormatError:
        return
    assert len(article.brief) <= limit


@SETTINGS
@given(st.text(), st.integers(min_value=0, max_value=300))
def test_summarize_fits_and_starts_at_the_lead(paragraph: str, limit: int) -> None:
    lead, brief = summarize(paragraph, limit)

    assert len(brief) <= max(limit, 0)
    if lead and brief and not brief.endswith(ELLIPSIS):
        assert brief.startswith(lead)


@SETTINGS
@given(st.text(), st.integers(min_value=1, max_value=200))
def test_shorten_fits_and_keeps_whole_words(text: str, limit: int) -> None:
    result = shorten(text, limit)
    words = text.split()

    assert len(result) <= limit
    kept = result.removesuffix(ELLIPSIS).split()
    # Every kept word is a word of the text, except the last one may have lost punctuation.
    assert all(word in words for word in kept[:-1])
    if kept:
        assert any(word.startswith(kept[-1]) for word in words)


@SETTINGS
@given(st.text())
def test_tag_key_is_idempotent(text: str) -> None:
    assert tag_key(tag_key(text)) == tag_key(text)


@SETTINGS
@given(st.text())
def test_tag_key_ignores_hash_case_and_separators(text: str) -> None:
    assert tag_key("#" + text.upper()) == tag_key(text.upper())
    assert tag_key(text.replace("-", "_")) == tag_key(text.replace("_", " "))


def _hashtag_char(char: str) -> bool:
    return char == "_" or unicodedata.category(char).startswith("L") or char.isdecimal()


@SETTINGS
@given(st.text())
def test_telegram_hashtag_uses_only_hashtag_characters(text: str) -> None:
    hashtag = telegram_hashtag(text)

    if hashtag:
        assert hashtag.startswith("#")
        assert all(_hashtag_char(char) for char in hashtag[1:])
        assert not hashtag[1:].startswith("_")
        assert not hashtag.endswith("_")
        assert "__" not in hashtag
        assert len(hashtag) <= 257


@SETTINGS
@given(st.text())
def test_split_tags_gives_distinct_valid_keys(text: str) -> None:
    tags = split_tags(text)
    keys = [tag_key(tag) for tag in tags]

    assert len(keys) == len(set(keys))
    assert all(keys)
    assert not any(tag.startswith("#") for tag in tags)
