"""/follow, /unfollow, /mute, /unmute, /mode and the buttons of /subscriptions."""

from __future__ import annotations

import pytest

from bot.follows import MAX_FOLLOWS, MAX_PHRASE_CHARS
from bot.storage import Storage
from tests.bot.conftest import (
    GROUP_ID,
    OTHER_USER_ID,
    USER_ID,
    RecordingSession,
    Tg,
    article,
    only,
)


@pytest.fixture
async def news(store: Storage) -> None:
    await store.articles.upsert_many(
        [
            article("Токаев провёл совещание", tags=("Референдум-2026",), rubric="Политика"),
            article("Матч сборной", rubric="Спорт"),
        ]
    )


async def test_follow_keeps_the_phrase_and_finds_it_in_any_form(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/follow референдум -Армения"))
    assert reply.text.startswith("✅ Слежу: «референдум -Армения».")
    follows = await store.follows.follows(USER_ID)
    assert [(f.phrase, f.key, f.mode) for f in follows] == [
        ("референдум -Армения", "референдум -армения", "digest")
    ]
    again = only(await tg.send("/follow Референдум -армения"))
    assert again.text == "Вы уже следите: «референдум -Армения»"


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("/follow", "Напишите, за чем следить"),
        ("/follow    ", "Напишите, за чем следить"),
        ("/follow " + "б" * 500, f"Слишком длинно: не больше {MAX_PHRASE_CHARS} символов."),
        ("/follow и на в", "В «и на в» нет слов"),
        ("/follow -Армения", "Нужно хотя бы одно слово без минуса"),
        ("/follow один два три четыре пять шесть семь", "Слишком много слов"),
    ],
)
async def test_follow_refuses_bad_input_in_one_line(
    tg: Tg, store: Storage, typed: str, answer: str
) -> None:
    reply = only(await tg.send(typed))
    assert reply.text.startswith(answer)
    assert await store.follows.follows(USER_ID) == []


async def test_a_thousand_follows_stop_at_the_cap_each_refused_in_one_line(
    tg: Tg, store: Storage
) -> None:
    answers = [only(await tg.send(f"/follow слово{n}")).text for n in range(1000)]
    assert all(a.startswith("✅ Слежу") for a in answers[:MAX_FOLLOWS])
    refused = f"Можно следить не больше чем за {MAX_FOLLOWS} словами и фразами."
    assert all(a.startswith(refused) for a in answers[MAX_FOLLOWS:])
    assert len(await store.follows.follows(USER_ID)) == MAX_FOLLOWS
    assert only(await tg.send("/follow слово5")).text.startswith("Вы уже следите")


async def test_unfollow_by_the_phrase_as_written_or_another_form(tg: Tg, store: Storage) -> None:
    await tg.send("/follow Бакаев")
    await tg.send('/follow "единый платёж"')
    assert only(await tg.send("/unfollow бакаев")).text == "Больше не слежу: «Бакаев»"
    reply = only(await tg.send("/unfollow единый платёж"))
    assert reply.text == "Больше не слежу: «единый платёж»"
    assert await store.follows.follows(USER_ID) == []
    assert only(await tg.send("/unfollow нефть")).text.startswith("Вы не следите за «нефть»")


