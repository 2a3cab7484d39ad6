"""The subscription rules of bot/subscriptions.py on a real SQLite file, without Telegram."""

from __future__ import annotations

import pytest

from bot import subscriptions as rules
from bot.models import Tag
from bot.storage import Storage
from tests.bot.conftest import article

CHAT = 77


@pytest.fixture
async def news(store: Storage) -> None:
    await store.articles.upsert_many(
        [
            article("Один", tags=("Выборы-2026", "Экономика"), rubric="В мире"),
            article("Два", tags=("Политика",), rubric="Новости Казахстана"),
            article("Три", tags=("Выборы",), rubric="Экономика"),
        ]
    )
    await store.chats.upsert(CHAT)


def displays(tags: list[Tag]) -> list[str]:
    return [tag.display for tag in tags]


@pytest.mark.usefixtures("news")
@pytest.mark.parametrize(
    ("typed", "known", "unknown"),
    [
        ("В мире", ["В мире"], []),
        ("в   МИРЕ", ["В мире"], []),
        ("ВЫБОРЫ 2026", ["Выборы-2026"], []),
        ("Выборы", ["Выборы"], []),
        ("Политика Экономика", ["Политика", "Экономика"], []),
        ("В мире Экономика", ["В мире", "Экономика"], []),
        ("Экономика в мире", ["Экономика", "В мире"], []),
        ("новости казахстана выборы 2026", ["Новости Казахстана", "Выборы-2026"], []),
        ("#В_мире #Политика", ["В мире", "Политика"], []),
        ("В мире, Спорт", ["В мире"], ["Спорт"]),
        ("Новая тема", [], ["Новая", "тема"]),
        ("Новая тема, Другая", [], ["Новая тема", "Другая"]),
        ("Политика, политика, #ПОЛИТИКА", ["Политика"], []),
        ("…, ; #", [], []),
    ],
)
async def test_a_typed_list_is_read_keeping_known_multiword_tags_whole(
    store: Storage, typed: str, known: list[str], unknown: list[str]
) -> None:
    read = await rules.read_tags(store, typed)
    assert (displays(read.known), displays(read.unknown)) == (known, unknown)


@pytest.mark.usefixtures("news")
async def test_a_followed_tag_without_articles_is_whole_too(store: Storage) -> None:
    followed = [rules.typed_tag("Новая тема")]
    read = await rules.read_tags(store, "новая ТЕМА Политика", followed=followed)
    assert (displays(read.known), displays(read.unknown)) == (["Политика"], ["новая ТЕМА"])


@pytest.mark.usefixtures("news")
async def test_subscribe_adds_known_tags_and_returns_the_rest(store: Storage) -> None:
    first = await rules.subscribe(store, CHAT, "В мире, Выборы, Спорт")
    assert displays(first.added) == ["В мире", "Выборы"]
    assert (first.already, displays(first.unknown)) == ([], ["Спорт"])
    second = await rules.subscribe(store, CHAT, "выборы экономика")
    assert (displays(second.added), displays(second.already)) == (["Экономика"], ["Выборы"])
    assert await store.chats.subscribed_keys(CHAT) == {"в_мире", "выборы", "экономика"}


@pytest.mark.usefixtures("news")
async def test_a_tag_followed_anyway_is_already_followed_not_unknown(store: Storage) -> None:
    await rules.follow(store, CHAT, rules.typed_tag("Спорт"))
    done = await rules.subscribe(store, CHAT, "Спорт")
    assert (done.added, displays(done.already), done.unknown) == ([], ["Спорт"], [])


@pytest.mark.usefixtures("news")
async def test_the_cap_refuses_the_whole_request_and_keeps_what_was_followed(
    store: Storage,
) -> None:
    filler = [rules.typed_tag(f"тема{i}") for i in range(rules.MAX_SUBSCRIPTIONS - 1)]
    await store.chats.subscribe(CHAT, filler)
    with pytest.raises(rules.TooManySubscriptions):
        await rules.subscribe(store, CHAT, "Политика Экономика")
    assert len(await store.chats.subscribed_keys(CHAT)) == rules.MAX_SUBSCRIPTIONS - 1
    with pytest.raises(rules.TooManySubscriptions):  # an unknown tag counts too
        await rules.subscribe(store, CHAT, "Политика, Спорт")
    assert displays((await rules.subscribe(store, CHAT, "Политика")).added) == ["Политика"]
    with pytest.raises(rules.TooManySubscriptions):
        await rules.toggle(store, CHAT, Tag("выборы", "Выборы"))
    with pytest.raises(rules.TooManySubscriptions):
        await rules.follow(store, CHAT, rules.typed_tag("Спорт"))
    assert await rules.toggle(store, CHAT, Tag("политика", "Политика")) is False
    assert await rules.toggle(store, CHAT, Tag("выборы", "Выборы")) is True


async def test_input_longer_than_any_allowed_list_is_refused_unread(
    store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []

    async def tag(text: str) -> None:
        looked_up.append(text)

    monkeypatch.setattr(store.articles, "tag", tag)
    with pytest.raises(rules.TooManySubscriptions):
        await rules.read_tags(store, "слово " * (rules.MAX_SUBSCRIPTIONS + 1))
    with pytest.raises(rules.TooManySubscriptions):
        await rules.read_tags(store, ", ".join(["две темы"] * (rules.MAX_SUBSCRIPTIONS + 1)))
    assert looked_up == []


@pytest.mark.usefixtures("news")
async def test_unsubscribe_reads_the_list_against_the_chats_own_tags(store: Storage) -> None:
    await rules.subscribe(store, CHAT, "В мире, Выборы-2026")
    await rules.follow(store, CHAT, rules.typed_tag("Новая тема"))
    done = await rules.unsubscribe(store, CHAT, "в мире новая тема Спорт")
    assert displays(done.removed) == ["В мире", "Новая тема"]
    assert displays(done.missing) == ["Спорт"]
    assert await store.chats.subscribed_keys(CHAT) == {"выборы_2026"}
