"""Feed items → articles, on real-world shapes of RSS 2.0 and Atom feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.models import Article
from bot.sources.dates import entry_date
from bot.sources.feeds import NotAFeedError, ParsedFeed, parse_feed
from tests.sources.conftest import fixture

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
KZ_URL = "https://stepnews.example.kz/rss/all.xml"
BUDGET = "Маслихат Алматы утвердил бюджет на «три года»"


def parse(name: str, url: str, **kwargs: Any) -> ParsedFeed:
    return parse_feed(fixture(name), url, zone=ALMATY, now=NOW, **kwargs)


def by_title(feed: ParsedFeed) -> dict[str, Article]:
    return {a.title: a for a in feed.articles}


def test_rss_feed_title_and_ttl() -> None:
    feed = parse("rss_kz.xml", KZ_URL)
    assert feed.title == "Степные новости — главное"
    assert feed.ttl_s == 20 * 60
    assert feed.items == 4
    assert len(feed.articles) == 3


def test_rss_item_becomes_a_full_article() -> None:
    article = by_title(parse("rss_kz.xml", KZ_URL))[BUDGET]
    # A relative link is resolved against the feed's address.
    assert article.url == "https://stepnews.example.kz/news/2026/03/03/budget-almaty.html"
    # 12:53 at +05:00 is stored as 07:53 UTC, with its time of day.
    assert article.published == datetime(2026, 3, 3, 7, 53, tzinfo=UTC)
    assert not article.date_only
    assert article.date == "2026-03-03T07:53:00+00:00"
    # The first category is the rubric, the others are tags (a leading '#' dropped).
    assert article.rubric == "Экономика"
    assert article.tags == ("Алматы", "Бюджет-2026")
    assert article.author == "Айгерим Сапарова"
    assert article.source == KZ_URL


def test_content_encoded_is_cleaned_into_paragraphs() -> None:
    article = by_title(parse("rss_kz.xml", KZ_URL))[BUDGET]
    text = "\n".join(article.body)
    # The dateline is cleaned off the lead, as in the text format.
    assert article.lead.startswith("Депутаты городского маслихата утвердили бюджет")
    assert "KAZINFORM" not in article.lead
    assert "2026–2028 годы" in article.lead  # &ndash; and &nbsp; decoded
    assert "«Главный приоритет — социальные расходы», – сказал председатель комиссии." in text
    # A <br> inside a sentence is a space, list items are paragraphs.
    assert "Расходы на образование вырастут на 12 процентов." in article.body
    assert "новые школы — 14;" in article.body
    # Captions, scripts and styles are not the article's text.
    for noise in ("Фото", "window.ads", "color:red"):
        assert noise not in text
    assert article.summary.startswith(article.title + "\n")


def test_escaped_html_outside_cdata() -> None:
    article = by_title(parse("rss_kz.xml", KZ_URL))["Снег закрыл трассу Алматы – Бишкек"]
    assert article.body == (
        "Движение на участке трассы закрыто из-за снегопада, сообщили в «КазАвтоЖол».",
        "Открыть дорогу обещают к вечеру.",
    )
    assert article.published == datetime(2026, 3, 3, 3, 15, tzinfo=UTC)  # +06:00
    assert article.rubric == "Происшествия"
    assert article.tags == ()


def test_yandex_full_text_is_preferred_and_a_missing_date_takes_the_feeds() -> None:
    article = by_title(parse("rss_kz.xml", KZ_URL))["В Астане открыли новый парк"]
    assert article.body == (
        "Новый парк площадью 12 гектаров открылся в левобережной части столицы.",
        "В парке высадили три тысячи деревьев — клёны, липы и сосны.",
        "Вход свободный.",
    )
    # No <pubDate>: the channel's lastBuildDate (14:10 +05:00).
    assert article.published == datetime(2026, 3, 3, 9, 10, tzinfo=UTC)


def test_item_without_link_is_left_out_with_a_reason() -> None:
    feed = parse("rss_kz.xml", KZ_URL)
    assert "Без ссылки" not in by_title(feed)
    assert any("Без ссылки" in reason and "no link" in reason for reason in feed.skipped)


def test_feed_rubric_and_tags_come_first() -> None:
    feed = parse("rss_kz.xml", KZ_URL, rubric="Казахстан", tags=("Степь", "алматы"))
    article = by_title(feed)[BUDGET]
    assert article.rubric == "Казахстан"
    # The category "Алматы" is the feed's tag "алматы" by key, so it appears once.
    assert article.tags == ("Степь", "алматы", "Экономика", "Бюджет-2026")


def test_html_entities_outside_cdata_in_a_not_quite_xml_feed() -> None:
    feed = parse("rss_ru_entities.xml", "https://vecher.example.ru/export/rss2/index.xml")
    articles = by_title(feed)
    law = articles["Госдума приняла закон о «цифровом рубле»"]
    assert law.body == ("Закон принят в третьем чтении — за него проголосовали 380 депутатов.",)
    assert law.published == datetime(2026, 3, 4, 13, 40, tzinfo=UTC)
    assert law.rubric == "Политика"
    rouble = articles["Курс рубля на «Мосбирже»"]
    assert rouble.body == (
        "Курс доллара на открытии торгов опустился ниже 88 рублей — впервые с января.",
    )
    # A date without a zone is read in the default zone (Asia/Almaty, +05:00).
    assert rouble.published == datetime(2026, 3, 4, 5, 0, tzinfo=UTC)


def test_atom_feed() -> None:
    feed = parse("atom_ru.xml", "https://sibir.example.ru/feed.atom")
    assert feed.title == "Сибирь сегодня"
    assert feed.ttl_s is None
    articles = by_title(feed)
    ice = articles["Ледоход на Оби начался на «две недели» раньше"]
    assert ice.url == "https://sibir.example.ru/news/7001-ledokhod"
    assert ice.published == datetime(2026, 3, 5, 0, 45, tzinfo=UTC)
    assert ice.author == "Павел Кедров"
    assert (ice.rubric, ice.tags) == ("Природа", ("Новосибирск",))
    # The full content wins over the short summary.
    assert "Ледоход на Оби в черте города" in ice.body[0]
    assert ice.body[1] == "Уровень воды поднялся на 40 сантиметров — это в пределах нормы."
    metro = articles["Метро откроет две станции"]
    assert metro.url == "https://sibir.example.ru/news/7002-metro"  # xml:base + relative href
    assert metro.body == (
        "Две новые станции метро откроются летом.",
        "Строители закончили отделку.",
    )
    assert metro.published == datetime(2026, 3, 5, 1, 30, tzinfo=UTC)  # the feed's <updated>


def test_broken_feed_keeps_the_whole_items_only() -> None:
    feed = parse("broken.xml", "https://obryv.example.kz/rss")
    assert [a.title for a in feed.articles] == ["Целое сообщение"]
    assert any("cut off" in reason for reason in feed.skipped)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "page.html",
            "web page, not a feed; the page names a feed: https://stepnews.example.kz/rss/all.xml",
        ),
        ("garbage.bin", "not an RSS or Atom feed"),
    ],
)
def test_not_a_feed_gets_a_clear_message(name: str, message: str) -> None:
    with pytest.raises(NotAFeedError) as caught:
        parse(name, "https://stepnews.example.kz/")
    assert message in str(caught.value)


def test_empty_answer_is_not_a_feed() -> None:
    with pytest.raises(NotAFeedError, match="empty"):
        parse_feed(b"  \n", "https://stepnews.example.kz/rss")


def test_known_items_are_not_built_again() -> None:
    first = parse("rss_kz.xml", KZ_URL)
    again = parse("rss_kz.xml", KZ_URL, known=first.fingerprints)
    assert again.articles == []
    assert again.fingerprints == first.fingerprints
    changed = fixture("rss_kz.xml").replace("Вход свободный.".encode(), "Вход платный.".encode())
    third = parse_feed(changed, KZ_URL, zone=ALMATY, now=NOW, known=first.fingerprints)
    assert [a.title for a in third.articles] == ["В Астане открыли новый парк"]


@pytest.mark.parametrize(
    ("raw", "expected", "date_only"),
    [
        ("Tue, 03 Mar 2026 12:53:00 +0500", datetime(2026, 3, 3, 7, 53, tzinfo=UTC), False),
        ("Tue, 03 Mar 2026 12:53:00 GMT", datetime(2026, 3, 3, 12, 53, tzinfo=UTC), False),
        ("Tue, 03 Mar 2026 12:53:00", datetime(2026, 3, 3, 7, 53, tzinfo=UTC), False),
        ("2026-03-03T12:53:00+03:00", datetime(2026, 3, 3, 9, 53, tzinfo=UTC), False),
        ("2026-03-03T12:53:00Z", datetime(2026, 3, 3, 12, 53, tzinfo=UTC), False),
        ("2026-03-03", datetime(2026, 3, 3, tzinfo=UTC), True),
        ("2026-13-45", None, False),
        ("вчера", None, False),
        # Dates that cannot be shown in UTC count as no date.
        ("0001-01-01T00:00:00+14:00", None, False),
        ("9999-12-31T23:59:59-12:00", None, False),
    ],
)
def test_item_dates_are_read_in_their_zone(
    raw: str, expected: datetime | None, date_only: bool
) -> None:
    assert entry_date({"published": raw}, ALMATY) == (expected, date_only)


def item_feed(*items: str, declared: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel>'
        "<title>Лента</title>" + "".join(items) + "</channel></rss>"
    )


def item(title: str, date: str, text: str = "Короткий текст новости.") -> str:
    link = f"https://news.example.kz/{abs(hash(title))}"
    return (
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>"
        f"<description>{text}</description></item>"
    )


@pytest.mark.parametrize("content_type", ["application/rss+xml; charset=utf-8", None])
def test_a_feed_declared_utf8_but_sent_in_cp1251_is_read_right(content_type: str | None) -> None:
    text = item_feed(
        item("Снег закрыл трассу Алматы – Бишкек", "Tue, 03 Mar 2026 09:15:00 +0600"),
        item("В Астане открыли новый парк «Жасыл»", "Tue, 03 Mar 2026 11:00:00 +0600"),
    )
    feed = parse_feed(text.encode("cp1251"), KZ_URL, now=NOW, content_type=content_type)
    assert feed.title == "Лента"
    assert sorted(a.title for a in feed.articles) == [
        "В Астане открыли новый парк «Жасыл»",
        "Снег закрыл трассу Алматы – Бишкек",
    ]
    assert feed.articles[0].lead == "Короткий текст новости."


def test_a_feed_in_its_declared_encoding_is_left_to_feedparser() -> None:
    text = item_feed(
        item("Курс тенге", "Tue, 03 Mar 2026 09:15:00 +0600"), declared="windows-1251"
    )
    [article] = parse_feed(text.encode("cp1251"), KZ_URL, now=NOW).articles
    assert article.title == "Курс тенге"


def test_items_dated_after_the_fetch_are_stored_at_the_fetch() -> None:
    feed = parse_feed(
        item_feed(
            item("Из будущего", "Fri, 31 Dec 9999 23:59:59 +0000"),
            item("Через час", "Fri, 06 Mar 2026 13:00:00 +0000"),
            item("Завтрашний день", "2026-03-07"),  # a local day may run ahead of UTC
            item("Послезавтра", "2026-03-08"),
            item("Только что", "Fri, 06 Mar 2026 11:59:00 +0000"),
        ).encode(),
        KZ_URL,
        now=NOW,
    )
    dates = {a.title: (a.published, a.date_only) for a in feed.articles}
    assert dates == {
        "Из будущего": (NOW, False),
        "Через час": (NOW, False),
        "Завтрашний день": (datetime(2026, 3, 7, tzinfo=UTC), True),
        "Послезавтра": (NOW, False),
        "Только что": (datetime(2026, 3, 6, 11, 59, tzinfo=UTC), False),
    }


def test_an_item_over_the_size_limit_is_left_out_with_a_reason() -> None:
    feed = parse_feed(
        item_feed(
            item("Огромная", "Tue, 03 Mar 2026 09:15:00 +0600", "Абзац текста. " * 1000),
            item("Обычная", "Tue, 03 Mar 2026 09:15:00 +0600"),
        ).encode(),
        KZ_URL,
        now=NOW,
        max_article_bytes=8192,
    )
    assert [a.title for a in feed.articles] == ["Обычная"]
    [reason] = feed.skipped
    assert reason.endswith("larger than the 8 KiB limit of an article (MAX_ARTICLE_BYTES)")
