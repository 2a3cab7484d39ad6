"""Inline mode: ``@bot words`` offers what ``/search`` finds, paged, cached, throttled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.handlers.inline import CACHE_SECONDS, PAGE
from bot.storage import Storage
from tests.bot.conftest import Call, Tg, article, only, sent
from tests.botapi.html import parse_html, utf16_len


def results(call: Call) -> list[dict[str, Any]]:
    found = call.json("results")
    assert isinstance(found, list)
    return found


def check_result(result: dict[str, Any]) -> str:
    """A result as Telegram would take it; the visible text of the message it sends."""
    assert result["type"] == "article"
    assert 1 <= len(result["id"].encode()) <= 64
    assert result["title"]
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text = parse_html(content["message_text"]).text  # raises on what Telegram refuses
    assert 0 < utf16_len(text) <= 4096
    return text


@pytest.fixture
async def news(store: Storage) -> list[int]:
    """Thirty articles on elections (oldest first) and one on football; the elections' ids."""
    stored = [
        article(f"Выборы в регионе {n}", tags=("Выборы",), brief=f"Явка <{n}> & итоги.")
        for n in range(30)
    ]
    await store.articles.upsert_many([*stored, article("Футбол", tags=("Спорт",))])
    page = await store.articles.search("выборы", limit=100)
    return [a.id for a in page.articles if a.id is not None]


async def test_a_query_offers_what_search_finds_newest_first_paged(
    tg: Tg, news: list[int]
) -> None:
    first = only(await tg.inline("выборов"), "answerInlineQuery")  # another word form
    shown = results(first)
    assert [int(r["id"]) for r in shown] == news[:PAGE]
    text = check_result(shown[0])
    assert text.startswith("Выборы в регионе 29\n")
    assert "Явка <29> & итоги." in text
    assert "example.kz" in text
    assert shown[0]["url"].startswith("https://example.kz/news/")
    assert int(first.params["cache_time"]) == CACHE_SECONDS
    offset = first.params["next_offset"]
    assert 0 < len(offset.encode()) <= 64
    second = only(await tg.inline("выборов", offset=offset), "answerInlineQuery")
    assert [int(r["id"]) for r in results(second)] == news[PAGE:]
    assert "next_offset" not in second.params  # the end: Telegram asks no more


async def test_an_empty_query_offers_the_newest_items(tg: Tg, news: list[int]) -> None:
    shown = results(only(await tg.inline(""), "answerInlineQuery"))
    assert [r["title"] for r in shown[:2]] == ["Футбол", "Выборы в регионе 29"]
    for result in shown:
        check_result(result)


async def test_a_query_of_a_thousand_characters_is_cut_and_answered(
    tg: Tg, news: list[int]
) -> None:
    query = ("выборы " * 150)[:1000]
    answer = only(await tg.inline(query), "answerInlineQuery")
    assert [int(r["id"]) for r in results(answer)] == news[:PAGE]
    nothing = only(await tg.inline("щ" * 1000), "answerInlineQuery")
    assert results(nothing) == []


async def test_a_forged_offset_gets_no_results_and_no_error(tg: Tg, news: list[int]) -> None:
    for offset in ("garbage", "x" * 500, "-1.-1"):
        answer = only(await tg.inline("выборы", offset=offset), "answerInlineQuery")
        assert results(answer) == []
        assert "next_offset" not in answer.params


async def test_the_same_query_is_answered_from_the_cache_briefly(
    tg: Tg, store: Storage, news: list[int]
) -> None:
    before = results(only(await tg.inline("Выборы"), "answerInlineQuery"))
    await store.articles.upsert_many([article("Выборы: новость позже", tags=("Выборы",))])
    again = results(only(await tg.inline("  выборы "), "answerInlineQuery"))
    assert again == before  # the same words, kept for CACHE_SECONDS
    other = results(only(await tg.inline("выборы новость"), "answerInlineQuery"))
    assert [r["title"] for r in other] == ["Выборы: новость позже"]


async def test_a_flood_of_queries_is_throttled_like_search(throttled: Tg, news: list[int]) -> None:
    answers = [only(await throttled.inline(f"выборы {n}"), "answerInlineQuery") for n in range(7)]
    assert all(results(a) for a in answers[:5])  # a burst of five
    for refused in answers[5:]:
        assert results(refused) == []
        assert refused.params["is_personal"] == "true"
        assert refused.params["cache_time"] == "0"  # Telegram keeps nothing
    # The user's private chat shares the budget: /search waits its turn too.
    assert sent(await throttled.send("/search выборы")) == []


async def test_an_empty_query_offers_todays_biggest_story_first(tg: Tg, store: Storage) -> None:
    now = datetime.now(UTC)
    told = []
    for n, outlet in enumerate(("Zakon.kz", "Kazinform", "Tengrinews")):
        item = article(f"МИД ответил на заявление, версия {n}", tags=("Политика",))
        item.published, item.outlet = now - timedelta(hours=3 - n), outlet
        told.append(item)
    await store.articles.upsert_many(told[:1])
    first = (await store.articles.latest(limit=1)).articles[0]
    for item in told[1:]:
        item.story = first.id
    fresh = article("Свежая заметка одного издания", tags=("Спорт",))
    fresh.published = now - timedelta(minutes=5)
    await store.articles.upsert_many([*told[1:], fresh])

    shown = results(only(await tg.inline(""), "answerInlineQuery"))
    assert [r["title"] for r in shown] == [first.title, "Свежая заметка одного издания"]
    assert "next_offset" not in only(await tg.inline(""), "answerInlineQuery").params
