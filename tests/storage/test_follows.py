"""Follows, mutes, subscription modes and the alert queue, on each backend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.follows import parse_follow
from bot.models import Tag
from bot.storage import Storage
from tests.storage.factory import article

NOW = datetime(2026, 3, 3, 12, tzinfo=UTC)


async def test_a_follow_keeps_the_phrase_as_written_and_its_key(storage: Storage) -> None:
    await storage.chats.upsert(1)
    done = await storage.follows.add(1, parse_follow("референдум  -Армения"), limit=100)
    assert done.status == "added"
    assert done.follow is not None
    follows = await storage.follows.follows(1)
    assert [(f.phrase, f.key, f.excluded, f.mode) for f in follows] == [
        ("референдум -Армения", "референдум -армения", ("Армения",), "digest")
    ]
    assert follows[0].thread_id is None
    assert follows[0].id == done.follow.id


async def test_a_phrase_of_the_same_lemmas_is_followed_once(storage: Storage) -> None:
    await storage.chats.upsert(1)
    await storage.follows.add(1, parse_follow("выборы"), limit=100)
    again = await storage.follows.add(1, parse_follow("Выборы"), limit=100)
    assert again.status == "exists"
    assert again.follow is not None
    assert again.follow.phrase == "выборы"
    assert len(await storage.follows.follows(1)) == 1


async def test_a_chat_follows_at_most_the_limit_even_when_asked_at_once(
    storage: Storage,
) -> None:
    await storage.chats.upsert(1)
    words = ["Токаев", "Бакаев", "выборы", "референдум", "Армения", "нефть"]
    results = await asyncio.gather(
        *(storage.follows.add(1, parse_follow(w), limit=4) for w in words)
    )
    assert sorted(r.status for r in results) == ["added"] * 4 + ["full"] * 2
    assert len(await storage.follows.follows(1)) == 4


async def test_unfollow_and_mode_by_key(storage: Storage) -> None:
    await storage.chats.upsert(1)
    await storage.follows.add(1, parse_follow("Токаев"), limit=100)
    key = parse_follow("токаев").key
    assert await storage.follows.set_mode(1, key, "instant")
    assert [f.mode for f in await storage.follows.follows(1)] == ["instant"]
    assert not await storage.follows.set_mode(1, "нефть", "instant")
    removed = await storage.follows.remove(1, key)
    assert removed is not None
    assert removed.phrase == "Токаев"
    assert await storage.follows.remove(1, key) is None
    assert await storage.follows.follows(1) == []


async def test_subscriptions_are_digest_until_made_instant(storage: Storage) -> None:
    await storage.chats.upsert(1)
    await storage.chats.subscribe(1, [Tag("политика", "Политика"), Tag("спорт", "Спорт")])
    assert await storage.follows.subscription_modes(1) == {"политика": "digest", "спорт": "digest"}
    assert await storage.follows.set_subscription_mode(1, "спорт", "instant")
    assert not await storage.follows.set_subscription_mode(1, "экономика", "instant")
    assert (await storage.follows.subscription_modes(1))["спорт"] == "instant"


async def test_instant_rules_are_those_of_active_chats(storage: Storage) -> None:
    await storage.chats.upsert(1)
    await storage.chats.upsert(2)
    await storage.chats.subscribe(1, [Tag("спорт", "Спорт")])
    await storage.follows.set_subscription_mode(1, "спорт", "instant")
    await storage.follows.add(1, parse_follow("Бакаев"), limit=100, mode="instant")
    await storage.follows.add(2, parse_follow("нефть"), limit=100, mode="instant")
    await storage.follows.add(2, parse_follow("газ"), limit=100)  # digest
    before = await storage.follows.rules_version()
    await storage.chats.deactivate(2)
    rules = {(r.chat_id, r.kind, r.key) for r in await storage.follows.instant_rules()}
    assert rules == {(1, "tag", "спорт"), (1, "phrase", "бакаев")}
    # A chat's own rules, as alerts are rendered by them, count while it is inactive too.
    assert [key for _, key, _, _ in (await storage.follows.instant_of([2]))[2]] == ["нефть"]
    await storage.follows.set_mode(2, "газ", "instant")
    assert await storage.follows.rules_version() != before


async def test_a_mute_holds_until_it_expires_or_is_lifted(storage: Storage) -> None:
    await storage.chats.upsert(1)
    await storage.follows.mute(1, "tag", "спорт", "Спорт", NOW + timedelta(days=7))
    await storage.follows.mute(1, "word", "армения", "Армения", None)
    assert [m.key for m in await storage.follows.mutes(1, NOW)] == ["спорт", "армения"]
    later = await storage.follows.mutes(1, NOW + timedelta(days=8))
    assert [(m.kind, m.key, m.until) for m in later] == [("word", "армения", None)]
    lifted = await storage.follows.unmute(1, "word", "армения")
    assert lifted is not None
    assert lifted.display == "Армения"
    assert await storage.follows.unmute(1, "word", "армения") is None
    await storage.follows.mute(1, "tag", "спорт", "Спорт", None)  # a new mute replaces
    assert [(m.key, m.until) for m in await storage.follows.mutes(1, NOW)] == [("спорт", None)]


async def test_queued_alerts_and_the_cursor_move_together(storage: Storage) -> None:
    await storage.chats.upsert(1)
    await storage.chats.upsert(2)
    await storage.articles.upsert_many([article("Первая"), article("Вторая")])
    assert await storage.alerts.cursor() is None
    await storage.alerts.queue([(1, 1), (1, 2), (2, 2), (99, 1)], at=100.5, cursor=2)
    assert await storage.alerts.cursor() == 2
    waiting = await storage.alerts.waiting()
    assert [(w.chat_id, w.count, w.since) for w in waiting] == [(1, 2, 100.5), (2, 1, 100.5)]
    async with storage.transaction() as tx:
        assert await tx.alerts.queued(1) == [(1, 100.5), (2, 100.5)]
        await tx.alerts.clear(1, [1, 2])
    assert [w.chat_id for w in await storage.alerts.waiting()] == [2]


async def test_received_answers_for_exactly_the_pairs_asked(storage: Storage) -> None:
    group = -1001234567890  # a supergroup's id: beyond 32 bits, negative
    for chat_id in (1, 2, group):
        await storage.chats.upsert(chat_id)
    async with storage.transaction() as tx:
        await tx.received.mark(1, [10, 11])
        await tx.received.mark(group, [11])
    assert await storage.alerts.received([]) == set()
    asked = [(1, 10), (1, 12), (2, 10), (2, 11), (group, 11), (group, 10), (1, 10)]
    assert await storage.alerts.received(asked) == {(1, 10), (group, 11)}
    # chat 2 never got 10 or 11, though chat 1 did: pairs, not chats × stories
    assert await storage.alerts.received([(2, 10), (2, 11)]) == set()


async def test_a_migrated_group_keeps_its_follows_and_mutes(storage: Storage) -> None:
    await storage.chats.upsert(-1, type="group")
    await storage.chats.upsert(-2, type="group")
    await storage.chats.upsert(-1002, type="supergroup")  # seen already: merged into
    for old in (-1, -2):
        await storage.follows.add(old, parse_follow("Бакаев"), limit=100, mode="instant")
        await storage.follows.mute(old, "word", "армения", "Армения", None)
    assert await storage.chats.migrate(-1, -1001)  # moved
    assert await storage.chats.migrate(-2, -1002)  # merged
    for new in (-1001, -1002):
        assert [(f.phrase, f.mode) for f in await storage.follows.follows(new)] == [
            ("Бакаев", "instant")
        ]
        assert [m.key for m in await storage.follows.mutes(new)] == ["армения"]
