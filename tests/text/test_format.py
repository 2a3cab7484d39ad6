"""The article text format: header, rubric, headline and the ways real files vary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import ArticleFormatError
from bot.models import LATEST_YEAR
from bot.text import build_article, parse_article
from tests.text.samples import LEAD, TITLE, article_text


def test_header_gives_date_at_midnight_utc_and_hashtags_as_written() -> None:
    article = parse_article(article_text(tags=("Выборы-2024", "ТаблицаМенделеева")), "a.txt")

    assert article.published == datetime(2024, 5, 6, tzinfo=UTC)
    assert article.date_only is True
    assert article.date == "2024-05-06"
    assert article.tags == ("Выборы-2024", "ТаблицаМенделеева")
    assert article.rubric == "Политика"
    assert article.title == TITLE
    assert article.lead == LEAD
    assert article.source == "a.txt"
    assert article.url is None


def test_source_defaults_to_stdin() -> None:
    assert parse_article(article_text()).source == "<stdin>"


@pytest.mark.parametrize(
    ("name", "transform"),
    [
        ("crlf", lambda text: text.replace("\n", "\r\n")),
        ("old mac line ends", lambda text: text.replace("\n", "\r")),
        ("bom", lambda text: "\ufeff" + text),
        ("leading spaces", lambda text: "\n".join("  " + line for line in text.split("\n"))),
        ("tabs", lambda text: "\n".join("\t" + line for line in text.split("\n"))),
        ("extra blank lines", lambda text: text.replace("\n\n", "\n\n\n\n")),
        ("blank lines before the date", lambda text: "\n\n" + text),
        ("no final newline", lambda text: text.rstrip("\n")),
        ("date word in capitals", lambda text: text.replace(" date", "DATE", 1)),
    ],
)
def test_layout_variations_parse_the_same(name: str, transform: object) -> None:
    assert callable(transform)
    article = parse_article(transform(article_text()), "a.txt")

    assert (article.date, article.rubric, article.title, article.lead) == (
        "2024-05-06",
        "Политика",
        TITLE,
        LEAD,
    ), name
    assert article.tags == ("Выборы-2024",)


def test_bytes_in_utf8_with_bom_are_decoded() -> None:
    article = parse_article(b"\xef\xbb\xbf" + article_text().encode("utf-8"), "a.txt")

    assert article.title == TITLE


def test_bytes_in_utf16_with_bom_are_decoded() -> None:
    article = parse_article(article_text().encode("utf-16"), "a.txt")

    assert article.title == TITLE


def test_missing_hashtags_give_no_tags() -> None:
    article = parse_article(article_text(tags=()), "a.txt")

    assert article.tags == ()
    assert article.rubric == "Политика"


def test_duplicate_hashtags_keep_the_first_spelling() -> None:
    article = parse_article(article_text(tags=("Выборы-2024", "выборы_2024", "Сенат")), "a.txt")

    assert article.tags == ("Выборы-2024", "Сенат")


def test_hashtags_glued_or_followed_by_commas_are_split() -> None:
    text = article_text(tags=()).replace(" date 2024-05-06", " date 2024-05-06 #Сенат,#Выборы;")
    assert parse_article(text).tags == ("Сенат", "Выборы")


def test_hashtag_line_under_the_date_adds_tags_and_rubric_follows() -> None:
    text = article_text(tags=()).replace("\nПолитика\n", "\n#Сенат #Выборы\nПолитика\n", 1)
    article = parse_article(text)

    assert article.tags == ("Сенат", "Выборы")
    assert article.rubric == "Политика"
    assert article.title == TITLE


def test_hashtag_line_under_the_rubric_adds_tags() -> None:
    text = article_text(tags=()).replace("\nПолитика\n", "\nПолитика\n#Сенат #Выборы\n", 1)
    article = parse_article(text)

    assert article.tags == ("Сенат", "Выборы")
    assert article.rubric == "Политика"
    assert article.title == TITLE


def test_blank_second_line_means_no_rubric() -> None:
    article = parse_article(article_text(rubric=None), "a.txt")

    assert article.rubric is None
    assert article.title == TITLE
    assert article.lead == LEAD


def test_headline_directly_under_the_date_means_no_rubric() -> None:
    text = f" date 2024-05-06 #Выборы\n{TITLE}\n\n{LEAD}\n\nВторой абзац.\n"
    article = parse_article(text)

    assert article.rubric is None
    assert article.title == TITLE
    assert article.lead == LEAD


def test_short_headline_directly_under_the_date_is_not_taken_for_a_rubric() -> None:
    text = f" date 2024-05-06\nЧтобы помнили\n\n{LEAD}\n"
    article = parse_article(text)

    assert article.rubric is None
    assert article.title == "Чтобы помнили"
    assert article.lead == LEAD


def test_short_headline_above_a_caption_is_not_taken_for_a_rubric() -> None:
    text = f" date 2024-05-06\nЧтобы помнили\n\nФото: Reuters\n{LEAD}\n"
    article = parse_article(text)

    assert article.rubric is None
    assert article.title == "Чтобы помнили"


def test_short_headline_is_the_headline_when_a_rubric_is_above_it() -> None:
    article = parse_article(article_text(rubric="В мире", title="Чтобы помнили"))

    assert article.rubric == "В мире"
    assert article.title == "Чтобы помнили"


def test_headline_with_two_sentences_stays_whole() -> None:
    title = "Кандидата арестовали на 15 суток. Она только что отсидела 10"
    article = parse_article(article_text(title=title))

    assert article.title == title
    assert article.rubric == "Политика"


def test_rubric_separated_by_an_extra_blank_line_is_still_found() -> None:
    text = f" date 2024-05-06\n\nЭкономика\n\n{TITLE}\n\n{LEAD}\n"
    article = parse_article(text)

    assert article.rubric == "Экономика"
    assert article.title == TITLE


def test_lowercase_file_parses_with_lowercase_parts() -> None:
    text = article_text(
        body=("москва, 6 мая — риа новости. " + LEAD.lower() + " депутаты были против.",)
    ).lower()
    article = parse_article(text)

    assert article.rubric == "политика"
    assert article.title == TITLE.lower()
    assert article.tags == ("выборы-2024",)
    assert article.lead == LEAD.lower()


def test_dotted_date_is_accepted() -> None:
    article = parse_article(article_text(date="06.05.2024"))

    assert article.date == "2024-05-06"


def test_headline_only_article_has_empty_lead_and_brief() -> None:
    article = parse_article(f" date 2024-05-06\nПолитика\n\n{TITLE}\n")

    assert article.title == TITLE
    assert article.rubric is None or article.rubric == "Политика"
    assert (article.lead, article.brief, article.body) == ("", "", ())


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "empty"),
        ("   \n\t\n", 1, "empty"),
        ("Парламент принял закон\n\nТекст.\n", 1, "date"),
        (" date\nПолитика\n\nЗаголовок\n", 1, "no date"),
        (" date 2024-13-01\nПолитика\n\nЗаголовок\n", 1, "bad date"),
        (" date 2024-02-30\nПолитика\n\nЗаголовок\n", 1, "bad date"),
        (" date вчера\nПолитика\n\nЗаголовок\n", 1, "bad date"),
        ("\n\n date 20240506\nПолитика\n\nЗаголовок\n", 3, "bad date"),
        (" date 2024-05-06 #Выборы\n", 2, "headline"),
        (" date 2024-05-06\n\n\n", 4, "headline"),
        (" date 2024-05-06\n\n«—»\n\nТекст.\n", 3, "headline"),
        ("text\x00with\x00nul", 1, "binary"),
        (
            " date 2024-05-06\nПолитика\n\n\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12",
            4,
            "binary",
        ),
    ],
)
def test_non_articles_raise_format_error_naming_file_and_line(
    text: str, line: int, reason: str
) -> None:
    with pytest.raises(ArticleFormatError) as caught:
        parse_article(text, "inbox/bad.txt")

    assert caught.value.source == "inbox/bad.txt"
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"inbox/bad.txt:{line}: ")


def test_undecodable_bytes_raise_format_error_on_their_line() -> None:
    data = article_text().encode("utf-8").replace("Документ".encode(), b"\xff\xfe\xfd")

    with pytest.raises(ArticleFormatError) as caught:
        parse_article(data, "bad.txt")

    assert caught.value.line == 8
    assert "UTF-8" in caught.value.reason


def test_binary_file_raises_format_error() -> None:
    with pytest.raises(ArticleFormatError, match="binary"):
        parse_article(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.png")


def test_summary_length_is_configurable() -> None:
    body = ("Первое предложение довольно длинное. Второе тоже. Третье.",)
    article = parse_article(article_text(body=body), summary_chars=40)

    assert article.brief == "Первое предложение довольно длинное. …"
    assert article.lead == "Первое предложение довольно длинное."


BIDI_CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda char: f"U+{ord(char):04X}")
def test_bidi_controls_are_removed_from_every_part(control: str) -> None:
    text = article_text(
        tags=(f"Выбо{control}ры",),
        rubric=f"{control}Политика",
        title=f"Парламент{control} принял закон о местных выборах",
        body=(f"{control}Парламент принял закон о местных выборах в первом чтении.{control}",),
    )
    article = parse_article(text)

    assert (article.title, article.rubric, article.tags, article.lead) == (
        TITLE,
        "Политика",
        ("Выборы",),
        LEAD,
    )
    assert control not in "".join(article.body)


def test_bidi_override_is_removed_from_articles_of_other_sources() -> None:
    article = build_article(
        "Отчёт \u202eтxt.exe\u202c готов",
        ["Текст \u2067отчёта\u2069 опубликован."],
        published=datetime(2024, 5, 6, tzinfo=UTC),
        date_only=False,
        author="\u200fИван Петров",
    )

    assert article.title == "Отчёт тxt.exe готов"
    assert article.lead == "Текст отчёта опубликован."
    assert article.author == "Иван Петров"


@pytest.mark.parametrize(
    "text",
    [
        " date 2024-05-06 #Выборы\nПолитика\n",
        " date 2024-05-06 #Выборы\nПолитика",
        " date 2024-05-06 #Выборы\r\nПолитика\r\n\r\n\r\n",
        " date 2024-05-06\n#Выборы #Сенат\nПолитика\n\n",
        "\ufeff date 2024-05-06\nВ мире\n",
    ],
)
def test_a_header_with_only_a_rubric_is_refused(text: str) -> None:
    with pytest.raises(ArticleFormatError) as caught:
        parse_article(text, "inbox/empty.txt")

    rubric_line = 3 if "#Сенат" in text else 2
    assert str(caught.value).startswith(f"inbox/empty.txt:{rubric_line}: ")
    assert "no headline" in caught.value.reason


def test_a_headline_without_text_under_a_blank_rubric_line_is_still_an_article() -> None:
    article = parse_article(f" date 2024-05-06\n\n{TITLE}\n")

    assert (article.rubric, article.title, article.body) == (None, TITLE, ())


@pytest.mark.parametrize("day", ["1991-12-16", "2008-11-21", "2031-05-04", "2199-12-31"])
def test_a_date_is_taken_as_written_up_to_the_last_year_storage_places(day: str) -> None:
    # A date ahead of today is stored; lists hold the article back until then (storage).
    assert parse_article(article_text(date=day)).date == day


@pytest.mark.parametrize("day", ["2200-01-01", "9999-12-31"])
def test_a_date_past_the_last_year_is_refused(day: str) -> None:
    with pytest.raises(ArticleFormatError) as caught:
        parse_article(article_text(date=day), "a.txt")

    assert str(caught.value) == (
        f"a.txt:1: date {day} is out of range (the last year accepted is {LATEST_YEAR})"
    )
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)

    assert parse_article(article_text(date=tomorrow.isoformat())).date == tomorrow.isoformat()
