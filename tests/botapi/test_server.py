"""The Bot API test server, driven by a real aiogram ``Bot`` over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from tests.botapi import DEFAULT_TOKEN, BotAPIServer, Bucket, RateLimits, Window
from tests.botapi.errors import APIError
from tests.botapi.html import parse_html, utf16_len
from tests.botapi.remote import ControlError, spawn_server

ANN = 1001
BOB = 1002
GROUP = -4001


async def close_session(bot: Bot) -> None:
    # AiohttpSession.close() sleeps 250 ms for TLS shutdown; loopback needs none.
    session = bot.session
    assert isinstance(session, AiohttpSession)
    if session._session is not None:
        await session._session.close()


def make_bot(server: BotAPIServer, token: str = DEFAULT_TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(limits=RateLimits.off()) as srv:
        srv.add_user(ANN, "Ann", username="ann")
        srv.add_user(BOB, "Bob", language_code="en")
        srv.add_chat(GROUP, "group", title="Newsroom", members={ANN: "creator", BOB: "member"})
        yield srv


@pytest.fixture
async def bot(server: BotAPIServer) -> AsyncIterator[Bot]:
    bot = make_bot(server)
    yield bot
    await close_session(bot)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=f"b{i}", callback_data=d)] for i, d in enumerate(data)
        ]
    )


async def raw_call(server: BotAPIServer, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/bot{server.token}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


# -- sending -------------------------------------------------------------------------------


async def test_get_me_reports_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "svodka_bot", True)


async def test_sent_message_comes_back_in_full_and_is_recorded(
    server: BotAPIServer, bot: Bot
) -> None:
    sent = await bot.send_message(
        ANN,
        "<b>Итоги</b> дня: #Референдум_2026",
        parse_mode="HTML",
        reply_markup=keyboard("more:1"),
    )
    assert sent.message_id == 1
    assert sent.from_user is not None
    assert sent.from_user.id == bot.id
    assert sent.chat.id == ANN
    assert sent.chat.first_name == "Ann"
    assert sent.text == "Итоги дня: #Референдум_2026"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [
        ("bold", 0, 5),
        ("hashtag", 11, 16),
    ]
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump(exclude_none=True) == {
        "inline_keyboard": [[{"text": "b0", "callback_data": "more:1"}]]
    }
    [stored] = server.messages_for(ANN)
    assert (stored.html, stored.parse_mode, stored.callback_data) == (
        "<b>Итоги</b> дня: #Референдум_2026",
        "HTML",
        ["more:1"],
    )
    assert stored.entities_of("hashtag") == ["#Референдум_2026"]


async def test_message_ids_increase_per_chat(server: BotAPIServer, bot: Bot) -> None:
    ids = [(await bot.send_message(chat, "x")).message_id for chat in (ANN, ANN, GROUP, ANN)]
    assert ids == [1, 2, 1, 3]


async def test_json_bodies_are_accepted_like_form_bodies(server: BotAPIServer) -> None:
    status, body = await raw_call(
        server,
        "sendMessage",
        json={"chat_id": ANN, "text": "hi", "reply_markup": {"inline_keyboard": []}},
    )
    assert status == 200
    assert body["result"]["text"] == "hi"


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "hi"}, "chat_id is empty"),
        ({"chat_id": str(ANN)}, "message text is empty"),
        ({"chat_id": str(ANN), "text": "  \n "}, "message text is empty"),
        ({"chat_id": "777", "text": "hi"}, "chat not found"),
        ({"chat_id": str(ANN), "text": "hi", "parse_mode": "XML"}, "unsupported parse_mode"),
        (
            {"chat_id": str(ANN), "text": "hi", "reply_markup": "{"},
            "can't parse reply keyboard markup JSON object",
        ),
    ],
)
async def test_bad_send_parameters_are_refused_like_telegram(
    server: BotAPIServer, params: dict[str, str], description: str
) -> None:
    status, body = await raw_call(server, "sendMessage", data=params)
    assert (status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"},
    )


@pytest.mark.parametrize(
    ("options", "description"),
    [
        ("{", "can't parse link preview options JSON object"),
        ('["https://a.kz"]', "can't parse link preview options JSON object"),
        ('{"is_disabled": "yes"}', 'field "is_disabled" must be of type Boolean'),
        ('{"url": 5}', 'field "url" must be of type String'),
        (
            '{"prefer_small_media": true, "prefer_large_media": true}',
            "can't prefer both small and large media in a link preview",
        ),
    ],
)
async def test_bad_link_preview_options_are_refused(
    server: BotAPIServer, options: str, description: str
) -> None:
    params = {"chat_id": str(ANN), "text": "hi", "link_preview_options": options}
    status, body = await raw_call(server, "sendMessage", data=params)
    assert (status, body["description"]) == (400, f"Bad Request: {description}")


async def test_link_preview_options_are_kept_with_the_message(server: BotAPIServer) -> None:
    options = {"url": "https://a.kz/1", "prefer_large_media": True, "show_above_text": True}
    status, _body = await raw_call(
        server,
        "sendMessage",
        json={"chat_id": ANN, "text": "<b>x</b>", "parse_mode": "HTML",
              "link_preview_options": options},
    )  # fmt: skip
    assert status == 200
    assert server.messages_for(ANN)[-1].options["link_preview_options"] == options


async def test_text_over_4096_characters_is_too_long(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ANN, "я" * 4097)


async def test_limit_counts_visible_text_after_html_parsing(
    server: BotAPIServer, bot: Bot
) -> None:
    html = "<b>" + "я" * 4000 + "</b>" + "&amp;" * 96
    assert len(html) > 4096
    sent = await bot.send_message(ANN, html, parse_mode="HTML")
    assert sent.text is not None
    assert len(sent.text) == 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ANN, html + "&lt;", parse_mode="HTML")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("Tom & Jerry", 'Character "&" at byte offset 4 must be escaped as "&amp;"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x &nbsp; y", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=x/y>z</a>", "Unexpected end of name token at byte offset 8"),
        ("Привет <br>", 'Unsupported start tag "br" at byte offset 13'),
    ],
)
async def test_html_telegram_refuses_is_refused(bot: Bot, html: str, reason: str) -> None:
    with pytest.raises(TelegramBadRequest) as error:
        await bot.send_message(ANN, html, parse_mode="HTML")
    assert error.value.message == f"Bad Request: can't parse entities: {reason}"


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("&lt;&gt;&amp;&quot;&#39;&#x41;", "<>&\"'A", []),
        ("<strong>a</strong><em>b</em><ins>c</ins><del>d</del>", "abcd",
         [("bold", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("strikethrough", 3, 1)]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        ("<code>c</code> <tg-spoiler>s</tg-spoiler>", "c s", [("code", 0, 1), ("spoiler", 2, 1)]),
        ('<span class="tg-spoiler">s</span>', "s", [("spoiler", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ("😀<b>x</b>", "😀x", [("bold", 2, 1)]),
        ("&#128512;<b>x</b>", "😀x", [("bold", 2, 1)]),
        ("  <b>x</b>  ", "x", [("bold", 0, 1)]),
        ('<a href="https://ria.ru">РИА</a>', "РИА", [("text_link", 0, 3)]),
    ],
)  # fmt: skip
async def test_html_is_parsed_into_text_and_entities(
    bot: Bot, html: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    sent = await bot.send_message(ANN, html, parse_mode="HTML")
    assert sent.text == text
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == entities


async def test_link_with_javascript_url_is_dropped_like_telegram(
    server: BotAPIServer, bot: Bot
) -> None:
    sent = await bot.send_message(ANN, '<a href="javascript:alert(1)">tap</a>', parse_mode="HTML")
    assert sent.text == "tap"
    assert not sent.entities
    assert server.messages_for(ANN)[0].dropped_links == ["javascript:alert(1)"]


async def test_text_link_url_is_normalised(bot: Bot) -> None:
    sent = await bot.send_message(ANN, '<a href="ria.ru">x</a>', parse_mode="HTML")
    assert sent.entities is not None
    assert sent.entities[0].url == "http://ria.ru/"


# -- keyboards ------------------------------------------------------------------------------


async def test_callback_data_of_65_bytes_is_refused(bot: Bot) -> None:
    await bot.send_message(ANN, "ok", reply_markup=keyboard("ж" * 32))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ANN, "x", reply_markup=keyboard("ж" * 32 + "a"))  # 65 bytes


@pytest.mark.parametrize(
    ("buttons", "reason"),
    [
        ([[{"text": "a"}]], "Text buttons are unallowed in the inline keyboard"),
        ([[{"text": "a", "url": "https://x.org", "callback_data": "d"}]], "exactly one"),
        ([[{"text": "a", "callback_data": ""}]], "BUTTON_DATA_INVALID"),
        ([[{"text": "a", "url": "javascript:alert(1)"}]], "is invalid: Wrong HTTP URL"),
        ([[{"text": "a", "callback_data": "d"}]] * 101, "REPLY_MARKUP_TOO_LONG"),
    ],
)
async def test_bad_inline_keyboards_are_refused(
    server: BotAPIServer, buttons: list[list[dict[str, str]]], reason: str
) -> None:
    status, body = await raw_call(
        server,
        "sendMessage",
        json={"chat_id": ANN, "text": "x", "reply_markup": {"inline_keyboard": buttons}},
    )
    assert status == 400
    assert reason in body["description"]


# -- errors Telegram sends -------------------------------------------------------------------


async def test_injected_429_raises_retry_after_and_opens_a_penalty_window(
    server: BotAPIServer, bot: Bot
) -> None:
    server.limits.penalty = True
    server.inject_429(ANN, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(ANN, "x")
    assert error.value.retry_after == 3
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ANN, "again, too early")
    await bot.send_message(BOB, "other chats are not affected")
    stats = server.stats()
    assert (stats["429"], stats["429.injected"], stats["429.penalty"]) == (2, 1, 1)


@pytest.mark.parametrize(
    ("chat", "reason", "description"),
    [
        (ANN, "blocked", "Forbidden: bot was blocked by the user"),
        (ANN, "deactivated", "Forbidden: user is deactivated"),
        (GROUP, "kicked", "Forbidden: bot was kicked from the group chat"),
        (GROUP, "left", "Forbidden: bot is not a member of the group chat"),
    ],
)
async def test_forbidden_chats_answer_403(
    server: BotAPIServer, bot: Bot, chat: int, reason: str, description: str
) -> None:
    server.block(chat, reason)
    with pytest.raises(TelegramForbiddenError) as error:
        await bot.send_message(chat, "x")
    assert error.value.message == description
    assert server.stats()["403"] == 1


async def test_blocked_user_writing_again_unblocks_the_bot(server: BotAPIServer, bot: Bot) -> None:
    server.block(ANN, notify=True)
    server.send_text(ANN, None, "/start")
    kinds = [next(k for k in u.model_dump(exclude_none=True) if k != "update_id")
             for u in await bot.get_updates()]  # fmt: skip
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    await bot.send_message(ANN, "welcome back")


async def test_migrated_group_answers_with_the_supergroup_id(
    server: BotAPIServer, bot: Bot
) -> None:
    new_id = server.migrate(GROUP)
    with pytest.raises(TelegramMigrateToChat) as error:
        await bot.send_message(GROUP, "x")
    assert error.value.migrate_to_chat_id == new_id
    assert (await bot.send_message(new_id, "x")).chat.type == "supergroup"
    updates = await bot.get_updates()
    assert next(u.message and u.message.migrate_to_chat_id for u in updates) == new_id
    assert updates[1].message is not None
    assert updates[1].message.migrate_from_chat_id == GROUP


async def test_wrong_token_and_unknown_method(server: BotAPIServer) -> None:
    stranger = make_bot(server, "999:wrong")
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await close_session(stranger)
    status, body = await raw_call(server, "sendTelepathy", data={"x": "1"})
    assert (status, body["description"]) == (404, "Not Found")


async def test_dropped_connection_after_delivery_leaves_the_message_sent(
    server: BotAPIServer, bot: Bot
) -> None:
    server.inject_disconnect(ANN, deliver=True)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(ANN, "did it arrive?")
    assert [m.text for m in server.messages_for(ANN)] == ["did it arrive?"]
    assert server.calls("sendMessage")[-1].status == 0


# -- rate limits -----------------------------------------------------------------------------


async def test_per_chat_limit_refuses_a_burst_and_accepts_paced_sends(
    server: BotAPIServer, bot: Bot
) -> None:
    server.limits.per_chat = Bucket(rate=5.0, burst=1)  # one send per 200 ms
    server.limits.penalty = False
    await bot.send_message(ANN, "1")
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(ANN, "2")
    assert error.value.retry_after == 1
    await bot.send_message(BOB, "another chat is fine")
    for text in "345":
        await asyncio.sleep(0.2)
        await bot.send_message(ANN, text)
    assert server.stats()["429.rate.chat"] == 1


async def test_default_per_chat_limit_lets_a_short_burst_through(server: BotAPIServer) -> None:
    server.limits.per_chat = RateLimits().per_chat
    bot = make_bot(server)
    for text in "abc":
        await bot.send_message(ANN, text)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ANN, "d")
    await close_session(bot)


async def test_overall_limit_counts_every_chat(server: BotAPIServer, bot: Bot) -> None:
    server.limits.overall = Window(count=5, period=1.0)
    server.add_users(6, first_id=5000)
    for user_id in range(5000, 5005):
        await bot.send_message(user_id, "x")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(5005, "x")
    assert server.stats()["429.rate.overall"] == 1


async def test_group_limit_is_per_minute(server: BotAPIServer, bot: Bot) -> None:
    server.limits.per_group = Window(count=3, period=60.0)
    for _ in range(3):
        await bot.send_message(GROUP, "x")
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(GROUP, "x")
    assert 55 <= error.value.retry_after <= 60
    await bot.send_message(ANN, "private chats have no per-minute limit")


async def test_penalty_window_refuses_sends_until_retry_after(
    server: BotAPIServer, bot: Bot
) -> None:
    server.limits.per_chat = Bucket(rate=10.0, burst=1)
    server.limits.penalty = True
    await bot.send_message(ANN, "1")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ANN, "2")  # breaks the limit: retry after 1 s
    await asyncio.sleep(0.2)  # the bucket has refilled, the penalty has not run out
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ANN, "3")
    await asyncio.sleep(0.85)
    await bot.send_message(ANN, "4")
    assert (server.stats()["429.rate.chat"], server.stats()["429.penalty"]) == (1, 1)


# -- updates ---------------------------------------------------------------------------------


async def test_long_poll_returns_a_user_command_with_its_entity(
    server: BotAPIServer, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for_polling()
    started = time.monotonic()
    sent = server.send_text(ANN, GROUP, "/latest@svodka_bot 5")
    [update] = await poll
    assert time.monotonic() - started < 1
    message = update.message
    assert isinstance(message, Message)
    assert (message.message_id, message.chat.id, message.text) == (
        sent.message_id, GROUP, "/latest@svodka_bot 5",
    )  # fmt: skip
    assert message.from_user is not None
    assert message.from_user.username == "ann"
    assert [(e.type, e.offset, e.length) for e in message.entities or []] == [
        ("bot_command", 0, 18)
    ]


async def test_offset_confirms_updates_and_timeout_returns_nothing(
    server: BotAPIServer, bot: Bot
) -> None:
    for text in ("/start", "/tags"):
        server.send_text(ANN, None, text)
    first = await bot.get_updates(limit=1)
    assert len(first) == 1
    rest = await bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message and u.message.text for u in rest] == ["/tags"]
    started = time.monotonic()
    assert await bot.get_updates(offset=rest[0].update_id + 1, timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_privacy_mode_hides_plain_group_chatter(server: BotAPIServer, bot: Bot) -> None:
    assert server.send_text(BOB, GROUP, "просто разговор").update_id is None
    assert server.send_text(BOB, GROUP, "/tags").update_id is not None
    assert server.send_text(BOB, GROUP, "эй, @svodka_bot").update_id is not None


async def test_a_second_poller_ends_the_first_with_409(server: BotAPIServer, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for_polling()
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    assert await second == []


async def test_pressing_a_button_sends_a_callback_query(server: BotAPIServer, bot: Bot) -> None:
    sent = await bot.send_message(ANN, "digest", reply_markup=keyboard("page:2"))
    query_id = server.press_button(ANN, server.message(ANN, sent.message_id), "page:2")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data) == (query_id, "page:2")
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    await bot.answer_callback_query(query_id, text="Страница 2")
    assert server.callback_answer(query_id) == {
        "text": "Страница 2", "show_alert": False, "url": None, "cache_time": 0,
    }  # fmt: skip
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(ValueError, match="no callback button"):
        server.press_button(ANN, server.message(ANN, sent.message_id), "page:3")


async def test_dispatcher_polling_serves_a_command_end_to_end(
    server: BotAPIServer, bot: Bot
) -> None:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer(
            f"Привет, <b>{message.from_user and message.from_user.first_name}</b>!",
            parse_mode="HTML",
        )

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        await server.wait_for_polling()
        asked = server.send_text(ANN, None, "/start")
        [reply] = await server.wait_for_messages(ANN, 1, after_id=asked.message_id)
        assert (reply.text, reply.html) == ("Привет, Ann!", "Привет, <b>Ann</b>!")
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_webhook_gets_updates_with_the_secret_and_may_answer_with_a_method(
    server: BotAPIServer, bot: Bot
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update))
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "pong"})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        server.send_text(ANN, None, "ping")
        [reply] = await server.wait_for_messages(ANN)
        assert reply.text == "pong"
        assert received[0][0] == "s3cret"
        assert received[0][1]["message"]["text"] == "ping"
        assert (await bot.get_webhook_info()).pending_update_count == 0
        await bot.delete_webhook()
    finally:
        await runner.cleanup()


# -- editing, chats, commands, files -----------------------------------------------------------


async def test_edits_apply_and_unchanged_edits_are_refused(server: BotAPIServer, bot: Bot) -> None:
    sent = await bot.send_message(ANN, "v1", reply_markup=keyboard("a"))
    await bot.edit_message_text("<i>v2</i>", chat_id=ANN, message_id=sent.message_id,
                                parse_mode="HTML", reply_markup=keyboard("b"))  # fmt: skip
    stored = server.message(ANN, sent.message_id)
    assert (stored.text, stored.html, stored.callback_data, stored.edits) == (
        "v2",
        "<i>v2</i>",
        ["b"],
        1,
    )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<i>v2</i>", chat_id=ANN, message_id=sent.message_id,
                                    parse_mode="HTML", reply_markup=keyboard("b"))  # fmt: skip
    await bot.edit_message_reply_markup(chat_id=ANN, message_id=sent.message_id)
    assert server.message(ANN, sent.message_id).reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANN, message_id=99)
    assert await bot.delete_message(ANN, sent.message_id)
    assert server.messages_for(ANN) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ANN, sent.message_id)


async def test_chat_members_and_admins_come_from_the_registered_chat(
    server: BotAPIServer, bot: Bot
) -> None:
    server.set_member(GROUP, BOB, "administrator")
    statuses = [(await bot.get_chat_member(GROUP, uid)).status for uid in (ANN, BOB, bot.id)]
    assert statuses == ["creator", "administrator", "member"]
    admins = await bot.get_chat_administrators(GROUP)
    assert sorted(a.user.id for a in admins) == [ANN, BOB]
    assert await bot.get_chat_member_count(GROUP) == 3
    assert (await bot.get_chat(GROUP)).title == "Newsroom"
    server.add_user(3003)
    assert (await bot.get_chat_member(GROUP, 3003)).status == "left"


async def test_commands_are_kept_per_scope_and_language(server: BotAPIServer, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="latest", description="Последние")])
    await bot.set_my_commands(
        [BotCommand(command="latest", description="Latest")], language_code="en"
    )
    await bot.set_my_commands([BotCommand(command="admin", description="Admin")],
                              scope=BotCommandScopeChat(chat_id=ANN))  # fmt: skip
    assert [c.description for c in await bot.get_my_commands()] == ["Последние"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Latest"]
    assert server.commands_for("chat", chat_id=ANN) == [
        {"command": "admin", "description": "Admin"}
    ]
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Latest-News", description="x")])


async def test_documents_upload_and_download(server: BotAPIServer, bot: Bot) -> None:
    await bot.send_chat_action(ANN, "upload_document")
    sent = await bot.send_document(
        ANN,
        BufferedInputFile("дайджест".encode(), "digest.txt"),
        caption="<b>Сводка</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None
    assert sent.document.file_name == "digest.txt"
    assert sent.caption == "Сводка"
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read().decode() == "дайджест"


async def test_wait_for_messages_names_what_was_missing(server: BotAPIServer) -> None:
    with pytest.raises(TimeoutError, match=f"1 bot message\\(s\\) in chat {ANN}"):
        await server.wait_for_messages(ANN, timeout=0.1)


async def test_reset_forgets_traffic_but_keeps_the_directory(
    server: BotAPIServer, bot: Bot
) -> None:
    await bot.send_message(ANN, "x")
    server.reset()
    assert server.messages_for(ANN) == []
    assert server.calls() == []
    assert server.stats()["requests"] == 0
    assert (await bot.send_message(ANN, "y")).message_id == 2


# -- subprocess mode -------------------------------------------------------------------------


async def test_subprocess_prints_its_url_and_obeys_the_control_api() -> None:
    async with spawn_server("--no-limits") as spawned:
        control = spawned.control
        assert spawned.url.startswith("http://127.0.0.1:")
        await control.call("users", id=ANN, first_name="Ann")
        sent = await control.call("send_text", user_id=ANN, text="/start")
        assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        bot = Bot(
            DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(spawned.url))
        )
        try:
            [update] = await bot.get_updates()
            assert update.message is not None
            assert update.message.text == "/start"
            await control.call("inject", chat_id=ANN, error_code=403,
                               description="Forbidden: bot was blocked by the user")  # fmt: skip
            with pytest.raises(TelegramForbiddenError):
                await bot.send_message(ANN, "x")
            await bot.send_message(ANN, "<b>hi</b>", parse_mode="HTML")
        finally:
            await close_session(bot)
        [message] = await control.call("wait_messages", chat_id=ANN, count=1, timeout=2)
        assert (message["text"], message["html"]) == ("hi", "<b>hi</b>")
        stats = await control.call("stats")
        assert (stats["403"], stats["sent"]) == (1, 1)
        with pytest.raises(ControlError, match="408"):
            await control.call("wait_messages", chat_id=ANN, count=2, timeout=0.1)
        calls = await control.call("calls", method="sendMessage")
        assert [c["status"] for c in calls] == [403, 200]
        bulk = [{"user_id": ANN, "text": text} for text in ("a", "b")]
        assert await control.call("send_text", messages=bulk) == [2, 3]


# -- smaller rules -------------------------------------------------------------------------


async def test_lenient_html_keeps_a_bare_ampersand_like_telegram(
    server: BotAPIServer, bot: Bot
) -> None:
    server.strict_html = False
    sent = await bot.send_message(ANN, "AT&T &nbsp; <b>x</b>", parse_mode="HTML")
    assert sent.text == "AT&T &nbsp; x"


async def test_allowed_updates_filter_the_updates_queued_afterwards(
    server: BotAPIServer, bot: Bot
) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    server.send_text(ANN, None, "/start")
    assert await bot.get_updates() == []
    assert server.stats()["updates_filtered"] == 1


async def test_channel_posts_need_administrator_rights(server: BotAPIServer, bot: Bot) -> None:
    server.add_chat(-1009, "channel", title="Лента", username="lenta")
    with pytest.raises(TelegramBadRequest, match="need administrator rights"):
        await bot.send_message("@lenta", "x")
    server.chat(-1009).bot_status = "administrator"
    sent = await bot.send_message("@lenta", "x")
    assert sent.sender_chat is not None
    assert sent.sender_chat.id == -1009
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message("@ann", "users cannot be addressed by username")


async def test_limits_and_settings_change_over_the_control_api(server: BotAPIServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.url}/_control/limits", json={"per_chat": {"rate": 2, "burst": 1}}
        ) as response:
            body = await response.json()
        async with http.get(f"{server.url}/_control/settings?latency=0.01") as response:
            settings = (await response.json())["result"]
    assert body["result"]["per_chat"] == {"rate": 2.0, "burst": 1}
    assert server.limits.per_chat == Bucket(2.0, 1)
    assert settings["latency"] == 0.01


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    parsed = parse_html(html.escape(text))
    assert (parsed.text, parsed.entities) == (text, [])


@given(st.lists(st.sampled_from(["<b>", "</b>", "<i>", "</i>", "<a href='x.ru'>", "</a>",
                                 "<pre>", "<code class=language-py>", "</code>", "</pre>",
                                 "&amp;", "&", "<", ">", "я", "😀", " ", "&#128512;"]),
                max_size=12))  # fmt: skip
def test_any_markup_is_parsed_or_refused_with_400(pieces: list[str]) -> None:
    source = "".join(pieces)
    try:
        parsed = parse_html(source)
    except APIError:
        with pytest.raises(APIError, match=r"^Bad Request: can't parse entities: "):
            parse_html(source)
        return
    total = utf16_len(parsed.text)
    assert all(0 <= e["offset"] < e["offset"] + e["length"] <= total for e in parsed.entities)
