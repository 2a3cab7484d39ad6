"""The test server's inline mode, chat picker and channel rights, driven by a real aiogram Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    ChatAdministratorRights,
    ChatMemberAdministrator,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    KeyboardButton,
    KeyboardButtonRequestChat,
    ReplyKeyboardMarkup,
)

from tests.botapi import BotAPIServer, RateLimits
from tests.botapi.test_server import close_session, make_bot

ANN = 1001
BOB = 1002
CHANNEL = -100700
GROUP = -4001


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(limits=RateLimits.off()) as srv:
        srv.add_user(ANN, "Ann")
        srv.add_user(BOB, "Bob")
        srv.add_chat(
            CHANNEL,
            "channel",
            title="Новости",
            members={ANN: "creator", BOB: "member"},
            bot_status="administrator",
        )
        srv.add_chat(GROUP, "supergroup", members={ANN: "creator"}, bot_status="administrator")
        yield srv


@pytest.fixture
async def bot(server: BotAPIServer) -> AsyncIterator[Bot]:
    bot = make_bot(server)
    yield bot
    await close_session(bot)


def article(result_id: str, text: str, **content: Any) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=f"Статья {result_id}",
        input_message_content=InputTextMessageContent(
            message_text=text, parse_mode="HTML", **content
        ),
    )


async def updates(bot: Bot) -> list[dict[str, Any]]:
    return [
        u.model_dump(exclude_none=True, by_alias=True) for u in await bot.get_updates(timeout=0)
    ]


# -- inline mode ---------------------------------------------------------------------------


async def test_an_inline_query_reaches_the_bot_cut_to_256_characters(
    server: BotAPIServer, bot: Bot
) -> None:
    assert (await bot.get_me()).supports_inline_queries is True
    query_id = server.send_inline_query(ANN, "выборы " * 200, offset="abc")
    [update] = await updates(bot)
    inline = update["inline_query"]
    assert (inline["id"], inline["from"]["id"], inline["offset"]) == (query_id, ANN, "abc")
    assert len(inline["query"]) == 256


async def test_an_answer_is_checked_and_a_chosen_result_posts_its_parsed_html(
    server: BotAPIServer, bot: Bot
) -> None:
    query_id = server.send_inline_query(ANN, "выборы")
    results = [article("1", "<b>Итоги</b> &amp; явка"), article("2", "Второй")]
    button = InlineQueryResultsButton(text="Открыть бота", start_parameter="inline")
    assert await bot.answer_inline_query(
        query_id, results, cache_time=30, next_offset="x.1", button=button
    )
    record = await server.wait_for_inline_answer(query_id)
    assert record.answer is not None
    assert (record.answer["next_offset"], record.answer["cache_time"]) == ("x.1", 30)
    posted = server.choose_inline_result(ANN, GROUP, query_id, "1")
    assert (posted.text, posted.entities) == (
        "Итоги & явка",
        [{"type": "bold", "offset": 0, "length": 5}],
    )
    assert posted.to_api(server.bot)["via_bot"]["id"] == bot.id
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_inline_query(query_id, results)  # answered once


@pytest.mark.parametrize(
    ("results", "extra", "description"),
    [
        ([article("1", "a"), article("1", "b")], {}, "RESULT_ID_DUPLICATE"),
        ([article(str(n), "a") for n in range(51)], {}, "RESULTS_TOO_MUCH"),
        ([article("x" * 65, "a")], {}, "RESULT_ID_INVALID"),
        ([article("1", "<b>a")], {}, "can't parse entities"),
        ([article("1", "я" * 4097)], {}, "MESSAGE_TOO_LONG"),
        ([article("1", "<b> </b>")], {}, "MESSAGE_EMPTY"),
        ([article("1", "a")], {"next_offset": "o" * 65}, "NEXT_OFFSET_INVALID"),
        (
            [article("1", "a")],
            {"button": InlineQueryResultsButton(text="x", start_parameter="a b")},
            "START_PARAM_INVALID",
        ),
    ],
    ids=["duplicate", "51", "long-id", "html", "4097", "empty", "offset", "start-parameter"],
)
async def test_an_answer_telegram_would_refuse_is_refused(
    server: BotAPIServer,
    bot: Bot,
    results: list[InlineQueryResultArticle],
    extra: dict[str, Any],
    description: str,
) -> None:
    query_id = server.send_inline_query(ANN, "q")
    with pytest.raises(TelegramBadRequest, match=description):
        await bot.answer_inline_query(query_id, results, **extra)
    assert server.inline_queries[query_id].answer is None


async def test_an_unknown_inline_query_cannot_be_answered(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_inline_query("42", [])


# -- the chat picker and channel rights ----------------------------------------------------


def post_rights() -> ChatAdministratorRights:
    required = [n for n, f in ChatAdministratorRights.model_fields.items() if f.is_required()]
    return ChatAdministratorRights(**dict.fromkeys(required, False), can_post_messages=True)


def picker(**options: Any) -> ReplyKeyboardMarkup:
    request = KeyboardButtonRequestChat(
        request_id=7, chat_is_channel=True, request_title=True, **options
    )
    button = KeyboardButton(text="Канал", request_chat=request)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True)


async def test_a_picked_channel_comes_back_as_chat_shared(server: BotAPIServer, bot: Bot) -> None:
    rights = post_rights()
    await bot.send_message(
        ANN,
        "Выберите канал",
        reply_markup=picker(user_administrator_rights=rights, bot_administrator_rights=rights),
    )
    [offer] = server.messages_for(ANN)
    picked = server.share_chat(ANN, offer, CHANNEL)
    [update] = await updates(bot)
    assert update["message"]["message_id"] == picked.message_id
    assert update["message"]["chat_shared"] == {
        "request_id": 7,
        "chat_id": CHANNEL,
        "title": "Новости",
    }


async def test_the_picker_offers_only_chats_that_fit_the_request(
    server: BotAPIServer, bot: Bot
) -> None:
    await bot.send_message(
        BOB, "Выберите канал", reply_markup=picker(user_administrator_rights=post_rights())
    )
    [offer] = server.messages_for(BOB)
    with pytest.raises(ValueError, match="lacks the administrator rights"):
        server.share_chat(BOB, offer, CHANNEL)  # a plain member
    with pytest.raises(ValueError, match="the picker does not offer it"):
        server.share_chat(BOB, offer, GROUP)
    server.share_chat(BOB, offer, CHANNEL, check=False)  # a client that lies
    [update] = await updates(bot)
    assert update["message"]["chat_shared"]["chat_id"] == CHANNEL


async def test_a_malformed_request_chat_button_is_refused(server: BotAPIServer) -> None:
    from tests.botapi.test_server import raw_call

    markup = {"keyboard": [[{"text": "x", "request_chat": {"request_id": "seven"}}]]}
    status, body = await raw_call(
        server, "sendMessage", json={"chat_id": ANN, "text": "x", "reply_markup": markup}
    )
    assert status == 400
    assert "request_id" in body["description"]


async def test_channel_administrators_have_posting_rights_unless_told_otherwise(
    server: BotAPIServer, bot: Bot
) -> None:
    server.set_member(CHANNEL, BOB, "administrator", rights={"can_post_messages": False})
    ann = await bot.get_chat_member(CHANNEL, ANN)
    bob = await bot.get_chat_member(CHANNEL, BOB)
    me = await bot.get_chat_member(CHANNEL, bot.id)
    assert ann.status == "creator"
    assert isinstance(bob, ChatMemberAdministrator)
    assert bob.can_post_messages is False
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_post_messages is True
    group_admin = await bot.get_chat_member(GROUP, bot.id)
    assert isinstance(group_admin, ChatMemberAdministrator)
    assert group_admin.can_post_messages is None  # a channel's right only


async def test_a_bot_without_the_right_to_post_cannot_post_in_the_channel(
    server: BotAPIServer, bot: Bot
) -> None:
    assert (await bot.send_message(CHANNEL, "Дайджест")).chat.id == CHANNEL
    server.chat(CHANNEL).rights[server.bot.id] = {"can_post_messages": False}
    with pytest.raises(TelegramBadRequest, match="not enough rights to send text messages"):
        await bot.send_message(CHANNEL, "Дайджест")


async def test_inline_mode_and_the_picker_over_the_control_api(
    server: BotAPIServer, bot: Bot
) -> None:
    async def control(name: str, **args: Any) -> Any:
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{server.url}/_control/{name}", json=args) as response,
        ):
            body = await response.json()
        assert body["ok"], body
        return body["result"]

    asked = await control("inline_query", user_id=ANN, query="выборы")
    [update] = await updates(bot)
    await bot.answer_inline_query(update["inline_query"]["id"], [article("7", "<i>Итоги</i>")])
    answered = await control("inline_answer", id=asked["inline_query_id"], wait=True)
    assert answered["results"][0]["input_message_content"]["message_text"] == "<i>Итоги</i>"
    posted = await control(
        "choose_inline_result",
        user_id=ANN,
        chat_id=GROUP,
        inline_query_id=asked["inline_query_id"],
        result_id="7",
    )
    assert (posted["text"], posted["via_bot"]["id"]) == ("Итоги", bot.id)
    await bot.send_message(ANN, "Канал?", reply_markup=picker())
    offer = server.messages_for(ANN)[-1]
    picked = await control(
        "share_chat", user_id=ANN, message_id=offer.message_id, shared_chat_id=CHANNEL
    )
    assert picked["chat_shared"]["chat_id"] == CHANNEL
    assert (await control("settings", inline_mode=False))["inline_mode"] is False
    assert (await bot.get_me()).supports_inline_queries is False
