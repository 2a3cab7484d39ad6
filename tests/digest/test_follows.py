"""Followed phrases in the digest: a section of their own, found in any form, in the planner.

Each test plans real digests on each backend, as the daily run does, and reads the outbox.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.digest.planner import Planner
from bot.follows import mute_key, parse_follow
from bot.models import Article
from bot.storage import Storage
from bot.storage.records import thread_of_options
from tests.digest.test_planner import (
    POLITICS,
    article,
    chat_with,
    sent_texts,
    settings_for,
    titles,
    utc,
)

EVE = utc("2026-03-01T08:00+05:00")  # the planner gives the chats their first due instant
NINE = utc("2026-03-01T09:00+05:00")  # and builds their digests


def counting(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The search index's phrase searches, as they are asked."""
    searches: list[object] = []
    holding = storage.articles.holding

    async def counted(*args: Any, **kwargs: Any) -> list[Article]:
        searches.append(args)
        return await holding(*args, **kwargs)

    monkeypatch.setattr(storage.articles, "holding", counted)
    return searches


async def follow(
    storage: Storage,
    chat_id: int,
    phrase: str,
    mode: str = "digest",
    thread_id: int | None = None,
) -> None:
    """Follow a phrase, as if long before the digests these tests plan."""
    await storage.follows.add(
        chat_id, parse_follow(phrase), limit=100, mode=mode, thread_id=thread_id
    )
    await storage.db.execute(
        "UPDATE follows SET created_at = $1 WHERE chat_id = $2",
        int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
        chat_id,
    )


def with_body(item: Article, *paragraphs: str) -> Article:
    return replace(item, body=paragraphs)


async def digest_of(storage: Storage, db_path: Path, chat_id: int) -> str:
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(EVE)
    await planner.run_due(NINE)
    texts = await sent_texts(storage, chat_id)
    return "\n".join(texts)


async def test_a_followed_name_in_any_form_has_a_section_named_as_written(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 1)
    await follow(storage, 1, "Бакаев")
    await storage.articles.upsert_many(
        [
            article("Заявление Бакаева о бюджете"),
            article("Аким открыл школу", brief="Школу открыл аким Бакаев."),  # in the lead
            # In the body only: search finds it, but follows read headlines and leads.
            with_body(article("Бюджет принят"), "Бюджет одобрил Бакаев."),
            article("Погода на выходные"),
        ]
    )
    text = await digest_of(storage, db_path, 1)
    assert titles(text) == ["Аким открыл школу", "Заявление Бакаева о бюджете"]
    assert "<b>Бакаев</b>" in text  # the phrase as written, not a hashtag
    assert "#Бакаев" not in text


async def test_a_phrase_in_instant_mode_stays_out_of_the_digest(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 2, POLITICS)
    await follow(storage, 2, "Бакаев", mode="instant")
    await storage.articles.upsert_many(
        [article("Заявление Бакаева"), article("Бюджет принят", rubric="Политика")]
    )
    text = await digest_of(storage, db_path, 2)
    assert titles(text) == ["Бюджет принят"]


async def test_a_chat_following_only_instant_phrases_gets_no_digest(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 3)
    await follow(storage, 3, "Бакаев", mode="instant")
    await storage.articles.upsert_many([article("Заявление Бакаева")])
    assert await digest_of(storage, db_path, 3) == ""


async def test_a_muted_word_hides_a_phrase_match(storage: Storage, db_path: Path) -> None:
    await chat_with(storage, 4)
    await follow(storage, 4, "Бакаев")
    key = mute_key("бюджет")
    assert key is not None
    await storage.follows.mute(4, "word", key, "бюджет", None)
    await storage.articles.upsert_many(
        [article("Бакаев о бюджете"), article("Бакаев открыл школу")]
    )
    text = await digest_of(storage, db_path, 4)
    assert titles(text) == ["Бакаев открыл школу"]


