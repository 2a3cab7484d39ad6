"""/subscribe, /unsubscribe, /subscriptions and /tags."""

from __future__ import annotations

import pytest

from bot.models import Tag
from bot.storage import Storage
from tests.bot.conftest import USER_ID, Tg, article, only
from tests.botapi.html import parse_html


@pytest.fixture
async def news(store: Storage) -> None:
    await store.articles.upsert_many(
        [
            article("Один", tags=("Референдум-2026", "Выборы"), rubric="Политика"),
            article("Два", tags=("Референдум-2026",), rubric="Политика"),
            article("Три", tags=("Ёлка",), rubric="Общество"),
        ]
    )


@pytest.mark.usefixtures("news")
@pytest.mark.parametrize(
    "written",
    [
        "#Референдум-2026",
        "референдум_2026",
        "РЕФЕРЕНДУМ-2026",
        "#референдум_2026",
    ],
)
async def test_subscribe_accepts_any_spelling_of_a_tag(
    tg: Tg, store: Storage, written: str
) -> None:
    reply = only(await tg.send(f"/subscribe {written}"))
    assert reply.text == "✅ Вы подписались: #Референдум_2026"
    tags = await store.chats.subscriptions(USER_ID)
    assert [(t.key, t.display) for t in tags] == [("референдум_2026", "Референдум-2026")]