@pytest.mark.usefixtures("news")
async def test_mode_switches_a_tag_or_a_phrase_and_names_an_unknown_target(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/subscribe Политика")
    await tg.send("/follow Токаев")
    assert only(await tg.send("/mode #политика instant")).text == (
        "⚡ #Политика: сразу, как новость появится."
    )
    assert only(await tg.send("/mode Токаев сразу")).text.startswith("⚡ «Токаев»")
    assert (await store.follows.subscription_modes(USER_ID))["политика"] == "instant"
    assert [f.mode for f in await store.follows.follows(USER_ID)] == ["instant"]
    assert only(await tg.send("/mode Токаев digest")).text == "🗞 «Токаев»: в дайджесте."
    unknown = only(await tg.send("/mode Экономика instant"))
    assert unknown.text.startswith("Нет ни подписки, ни слов «Экономика»")
    assert only(await tg.send("/mode Токаев")).text.startswith("Напишите тег или фразу и режим")
    assert only(await tg.send("/mode")).text.startswith("Напишите тег или фразу и режим")


@pytest.mark.usefixtures("news")
async def test_mute_a_tag_or_a_word_for_a_while_and_unmute(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/mute Спорт 7d"))
    assert reply.text.startswith("🔇 Скрыто до ")
    assert reply.text.endswith(": #Спорт. Вернуть раньше: /unmute")
    assert only(await tg.send("/mute Армения")).text == "🔇 Скрыто: «Армения». Вернуть: /unmute"
    mutes = await store.follows.mutes(USER_ID)
    assert [(m.kind, m.key, m.until is None) for m in mutes] == [
        ("tag", "спорт", False),
        ("word", "армения", True),
    ]
    assert only(await tg.send("/mute Армения 999d")).text.startswith("Срок — от часа до 365")
    assert only(await tg.send("/mute")).text.startswith("Напишите тег или слово")
    assert only(await tg.send("/unmute армения")).text == "🔈 Снова показываю: «Армения»"
    assert only(await tg.send("/unmute #спорт")).text == "🔈 Снова показываю: #Спорт"
    assert only(await tg.send("/unmute нефть")).text == "«нефть» не скрыто."
    assert await store.follows.mutes(USER_ID) == []


@pytest.mark.usefixtures("news")
async def test_subscriptions_list_tags_follows_and_mutes_with_buttons(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/subscribe Политика")
    await tg.send("/follow Токаев")
    await tg.send("/mute Армения")
    reply = only(await tg.send("/subscriptions"))
    assert "📌 <b>Ваши подписки</b>: #Политика" in reply.text
    assert "🔎 <b>Слова и имена</b>: «Токаев»" in reply.text
    assert "🔇 <b>Скрыто</b>: «Армения»" in reply.text
    assert [label for label, _ in reply.buttons] == [
        "❌ #Политика",
        "🗞 в дайджесте",
        "❌ «Токаев»",
        "🗞 в дайджесте",
        "🔈 «Армения»",
    ]
    assert all(len(data.encode()) <= 64 for _, data in reply.buttons)
    modes = [data for label, data in reply.buttons if label == "🗞 в дайджесте"]
    calls = await tg.press(modes[0], on=reply)
    assert (await store.follows.subscription_modes(USER_ID))["политика"] == "instant"
    redrawn = only(calls, "editMessageText")
    assert "⚡ Сразу: #Политика" in redrawn.text
    await tg.press(modes[1], on=redrawn)
    assert [f.mode for f in await store.follows.follows(USER_ID)] == ["instant"]
    await tg.press(reply.button("❌ «Токаев»"), on=reply)
    assert await store.follows.follows(USER_ID) == []
    calls = await tg.press(reply.button("🔈 «Армения»"), on=reply)
    assert await store.follows.mutes(USER_ID) == []
    assert [label for label, _ in only(calls, "editMessageText").buttons] == [
        "❌ #Политика",
        "⚡ сразу",
    ]
    stale = await tg.press(reply.button("❌ «Токаев»"), on=reply)
    assert only(stale, "answerCallbackQuery").params["text"].startswith("Эта кнопка устарела")


async def test_in_a_group_only_administrators_follow(
    tg: Tg, store: Storage, session: RecordingSession
) -> None:
    session.members[(GROUP_ID, USER_ID)] = "administrator"
    session.members[(GROUP_ID, OTHER_USER_ID)] = "member"
    refused = only(await tg.send("/follow Токаев", user_id=OTHER_USER_ID, chat_id=GROUP_ID))
    assert "администраторы" in refused.text
    assert await store.follows.follows(GROUP_ID) == []
    await tg.send("/follow Токаев", user_id=USER_ID, chat_id=GROUP_ID)
    assert [f.phrase for f in await store.follows.follows(GROUP_ID)] == ["Токаев"]


async def test_help_and_the_menu_name_the_new_commands(tg: Tg) -> None:
    text = only(await tg.send("/help")).text
    for command in ("/follow", "/unfollow", "/mute", "/unmute", "/mode"):
        assert command in text


@pytest.mark.usefixtures("news")
async def test_latest_without_a_tag_leaves_muted_news_out_but_a_tag_asked_for_shows_it(
    tg: Tg,
) -> None:
    await tg.send("/mute Спорт")
    overall = only(await tg.send("/latest")).text
    assert "Токаев провёл совещание" in overall
    assert "Матч сборной" not in overall
    assert "Матч сборной" in only(await tg.send("/latest Спорт")).text
    await tg.send("/mute Токаев")
    assert only(await tg.send("/latest")).text.startswith("Новостей пока нет")
