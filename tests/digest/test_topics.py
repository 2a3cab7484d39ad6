"""A digest in a forum: sections of tags bound to a topic go there, the rest to the chat."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.digest.builder import Digest
from bot.digest.planner import Planner
from bot.digest.topics import limit_for, split_by_thread
from bot.models import Article, Story, Tag
from bot.render import MESSAGE_LIMIT, html_len
from bot.storage import Storage
from bot.storage.records import NOTE_ROOM, thread_of_options
from tests.digest.conftest import outbox_rows
from tests.digest.test_planner import (
    ELECTIONS,
    POLITICS,
    SPORT,
    article,
    settings_for,
    subscribed_on,
    titles,
    utc,
)

FORUM = -1002001
ECONOMY = Tag("экономика", "Экономика")


def story(title: str) -> Story:
    return Story(
        Article(title=title, published=datetime(2026, 3, 1, tzinfo=UTC), lead="", brief="")
    )


def composed() -> Digest:
    return Digest(
        FORUM, 0, 10, main=[story("main")], more=4,
        groups=[(POLITICS, [story("p")]), (SPORT, [story("s")]), (ELECTIONS, [story("e")]),
                (ECONOMY, [story("x")])],
    )  # fmt: skip


def shape(part: Digest) -> tuple[list[str], list[str], int]:
    main = [s.lead.title for s in part.main]
    return main, [tag.key for tag, _stories in part.groups], part.more


def test_a_digest_without_bound_tags_stays_whole() -> None:
    digest = composed()
    assert split_by_thread(digest, {}) == [(None, digest)]


def test_bound_sections_leave_for_their_topics_in_order_and_the_rest_stays() -> None:
    parts = split_by_thread(composed(), {SPORT.key: 7, ECONOMY.key: 5, POLITICS.key: 7})
    assert [(thread, shape(part)) for thread, part in parts] == [
        (None, (["main"], [ELECTIONS.key], 4)),  # «Главное» and "more" stay with the chat
        (7, ([], [POLITICS.key, SPORT.key], 0)),
        (5, ([], [ECONOMY.key], 0)),
    ]


def test_every_section_bound_leaves_the_chat_only_the_main_stories() -> None:
    digest = composed()
    digest.main = []
    digest.more = 0
    bound = {tag.key: 3 for tag, _stories in digest.groups}
    [(general_thread, general), (thread, topic)] = split_by_thread(digest, bound)
    assert (general_thread, general.empty) == (None, True)
    assert (thread, len(topic.groups)) == (3, 4)


def test_messages_for_a_topic_keep_room_for_the_line_of_a_fallback() -> None:
    assert limit_for(None) == MESSAGE_LIMIT
    assert limit_for(9) == MESSAGE_LIMIT - NOTE_ROOM


async def test_the_planner_sends_a_bound_tag_section_to_its_topic_in_the_same_run(
    storage: Storage, db_path: Path
) -> None:
    await storage.chats.upsert(FORUM, type="supergroup")
    await storage.chats.subscribe(FORUM, [POLITICS])
    await storage.chats.subscribe(FORUM, [SPORT], thread_id=42)
    await subscribed_on(storage, FORUM, datetime(2026, 1, 1, tzinfo=UTC))
    await storage.articles.upsert_many(
        [article("Политика дня", rubric="Политика"), article("Матч", rubric="Спорт")]
    )
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    run = await planner.run_due(utc("2026-03-01T09:00+05:00"))

    assert run is not None
    assert (run.digests, run.messages) == (1, 2)
    rows = [r for r in await outbox_rows(storage) if r["chat_id"] == FORUM]
    options = await storage.db.fetch("SELECT options FROM outbox ORDER BY id")
    threads = [thread_of_options(row[0]) for row in options]
    assert threads == [None, 42]
    general, topic = (row["text"] for row in rows)
    assert titles(general) == ["Политика дня"]
    assert "<b>#Спорт</b>" not in general
    assert titles(topic) == ["Матч"]
    assert topic.startswith(general.split("\n", 1)[0])  # opens with the digest's header
    assert html_len(topic) <= MESSAGE_LIMIT - NOTE_ROOM
    # Both stories are received by the chat: the next digest sends neither again.
    again = await planner.run_due(utc("2026-03-02T09:00+05:00"))
    assert again is not None
    assert again.messages == 0


async def test_subscriptions_remember_their_topic_and_move_between_topics(
    storage: Storage,
) -> None:
    await storage.chats.upsert(FORUM, type="supergroup")
    await storage.chats.subscribe(FORUM, [POLITICS, SPORT], thread_id=7)
    await storage.chats.subscribe(FORUM, [ELECTIONS])
    assert await storage.chats.threads(FORUM) == {POLITICS.key: 7, SPORT.key: 7}
    await storage.chats.bind(FORUM, [SPORT.key], 9)
    await storage.chats.bind(FORUM, [POLITICS.key], None)
    assert await storage.chats.threads(FORUM) == {SPORT.key: 9}
    chat = await storage.digests.chat(FORUM)
    assert chat is not None
    assert chat.threads == {SPORT.key: 9}
    assert {tag.key for tag in chat.subscriptions} == {POLITICS.key, SPORT.key, ELECTIONS.key}
