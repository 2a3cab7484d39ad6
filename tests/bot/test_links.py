"""Deep links: ``/start t_<id>`` subscribes in one confirmed tap; «🔗» gives such links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.callbacks import FollowLink, TagLink
from bot.storage import Storage
from tests.bot.conftest import (
    BOT_USERNAME,
    GROUP_ID,
    OTHER_USER_ID,
    USER_ID,
    RecordingSession,
    Tg,
    article,
    only,
)
from tests.botapi.html import parse_html


@pytest.fixture
async def elections(store: Storage) -> int:
    """The id of the tag #Выборы-2026, which two stored articles carry."""
    await store.articles.upsert_many(
        [article(f"Выборы {n}", tags=("Выборы-2026",)) for n in range(2)]
        + [article("Спорт", tags=("Футбол",), rubric="Спорт")]
    )
    return (await store.articles.tag_ids(["Выборы-2026"]))["выборы_2026"]


async def test_a_deep_link_subscribes_in_one_confirmed_tap(
    tg: Tg, store: Storage, elections: int
) -> None:
    offer = only(await tg.send(f"/start t_{elections}"))
    assert "Сводка" in offer.text  # a newcomer still learns what the bot is
    assert "Подписаться на #Выборы_2026? Новостей с этим тегом: 2." in offer.text
    assert offer.buttons == [("✅ Подписаться на #Выборы_2026", FollowLink(tag=elections).pack())]
    assert await store.chats.subscribed_keys(USER_ID) == set()  # not before the tap
    calls = await tg.press(offer.buttons[0][1], on=offer)
    assert await store.chats.subscribed_keys(USER_ID) == {"выборы_2026"}
    done = only(calls, "editMessageText")
    assert done.text.startswith("✅ Вы подписались на #Выборы_2026.")
    assert done.markup is None
    again = only(await tg.send(f"/start t_{elections}"))
    assert "Вы уже подписаны на #Выборы_2026" in again.text
    assert again.buttons == []


@pytest.mark.parametrize(
    "payload",
    [
        "t_999999",  # a tag that never was, or is gone
        "t_" + "9" * 19,  # more digits than an id has
        "hello",
        "t_1;DROP",
        "T_1",
        "x" * 1000,
        "t_-1",
    ],
)
async def test_a_forged_or_stale_payload_gets_the_welcome_and_one_line(
    tg: Tg, store: Storage, elections: int, payload: str
) -> None:
    reply = only(await tg.send(f"/start {payload}"))
    assert reply.text.startswith("👋")
    assert "Ссылка, по которой вы пришли, устарела или неверна" in reply.text
    assert [label for label, _ in reply.buttons][:2] == ["#Выборы_2026 · 2", "#Политика · 2"]
    assert await store.chats.subscribed_keys(USER_ID) == set()


async def test_a_plain_start_says_nothing_of_links(tg: Tg, elections: int) -> None:
    assert "Ссылка" not in only(await tg.send("/start")).text


async def test_a_forged_confirmation_of_an_unknown_tag_is_stale(
    tg: Tg, store: Storage, elections: int
) -> None:
    toast = only(await tg.press(FollowLink(tag=elections + 1000)), "answerCallbackQuery")
    assert toast.params["text"] == "Эта кнопка устарела — повторите команду."
    assert await store.chats.subscribed_keys(USER_ID) == set()


async def test_in_a_group_only_administrators_confirm(
    tg: Tg, store: Storage, session: RecordingSession, elections: int
) -> None:
    session.members[(GROUP_ID, USER_ID)] = "administrator"
    offer = only(await tg.send(f"/start@{BOT_USERNAME} t_{elections}", chat_id=GROUP_ID))
    data = offer.buttons[0][1]
    refused = await tg.press(data, on=offer, user_id=OTHER_USER_ID)
    assert "только её администраторы" in only(refused, "answerCallbackQuery").params["text"]
    assert await store.chats.subscribed_keys(GROUP_ID) == set()
    await tg.press(data, on=offer, user_id=USER_ID)
    assert await store.chats.subscribed_keys(GROUP_ID) == {"выборы_2026"}


async def test_latest_for_a_tag_has_a_link_button_that_gives_shareable_links(
    tg: Tg, elections: int
) -> None:
    page = only(await tg.send("/latest Выборы-2026"))
    assert page.buttons[-1] == ("🔗 Ссылка на #Выборы_2026", TagLink(tag=elections).pack())
    assert not any("🔗 Ссылка" in label for label, _ in only(await tg.send("/latest")).buttons)
    given = only(await tg.press(page.buttons[-1][1], on=page))
    start = f"https://t.me/{BOT_USERNAME}?start=t_{elections}"
    text = parse_html(given.text).text
    assert start in text
    assert f"https://t.me/{BOT_USERNAME}?startgroup=t_{elections}" in text
    [[share]] = (given.markup or {})["inline_keyboard"]
    query = parse_qs(urlsplit(share["url"]).query)
    assert share["url"].startswith("https://t.me/share/url?")
    assert query == {"url": [start], "text": ["Новости по тегу #Выборы_2026 в Сводке"]}


async def test_a_link_button_of_a_tag_since_gone_is_stale(tg: Tg, elections: int) -> None:
    calls = await tg.press(TagLink(tag=elections + 1000))
    toast = only(calls, "answerCallbackQuery")
    assert toast.params["text"] == "Эта кнопка устарела — повторите команду."
    assert not [c for c in calls if c.method == "sendMessage"]