async def test_an_article_of_a_tag_and_a_phrase_is_shown_once_under_the_tag(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 5, POLITICS)
    await follow(storage, 5, "Бакаев")
    await storage.articles.upsert_many(
        [
            article("Бакаев открыл школу"),
            article("Заявление Бакаева", rubric="Политика"),
            article("Бюджет принят", rubric="Политика"),
        ]
    )
    text = await digest_of(storage, db_path, 5)
    assert titles(text) == ["Бюджет принят", "Заявление Бакаева", "Бакаев открыл школу"]
    # Tags come before phrases: the story of both is in the tag's section.
    assert text.index("<b>#Политика</b>") < text.index("Заявление Бакаева")
    assert text.index("Заявление Бакаева") < text.index("<b>Бакаев</b>")


async def test_a_story_received_before_is_not_repeated(storage: Storage, db_path: Path) -> None:
    await chat_with(storage, 6)
    await follow(storage, 6, "Бакаев")
    await storage.articles.upsert_many(
        [article("Бакаев открыл школу"), article("Заявление Бакаева")]
    )
    alerted = (await storage.articles.latest(limit=1)).articles[0]  # sent as an alert
    assert alerted.title == "Заявление Бакаева"
    assert alerted.id is not None
    await storage.received.mark(6, [alerted.story or alerted.id])
    text = await digest_of(storage, db_path, 6)
    assert titles(text) == ["Бакаев открыл школу"]


async def test_an_excluded_word_keeps_an_article_out(storage: Storage, db_path: Path) -> None:
    await chat_with(storage, 7)
    await follow(storage, 7, "референдум -Армения")
    await storage.articles.upsert_many(
        [
            article("Референдум в Армении"),
            article("Референдум в Казахстане"),
            # Excluded words are read where followed ones are: in the headline and lead.
            with_body(article("Референдум назначен"), "Эксперты из Армении следят."),
        ]
    )
    text = await digest_of(storage, db_path, 7)
    assert titles(text) == ["Референдум назначен", "Референдум в Казахстане"]
    assert "<b>референдум -Армения</b>" in text


async def test_a_phrase_and_a_tag_of_one_word_are_two_sections(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 8, POLITICS)
    await follow(storage, 8, "политика")
    await storage.articles.upsert_many(
        [article("Бюджет принят", rubric="Политика"), article("Политика и спорт")]
    )
    text = await digest_of(storage, db_path, 8)
    assert titles(text) == ["Политика и спорт", "Бюджет принят"]
    assert text.index("<b>политика</b>") < text.index("<b>#Политика</b>")


async def test_chats_following_one_phrase_share_one_search(
    storage: Storage, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for chat_id in (9, 10, 11):
        await chat_with(storage, chat_id)
        await follow(storage, chat_id, "Бакаев")
    await storage.articles.upsert_many([article("Заявление Бакаева")])
    searches = counting(storage, monkeypatch)
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(EVE)
    await planner.run_due(NINE)
    for chat_id in (9, 10, 11):
        [text] = await sent_texts(storage, chat_id)
        assert titles(text) == ["Заявление Бакаева"]
    assert len(searches) == 1


async def test_a_phrase_followed_in_a_forum_topic_has_its_section_there(
    storage: Storage, db_path: Path
) -> None:
    forum = -1002002
    await chat_with(storage, forum, POLITICS)
    await follow(storage, forum, "Бакаев", thread_id=42)
    await storage.articles.upsert_many(
        [article("Бюджет принят", rubric="Политика"), article("Заявление Бакаева")]
    )
    text = await digest_of(storage, db_path, forum)
    rows = await storage.db.fetch("SELECT text, options FROM outbox WHERE chat_id = $1", forum)
    placed = {thread_of_options(row[1]): titles(row[0]) for row in rows}
    assert placed == {None: ["Бюджет принят"], 42: ["Заявление Бакаева"]}
    assert "<b>Бакаев</b>" in text
