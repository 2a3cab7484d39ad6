"""Rendering items as Telegram HTML, and splitting to the 4096-character limit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.models import Article
from bot.render import (
    MESSAGE_LIMIT,
    escape,
    html_len,
    render_item,
    safe_url,
    split_messages,
    split_text,
    tg_len,
)
from tests.botapi.html import parse_html, utf16_len


def make(**fields: object) -> Article:
    values: dict[str, object] = {
        "title": "Сенат принял закон",
        "published": datetime(2026, 3, 12, tzinfo=UTC),
        "lead": "Лид.",
        "brief": "Сенат принял закон о выборах.",
        "rubric": "Политика",
        "tags": ("Референдум-2026",),
        "url": "https://www.zakon.kz/a/1",
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def test_item_has_bold_headline_date_hashtags_summary_and_link() -> None:
    html = render_item(make())
    assert html == (
        "<b>Сенат принял закон</b>\n"
        "<i>2026-03-12 · #Референдум_2026 #Политика</i>\n"
        "Сенат принял закон о выборах.\n"
        '🔗 <a href="https://www.zakon.kz/a/1">zakon.kz</a>'
    )


def test_item_without_url_has_no_link_and_numbering_is_optional() -> None:
    html = render_item(make(url=None, tags=(), rubric=None), number=3)
    assert html == "3. <b>Сенат принял закон</b>\n<i>2026-03-12</i>\nСенат принял закон о выборах."


def test_time_of_day_is_shown_in_the_chat_zone() -> None:
    article = make(published=datetime(2026, 3, 12, 5, 30, tzinfo=UTC), date_only=False)
    assert "2026-03-12 10:30" in render_item(article, tz=ZoneInfo("Asia/Almaty"))
    assert "2026-03-12 05:30 UTC" in render_item(article)


HOSTILE = [
    '<script>alert("x")</script>',
    "Tom & Jerry <b>bold</b>",
    '<a href="https://evil.example">click</a>',
    "&lt; already escaped &amp;",
    "\"quotes\" and 'apostrophes' > <",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_article_text_is_shown_literally(text: str) -> None:
    html = render_item(make(title=text, brief=text, tags=(text,), rubric=text))
    parsed = parse_html(html)  # valid Telegram HTML
    assert text in parsed.text
    links = [e for e in parsed.entities if e["type"] == "text_link"]
    assert [link["url"] for link in links] == ["https://www.zakon.kz/a/1"]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "tg://user?id=1", "ftp://x.kz/a", "https://", "http://a b.kz", ""],
)
def test_only_http_links_are_emitted(url: str) -> None:
    assert safe_url(url) is None
    assert "<a " not in render_item(make(url=url))


def test_quote_in_url_cannot_break_the_attribute() -> None:
    html = render_item(make(url='https://x.kz/?q="><b>x</b>'))
    parsed = parse_html(html)
    assert [e["url"] for e in parsed.entities if e["type"] == "text_link"] == [
        "https://x.kz/?q=%22%3E%3Cb%3Ex%3C/b%3E"
    ] or "text_link" in str(parsed.entities)
    assert "<b>x</b>" not in html


def test_long_title_and_summary_keep_an_item_well_under_a_message() -> None:
    html = render_item(make(title="Слово " * 2000, brief="&<>" * 3000))
    assert html_len(html) < MESSAGE_LIMIT
    assert utf16_len(parse_html(html).text) == html_len(html)


def test_split_messages_packs_parts_and_splits_only_between_them() -> None:
    parts = [f"<b>{i}</b> " + "я" * 1000 for i in range(10)]
    messages = split_messages(parts)
    assert all(tg_len(m) <= MESSAGE_LIMIT for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(parts)
    assert len(messages) == 3  # three parts of ~1010 characters fit, four do not


def test_split_messages_counts_utf16_units() -> None:
    parts = ["😀" * 1500, "😀" * 1500]  # 3000 UTF-16 units each
    assert split_messages(parts) == parts


def test_split_messages_counts_the_text_telegram_sees_not_the_markup() -> None:
    parts = ["<b>" + escape("&" * 2000) + "</b>", escape("<" * 2000)]
    assert split_messages(parts) == ["\n\n".join(parts)]


def test_a_part_over_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        split_messages(["x" * 5000])


def test_split_text_prefers_paragraphs_then_sentences_then_words() -> None:
    paragraphs = ["Первый абзац. " * 20, "Второй абзац. " * 20]
    assert split_text("\n\n".join(paragraphs), 400) == [p.strip() for p in paragraphs]
    sentences = split_text("Одно предложение здесь. " * 40, 100)
    assert all(len(s) <= 100 for s in sentences)
    assert all(s.endswith(".") for s in sentences)
    words = split_text("слово " * 100, 50)
    assert all(len(w) <= 50 for w in words)
    assert not any(w.startswith(" ") for w in words)
    assert " ".join(words) == ("слово " * 100).strip()


def test_split_text_cuts_inside_a_word_only_when_it_must() -> None:
    assert split_text("а" * 25, 10) == ["а" * 10, "а" * 10, "а" * 5]


def test_split_text_can_measure_the_escaped_length() -> None:
    chunks = split_text("&&&& " * 500, 100, measure=lambda s: tg_len(escape(s)))
    assert all(tg_len(escape(c)) <= 100 for c in chunks)
    assert " ".join(chunks) == ("&&&& " * 500).strip()
