"""Channels run from a private chat, and tags named by id, on each backend."""

from __future__ import annotations

import pytest

from bot.models import Tag
from bot.storage import Storage
from tests.bot.conftest import article

USER = 42
OTHER = 43
NEWS = -1001
SPORT = -1002
ELECTIONS = Tag(key="выборы", display="Выборы")


@pytest.fixture
async def store(any_storage: Storage) -> Storage:
    for user in (USER, OTHER):
        await any_storage.chats.upsert(user, type="private")
    for channel, title in ((NEWS, "Новости"), (SPORT, "Спорт")):
        await any_storage.chats.upsert(channel, type="channel", title=title)
    return any_storage


async def test_an_added_channel_is_listed_and_selected(store: Storage) -> None:
    await store.channels.add(USER, NEWS)
    await store.channels.add(USER, SPORT)
    assert [c.title for c in await store.channels.of_user(USER)] == ["Новости", "Спорт"]
    selected = await store.channels.selected(USER)
    assert selected is not None
    assert (selected.id, selected.type) == (SPORT, "channel")  # the last one added
    assert await store.channels.of_user(OTHER) == []
    assert await store.channels.selected(OTHER) is None


async def test_one_channel_at_a_time_is_selected_and_the_chat_can_act_for_itself(
    store: Storage,
) -> None:
    await store.channels.add(USER, NEWS)
    await store.channels.add(USER, SPORT)
    assert await store.channels.select(USER, NEWS)
    selected = await store.channels.selected(USER)
    assert selected is not None
    assert selected.id == NEWS
    assert await store.channels.select(USER, None)
    assert await store.channels.selected(USER) is None


async def test_a_channel_the_user_never_added_cannot_be_selected(store: Storage) -> None:
    await store.channels.add(OTHER, SPORT)
    await store.channels.add(USER, NEWS)
    assert not await store.channels.select(USER, SPORT)
    assert await store.channels.get(USER, SPORT) is None
    selected = await store.channels.selected(USER)
    assert selected is not None
    assert selected.id == NEWS  # unchanged by the refused selection


async def test_a_user_who_lost_rights_is_forgotten_and_the_channel_stays(store: Storage) -> None:
    await store.channels.add(USER, NEWS)
    await store.channels.add(OTHER, NEWS)
    await store.chats.subscribe(NEWS, [ELECTIONS])
    assert await store.channels.forget(USER, NEWS)
    assert await store.channels.selected(USER) is None
    assert await store.channels.of_user(USER) == []
    assert [c.id for c in await store.channels.of_user(OTHER)] == [NEWS]
    assert await store.chats.subscribed_keys(NEWS) == {"выборы"}


async def test_removing_a_channel_drops_its_settings_and_every_pair(store: Storage) -> None:
    await store.channels.add(USER, NEWS)
    await store.channels.add(OTHER, NEWS)
    await store.chats.subscribe(NEWS, [ELECTIONS])
    assert await store.channels.remove(NEWS)
    assert await store.chats.get(NEWS) is None
    assert await store.chats.subscribed_keys(NEWS) == set()
    assert await store.channels.of_user(OTHER) == []
    assert await store.channels.selected(USER) is None
    assert not await store.channels.remove(USER)  # only channels are removed this way
    assert await store.chats.get(USER) is not None


async def test_a_tag_is_found_by_its_id_while_articles_carry_it(store: Storage) -> None:
    await store.articles.upsert_many([article("Выборы назначены", tags=("Выборы-2026",))])
    ids = await store.articles.tag_ids(["#ВЫБОРЫ_2026", "Политика", "нет такого"])
    assert set(ids) == {"выборы_2026", "политика"}
    tag = await store.articles.tag_by_id(ids["выборы_2026"])
    assert tag == Tag("выборы_2026", "Выборы-2026", 1)
    assert await store.articles.tag_by_id(max(ids.values()) + 1000) is None
