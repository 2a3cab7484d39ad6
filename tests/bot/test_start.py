"""/start, /help and the command menu."""

from __future__ import annotations

import html
import re

import pytest

from bot.i18n import translator
from bot.storage import Storage
from tests.bot.conftest import ADMIN_ID, BOT_USERNAME, USER_ID, Tg, article, only


async def test_start_welcomes_remembers_the_chat_and_offers_top_tags(
    tg: Tg, store: Storage
) -> None:
    await store.articles.upsert_many(
        [article("А", tags=("Выборы",)), article("Б", tags=("Выборы",)), article("В")]
    )
    reply = only(await tg.send("/start"))
    assert reply.chat_id == USER_ID
    assert "Сводка" in reply.text
    assert "/help" in reply.text
    labels = [label for label, _data in reply.buttons]
    assert labels == ["#Политика · 3", "#Выборы · 2"]
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.active
    assert chat.language == "ru"


async def test_start_without_articles_has_no_picker(tg: Tg) -> None:
    reply = only(await tg.send("/start"))
    assert reply.markup is None


async def test_a_start_tag_button_subscribes_with_one_tap(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many([article("А", tags=("Выборы",))])
    reply = only(await tg.send("/start"))
    calls = await tg.press(reply.button("#Выборы"), on=reply)
    assert await store.chats.subscribed_keys(USER_ID) == {"выборы"}
    toast = only(calls, "answerCallbackQuery")
    assert toast.params["text"] == "Вы подписались на #Выборы"
    redrawn = only(calls, "editMessageReplyMarkup")
    assert ("✅ #Выборы · 1", reply.button("#Выборы")) in redrawn.buttons


async def test_help_lists_every_command_with_an_example(tg: Tg) -> None:
    text = only(await tg.send("/help")).text
    for command in (
        "/latest", "/digest", "/search", "/tags", "/subscribe", "/unsubscribe", "/subscriptions",
        "/settings", "/time", "/timezone", "/pause", "/resume",
    ):  # fmt: skip
        assert command in text
    assert "запятыми" in text  # how several tags are written
    assert "/stats" not in text


def examples(help_text: str) -> list[str]:
    return [html.unescape(code) for code in re.findall(r"<code>(.*?)</code>", help_text)]


@pytest.fixture
async def corpus(store: Storage) -> None:
    await store.articles.upsert_many(
        [article(f"Выборы в мире {i}", tags=("Выборы-2026",), rubric="В мире") for i in range(3)]
        + [article("Экономика растёт", tags=("Экономика",), rubric="Экономика")]
        + [article("Спорт", tags=(), rubric="Спорт")]
    )


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize("language", ["ru", "en"])
async def test_every_help_example_works_when_tried(tg: Tg, store: Storage, language: str) -> None:
    text = only(await tg.send("/help", language=language)).text
    tried = examples(text)
    assert "/latest В мире 10" in tried  # the most active tag
    assert "/subscribe В мире, Выборы-2026" in tried  # a multi-word tag needs the comma
    _ = translator(language)
    success = {  # what each command's successful reply starts with
        "/latest": _("latest.header_tag"),
        "/search": _("search.header"),
        "/subscribe": _("subscribe.added"),
        "/unsubscribe": _("unsubscribe.removed"),
        "/time": _("settings.time_set"),
        "/timezone": _("settings.timezone_set"),
        "/quiet": _("settings.quiet_set"),
        "/follow": _("follow.added"),
        "/mode": _("mode.instant"),
    }
    assert {example.split()[0] for example in tried} == set(success)
    for example in tried:
        reply = only(await tg.send(example, language=language))
        expected = success[example.split()[0]].split("{")[0]
        assert reply.text.startswith(expected), (example, reply.text)
    assert await store.chats.subscribed_keys(USER_ID) == {"выборы_2026"}  # sub, then unsub


async def test_help_on_an_empty_database_offers_no_tag_that_does_not_exist(tg: Tg) -> None:
    text = only(await tg.send("/help")).text
    assert "<code>/latest 10</code>" in text
    assert not [e for e in examples(text) if e.startswith(("/subscribe", "/unsubscribe"))]
    assert "примеры с тегами появятся, когда загрузятся новости" in text


async def test_help_for_a_bot_admin_lists_admin_commands(tg: Tg) -> None:
    text = only(await tg.send("/help", user_id=ADMIN_ID)).text
    assert "/stats" in text
    assert "/ingest" in text


async def test_english_users_get_english(tg: Tg) -> None:
    text = only(await tg.send("/help", language="en-GB")).text
    assert "<b>Commands</b>" in text


@pytest.mark.parametrize("typed", ["/Latest", "/LATEST", "/lAtEsT 3", f"/Latest@{BOT_USERNAME}"])
async def test_commands_are_taken_in_any_letter_case(tg: Tg, store: Storage, typed: str) -> None:
    await store.articles.upsert_many([article("Новость дня")])
    reply = only(await tg.send(typed))
    assert "Новость дня" in reply.text


async def test_a_subscription_command_in_capitals_works(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many([article("А", tags=("Выборы",))])
    assert only(await tg.send("/SUBSCRIBE Выборы")).text == "✅ Вы подписались: #Выборы"
    assert await store.chats.subscribed_keys(USER_ID) == {"выборы"}
    assert "<b>Команды</b>" in only(await tg.send("/Help")).text