@pytest.mark.usefixtures("news")
async def test_subscribe_several_at_once_and_yo_is_e(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/subscribe #Елка политика, выборы"))
    assert reply.text == "✅ Вы подписались: #Ёлка, #Политика, #Выборы"
    assert await store.chats.subscribed_keys(USER_ID) == {"елка", "политика", "выборы"}
    again = only(await tg.send("/subscribe Политика"))
    assert again.text == "Вы уже подписаны: #Политика"


@pytest.mark.usefixtures("news")
async def test_unknown_tag_is_explained_with_suggestions_before_it_is_accepted(
    tg: Tg, store: Storage
) -> None:
    reply = only(await tg.send("/subscribe Референдум-2025"))
    assert reply.text == (
        "Тега #Референдум_2025 пока нет ни в одной новости. "
        "Похожие: #Референдум_2026. Подписаться всё равно?"
    )
    assert await store.chats.subscribed_keys(USER_ID) == set()
    assert [label for label, _ in reply.buttons] == [
        "Всё равно подписаться на #Референдум_2025",
        "#Референдум_2026",
    ]
    calls = await tg.press(reply.button("Всё равно"), on=reply)
    assert await store.chats.subscribed_keys(USER_ID) == {"референдум_2025"}
    relabelled = only(calls, "editMessageReplyMarkup")
    assert relabelled.buttons[0][0] == "✅ #Референдум_2025"
    # a suggestion button subscribes to the suggested tag
    await tg.press(reply.button("#Референдум_2026"), on=reply)
    assert await store.chats.subscribed_keys(USER_ID) == {"референдум_2025", "референдум_2026"}


@pytest.mark.usefixtures("news")
async def test_empty_subscribe_shows_the_tag_picker(tg: Tg) -> None:
    reply = only(await tg.send("/subscribe"))
    assert reply.text.startswith("Выберите теги")
    assert [label for label, _ in reply.buttons][:2] == ["#Политика · 2", "#Референдум_2026 · 2"]


async def test_empty_subscribe_without_any_tags_says_so(tg: Tg) -> None:
    assert only(await tg.send("/subscribe")).text == "Тегов пока нет: новости ещё не загружены."


@pytest.mark.usefixtures("news")
async def test_unsubscribe_removes_and_reports_what_was_not_there(tg: Tg, store: Storage) -> None:
    await tg.send("/subscribe Политика Выборы")
    reply = only(await tg.send("/unsubscribe #политика спорт"))
    assert reply.text == "Вы отписались: #Политика\n\nПодписки не было: #спорт"
    assert await store.chats.subscribed_keys(USER_ID) == {"выборы"}


@pytest.mark.usefixtures("news")
async def test_subscriptions_list_each_tag_with_a_remove_button(tg: Tg, store: Storage) -> None:
    await tg.send("/subscribe Политика Референдум-2026")
    reply = only(await tg.send("/subscriptions"))
    assert reply.text.startswith("📌 <b>Ваши подписки</b>: #Политика, #Референдум_2026")
    mode = "🗞 в дайджесте"  # each tag's row: remove, and its mode
    assert [label for label, _ in reply.buttons] == [
        *("❌ #Политика", mode, "❌ #Референдум_2026", mode)
    ]
    calls = await tg.press(reply.button("❌ #Политика"), on=reply)
    assert await store.chats.subscribed_keys(USER_ID) == {"референдум_2026"}
    redrawn = only(calls, "editMessageText")
    assert [label for label, _ in redrawn.buttons] == ["❌ #Референдум_2026", mode]


async def test_no_subscriptions_says_how_to_subscribe(tg: Tg) -> None:
    assert "/subscribe" in only(await tg.send("/subscriptions")).text
    assert "/tags" in only(await tg.send("/unsubscribe")).text


async def test_tags_are_paged_with_counts_and_show_subscription_state(
    tg: Tg, store: Storage
) -> None:
    await store.articles.upsert_many(
        [article(f"Статья {i}", tags=(f"Тег{i:02}",), rubric=None) for i in range(25)]
    )
    await store.chats.upsert(USER_ID)
    first = only(await tg.send("/tags"))
    assert "страница 1" in first.text
    labels = [label for label, _ in first.buttons]
    assert len(labels) == 11
    assert labels[-1] == "Дальше ▶️"
    assert labels[0] == "#Тег00 · 1"
    toggled = await tg.press(first.button("#Тег00"), on=first)
    assert "✅ #Тег00 · 1" in [
        label for label, _ in only(toggled, "editMessageReplyMarkup").buttons
    ]
    second = only(await tg.press(first.button("Дальше"), on=first), "editMessageText")
    assert "страница 2" in second.text
    assert [label for label, _ in second.buttons][-2:] == ["◀️ Назад", "Дальше ▶️"]
    third = only(await tg.press(second.button("Дальше"), on=second), "editMessageText")
    assert [label for label, _ in third.buttons] == [
        "#Тег20 · 1", "#Тег21 · 1", "#Тег22 · 1", "#Тег23 · 1", "#Тег24 · 1", "◀️ Назад",
    ]  # fmt: skip
    untoggle = await tg.press(first.button("#Тег00"), on=first)
    assert await store.chats.subscribed_keys(USER_ID) == set()
    assert "Вы отписались от #Тег00" in only(untoggle, "answerCallbackQuery").params["text"]


async def test_a_chat_follows_at_most_fifty_tags(tg: Tg, store: Storage) -> None:
    await store.chats.upsert(USER_ID)
    await store.chats.subscribe(USER_ID, [Tag(key=f"t{i}", display=f"T{i}") for i in range(49)])
    refused = only(await tg.send("/subscribe Новое Второе"))
    assert refused.text.startswith("Можно подписаться не больше чем на 50 тегов.")
    assert len(await store.chats.subscribed_keys(USER_ID)) == 49
    await store.articles.upsert_many([article("Статья", tags=("Новое",))])
    assert only(await tg.send("/subscribe Новое")).text == "✅ Вы подписались: #Новое"
    assert len(await store.chats.subscribed_keys(USER_ID)) == 50


@pytest.fixture
async def rubrics(store: Storage) -> None:
    await store.articles.upsert_many(
        [
            article("Мир", tags=("Выборы-2026",), rubric="В мире"),
            article("Страна", tags=("Экономика",), rubric="Новости Казахстана"),
        ]
    )


@pytest.mark.usefixtures("rubrics")
@pytest.mark.parametrize(
    ("typed", "reply", "keys"),
    [
        ("В мире", "✅ Вы подписались: #В_мире", {"в_мире"}),
        ("ВЫБОРЫ 2026", "✅ Вы подписались: #Выборы_2026", {"выборы_2026"}),
        (
            "новости казахстана экономика",
            "✅ Вы подписались: #Новости_Казахстана, #Экономика",
            {"новости_казахстана", "экономика"},
        ),
        ("В мире, Экономика", "✅ Вы подписались: #В_мире, #Экономика", {"в_мире", "экономика"}),
    ],
)
async def test_a_known_multiword_tag_is_one_tag(
    tg: Tg, store: Storage, typed: str, reply: str, keys: set[str]
) -> None:
    assert only(await tg.send(f"/subscribe {typed}")).text == reply
    assert await store.chats.subscribed_keys(USER_ID) == keys


@pytest.mark.usefixtures("rubrics")
async def test_unsubscribe_takes_a_multiword_tag_as_one(tg: Tg, store: Storage) -> None:
    await tg.send("/subscribe В мире, Экономика")
    assert only(await tg.send("/unsubscribe в мире")).text == "Вы отписались: #В_мире"
    assert await store.chats.subscribed_keys(USER_ID) == {"экономика"}


@pytest.mark.usefixtures("rubrics")
async def test_forty_unknown_tags_get_one_reply_within_telegrams_limit(tg: Tg) -> None:
    typed = ", ".join(f"Несуществующая тема номер {i:02} с длинным названием" for i in range(40))
    reply = only(await tg.send(f"/subscribe {typed}"))
    text = parse_html(reply.text).text
    assert not text.startswith("Извините")
    assert text.count("Подписаться всё равно?") == 3  # three explained, twelve named, 25 counted
    assert "и ещё 25." in text
    assert [label for label, _ in reply.buttons if label.startswith("Всё равно")] == [
        f"Всё равно подписаться на #Несуществующая_тема_номер_{i:02}_с_длинным_названием"
        for i in range(3)
    ]
    missing = only(await tg.send(f"/unsubscribe {typed}"))
    assert "и ещё 28" in parse_html(missing.text).text


async def test_a_message_long_garbage_list_is_quoted_cut(tg: Tg) -> None:
    reply = only(await tg.send("/subscribe " + "#" * 4000))
    assert reply.text.startswith("В «")
    assert len(reply.text) < 400
    too_long = only(await tg.send("/subscribe " + "слово " * 600))
    assert too_long.text.startswith("Можно подписаться не больше чем на 50 тегов.")


async def test_a_toast_names_a_long_tag_within_telegrams_limit(tg: Tg, store: Storage) -> None:
    long_tag = "Очень" + "длинный" * 30  # a hashtag of 215 letters, as an article may carry
    await store.articles.upsert_many([article("Статья", tags=(long_tag,))])
    picker = only(await tg.send("/tags"))
    calls = await tg.press(picker.button("#Оченьдлинный"), on=picker)
    toast = only(calls, "answerCallbackQuery").params["text"]
    assert toast.startswith("Вы подписались на #Оченьдлинный")
    assert toast.endswith("…")
    assert await store.chats.subscribed_keys(USER_ID) == {long_tag.casefold()}
