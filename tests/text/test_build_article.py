"""``build_article`` gives feeds and JSON sources the same cleaning as text files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.errors import ArticleFormatError
from bot.text import build_article

PUBLISHED = datetime(2024, 5, 6, 9, 30, tzinfo=timezone(timedelta(hours=5)))
LEAD = "Парламент принял закон о местных выборах в первом чтении."


def test_feed_item_is_cleaned_like_a_text_file() -> None:
    article = build_article(
        "  Парламент принял закон  ",
        [
            "Фото: Reuters",
            f"АСТАНА. KAZINFORM – {LEAD[:-1]}, передает корреспондент агентства.",
            "Срочная эвакуация: объявлены вывозные рейсы",
            "Документ вступит в силу осенью.",
            "Иван Петров",
        ],
        published=PUBLISHED,
        date_only=False,
        rubric="#Политика",
        tags=["#Выборы-2024", "выборы_2024", "Сенат"],
        url="https://example.kz/news/1",
        source="https://example.kz/rss",
    )

    assert article.title == "Парламент принял закон"
    assert article.lead == LEAD
    assert article.brief == LEAD
    assert article.body == (
        f"АСТАНА. KAZINFORM – {LEAD[:-1]}, передает корреспондент агентства.",
        "Документ вступит в силу осенью.",
    )
    assert article.author == "Иван Петров"
    assert article.rubric == "Политика"
    assert article.tags == ("Выборы-2024", "Сенат")
    assert article.url == "https://example.kz/news/1"
    assert article.source == "https://example.kz/rss"


def test_published_is_converted_to_utc() -> None:
    article = build_article("Заголовок", [LEAD], published=PUBLISHED, date_only=False)

    assert article.published == datetime(2024, 5, 6, 4, 30, tzinfo=UTC)
    assert article.date == "2024-05-06T04:30:00+00:00"


def test_naive_published_is_taken_as_utc() -> None:
    article = build_article("Заголовок", [LEAD], published=datetime(2024, 5, 6), date_only=True)

    assert article.published == datetime(2024, 5, 6, tzinfo=UTC)
    assert article.date == "2024-05-06"


def test_paragraphs_with_line_breaks_are_split() -> None:
    article = build_article(
        "Заголовок", [f"Фото: ТАСС\n{LEAD}\n\nВторой абзац."], published=PUBLISHED, date_only=False
    )

    assert article.body == (LEAD, "Второй абзац.")


def test_known_author_is_kept_and_removed_from_the_body() -> None:
    article = build_article(
        "Заголовок",
        [LEAD, "Анна Ковальчук", "Анна Ковальчук"],
        published=PUBLISHED,
        date_only=False,
        author="Анна Ковальчук",
    )

    assert article.author == "Анна Ковальчук"
    assert article.body == (LEAD,)


def test_item_without_paragraphs_has_empty_lead() -> None:
    article = build_article("Заголовок", [], published=PUBLISHED, date_only=False)

    assert (article.lead, article.brief, article.body) == ("", "", ())


def test_item_without_headline_is_rejected() -> None:
    with pytest.raises(ArticleFormatError) as caught:
        build_article(" — ", [LEAD], published=PUBLISHED, date_only=False, source="feed")

    assert caught.value.source == "feed"
    assert "headline" in caught.value.reason


def test_summary_chars_limits_the_brief() -> None:
    article = build_article(
        "Заголовок",
        [f"{LEAD} Документ вступит в силу осенью."],
        published=PUBLISHED,
        date_only=False,
        summary_chars=len(LEAD) + 5,
    )

    assert article.brief == f"{LEAD} …"
