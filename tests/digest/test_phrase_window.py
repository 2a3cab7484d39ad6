"""A pass of many followed phrases indexes its window once instead of asking the search index
per phrase, and finds the same articles: in any form, in the headline or lead, above the
cursor, up to the pass's last id, recent, without excluded words.

Each test runs on each backend; the threshold of searches is set low through the planner's
and ``NewArticles``' own argument.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digest.fresh import NewArticles
from bot.digest.planner import Planner
from bot.follows import parse_follow
from bot.storage import Storage
from tests.digest.test_follows import EVE, NINE, counting, follow, with_body
from tests.digest.test_planner import (
    POLITICS,
    article,
    chat_with,
    sent_texts,
    settings_for,
    titles,
)

ALWAYS = 0  # the window is indexed at the first search
NEVER = 1_000_000  # every phrase asks the search index
EARLY = datetime(2026, 2, 20, tzinfo=UTC)  # before every digest's window of recent news

NEWS = [
    article("Заявление Бакаева о бюджете"),
    article("Аким открыл школу", brief="Школу открыл аким Бакаев."),  # in the lead
    with_body(article("Бюджет принят"), "Бюджет одобрил Бакаев."),  # in the body only
    article("Референдум в Армении"),
    article("Референдум в Казахстане", rubric="Политика"),
    with_body(article("Референдум назначен"), "Эксперты из Армении следят."),
    article("Бюджет Астаны принят", brief="Маслихат Астаны утвердил бюджет."),
    article("Бюджет страны"),
    replace(article("Давний бюджет Астаны"), published=EARLY),  # outside the window of news
    article("Астана готовится к зиме"),
    article("Бакаевы в Астане", brief="Семья Бакаевых приехала в столицу."),
    article("Погода на выходные"),
]
# What some phrases find among them, newest first.
BAKAEV = ["Бакаевы в Астане", "Аким открыл школу", "Заявление Бакаева о бюджете"]
BUDGET = ["Бюджет страны", "Бюджет Астаны принят", "Бюджет принят", "Заявление Бакаева о бюджете"]
PHRASES = ["Бакаев", "референдум -Армения", "бюджет Астана", "столица", "погода"]


async def ids_by_title(storage: Storage) -> dict[str, int]:
    page = await storage.articles.latest(limit=100)
    return {a.title: a.id for a in page.articles if a.id is not None}


async def test_both_indexes_plan_the_same_digests(
    storage: Storage, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat_with(storage, 1)
    await chat_with(storage, 2, POLITICS)
    await chat_with(storage, 3)
    for chat_id, phrases in ((1, PHRASES), (2, PHRASES[:2]), (3, PHRASES[2:])):
        for phrase in phrases:
            await follow(storage, chat_id, phrase)
    await storage.articles.upsert_many(NEWS)
    ids = await ids_by_title(storage)
    sql = "UPDATE chats SET digest_cursor = $1 WHERE id = $2"
    await storage.db.execute(sql, ids["Референдум назначен"], 3)  # read its older news
    searches = counting(storage, monkeypatch)

    def preview(window_after: int, chat_id: int) -> Any:
        planner = Planner(storage, settings_for(db_path), window_after=window_after)
        return planner.preview(chat_id, NINE)

    for chat_id in (1, 2, 3):
        by_window = await preview(ALWAYS, chat_id)
        assert searches == []
        by_search = await preview(NEVER, chat_id)
        assert searches
        searches.clear()
        assert by_window.messages == by_search.messages
        assert by_window.digest.stories == by_search.digest.stories
    shown = await preview(ALWAYS, 3)
    text = "\n".join(message.text for message in shown.messages)
    assert titles(text) == [
        "Погода на выходные",
        "Бакаевы в Астане",  # «в столицу»
        "Бюджет Астаны принят",
    ]


async def test_the_window_keeps_to_the_cursor_the_last_id_and_recent_news(
    storage: Storage,
) -> None:
    await storage.articles.upsert_many(NEWS)
    ids = await ids_by_title(storage)
    since = NINE - timedelta(days=1)

    async def found(phrase: str, *, cursor: int, upto: int, window_after: int) -> list[str]:
        fresh = NewArticles(storage.articles, window_after=window_after)
        key = parse_follow(phrase).key
        page = await fresh.recent(cursor, [], upto=upto, since=since, cap=100, phrases={"s": key})
        return [a.title for a, _keys in page]

    top = max(ids.values())
    cases = [
        # phrase, cursor, upto, what the digest reads
        ("Бакаев", 0, top, BAKAEV),
        ("Бакаев", ids["Заявление Бакаева о бюджете"], top, BAKAEV[:2]),
        ("Бакаев", 0, ids["Бакаевы в Астане"] - 1, BAKAEV[1:]),
        ("референдум -Армения", 0, top, ["Референдум назначен", "Референдум в Казахстане"]),
        ("Астана бюджет", 0, top, ["Бюджет Астаны принят"]),  # not the early one
        ("бюджет -Астана", ids["Бюджет принят"], top, ["Бюджет страны"]),
        ("бюджет", 0, top, BUDGET),
        ("Бакаев", top, top, []),
    ]
    for phrase, cursor, upto, expected in cases:
        by_window = await found(phrase, cursor=cursor, upto=upto, window_after=ALWAYS)
        by_search = await found(phrase, cursor=cursor, upto=upto, window_after=NEVER)
        assert (phrase, cursor, upto, by_window) == (phrase, cursor, upto, expected)
        assert by_search == by_window


async def test_a_pass_indexes_its_window_past_the_threshold_and_only_within_it(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await storage.articles.upsert_many(NEWS)
    ids = await ids_by_title(storage)
    top = max(ids.values())
    searches = counting(storage, monkeypatch)
    fresh = NewArticles(storage.articles, window_after=2, backlog=5)
    since = NINE - timedelta(days=1)

    async def found(phrase: str, cursor: int) -> list[str]:
        key = parse_follow(phrase).key
        page = await fresh.recent(cursor, [], upto=top, since=since, cap=100, phrases={"s": key})
        return [a.title for a, _keys in page]

    assert await found("Бакаев", top - 5) == ["Бакаевы в Астане"]
    assert await found("Астана", top - 5) == ["Бакаевы в Астане", "Астана готовится к зиме"]
    assert len(searches) == 2  # the threshold: the window is read at the next one
    assert await found("столица", top - 5) == ["Бакаевы в Астане"]
    assert await found("Бакаев", top - 3) == ["Бакаевы в Астане"]
    assert len(searches) == 2
    # A cursor below the window (five ids) goes to the search index again.
    assert await found("Бакаев", 0) == BAKAEV
    assert len(searches) == 3


async def test_a_scheduled_pass_on_the_window_sends_what_the_phrases_find(
    storage: Storage, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for chat_id in (11, 12):
        await chat_with(storage, chat_id)
    await follow(storage, 11, "Бакаев")
    await follow(storage, 12, "референдум -Армения")
    await storage.articles.upsert_many(NEWS)
    searches = counting(storage, monkeypatch)
    planner = Planner(storage, settings_for(db_path), window_after=ALWAYS)
    await planner.run_due(EVE)
    await planner.run_due(NINE)
    assert searches == []
    [first] = await sent_texts(storage, 11)
    assert titles(first) == BAKAEV
    [second] = await sent_texts(storage, 12)
    assert titles(second) == ["Референдум назначен", "Референдум в Казахстане"]
