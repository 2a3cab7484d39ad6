"""A user, a group and Telegram's refusals, played against the real bot process."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.storage import Storage
from tests.botapi import BotAPIServer
from tests.botapi.models import StoredMessage
from tests.e2e.conftest import ADMIN_ID, BOT_USERNAME, PROJECT_ROOT, BotProcess, bot_env
from tests.waiting import until

pytestmark = pytest.mark.e2e

USER = 1001


def last(server: BotAPIServer, chat_id: int) -> StoredMessage:
    return server.messages_for(chat_id)[-1]


async def say(
    server: BotAPIServer, user: int, text: str, *, chat: int | None = None, replies: int = 1
) -> list[StoredMessage]:
    """The user writes; wait for the bot's ``replies`` new messages and return them."""
    chat_id = user if chat is None else chat
    before = max((m.message_id for m in server.messages_for(chat_id, from_bot=None)), default=0)
    server.send_text(user, chat, text)
    return await server.wait_for_messages(chat_id, replies, after_id=before, timeout=10)


async def press(
    server: BotAPIServer, user: int, message: StoredMessage, label: str, *, replies: int = 0
) -> tuple[dict[str, object], list[StoredMessage]]:
    """Press the button whose label contains ``label``; the callback answer and new messages."""
    before = max(m.message_id for m in server.messages_for(message.chat_id, from_bot=None))
    data = next(b["callback_data"] for b in message.buttons if label in b["text"])
    query = server.press_button(user, message, data)
    answer = await server.wait_for_callback_answer(query, timeout=10)
    if not replies:
        return answer, []
    new = await server.wait_for_messages(message.chat_id, replies, after_id=before, timeout=10)
    return answer, new


def labels(message: StoredMessage) -> list[str]:
    return [b["text"] for b in message.buttons]


async def test_a_private_user_from_start_to_unsubscribe(
    server: BotAPIServer, bot: BotProcess, store: Storage
) -> None:
    server.add_user(USER, "Айгерим", language_code="ru")

    (welcome,) = await say(server, USER, "/start")
    assert welcome.text is not None
    assert "Сводка" in welcome.text
    assert "#Референдум_2026 · 3" in labels(welcome)
    answer, _ = await press(server, USER, welcome, "#Референдум_2026")
    assert answer["text"] == "Вы подписались на #Референдум_2026"
    assert await store.chats.subscribed_keys(USER) == {"референдум_2026"}

    (page,) = await say(server, USER, "/latest 2")
    assert page.text is not None
    assert page.text.startswith("🗞 Свежее по вашим подпискам\n\n1. ЦИК утвердил вопрос")
    assert labels(page) == ["📖 1", "📖 2", "Ещё ⬇️"]
    _, (older,) = await press(server, USER, page, "Ещё", replies=1)
    assert older.text is not None
    assert older.text.startswith("3. Полный текст поправок")
    assert "Ещё ⬇️" not in labels(server.message(USER, page.message_id))  # moved on

    _, article = await press(server, USER, older, "📖 3", replies=3)
    full = "\n\n".join(m.text or "" for m in article)
    assert "Статья 1." in full
    assert "Статья 15." in full

    (found,) = await say(server, USER, "/search выборов")
    assert found.text is not None
    assert found.text.startswith("🔎 Найдено по запросу «выборов»")
    assert "Наблюдатели оценили подготовку к выборам" in found.text

    (settings,) = await say(server, USER, "/time 08:30")
    assert settings.text is not None
    assert "Время дайджеста: 08:30" in settings.text
    (bad,) = await say(server, USER, "/timezone Mars/Olympus")
    assert bad.text is not None
    assert "не найден" in bad.text
    answer, _ = await press(server, USER, settings, "Москва")
    assert answer["text"] == "Часовой пояс: Москва (UTC+03:00)"
    chat = await store.chats.get(USER)
    assert chat is not None
    assert chat.timezone == "Europe/Moscow"
    assert chat.next_digest_at is None

    (gone,) = await say(server, USER, "/unsubscribe #Референдум-2026")
    assert gone.text == "Вы отписались: #Референдум_2026"
    assert await store.chats.subscribed_keys(USER) == set()


async def test_hostile_article_text_arrives_as_plain_text(
    server: BotAPIServer, bot: BotProcess
) -> None:
    server.add_user(USER)
    (page,) = await say(server, USER, "/latest Выборы")
    assert page.text is not None
    assert '<script>alert("x")</script> & <a href="https://evil.example">выборы</a>' in page.text
    assert not [e for e in page.entities if e.get("url", "").startswith("https://evil")]


async def test_an_english_user_gets_english(server: BotAPIServer, bot: BotProcess) -> None:
    server.add_user(USER, language_code="en")
    (page,) = await say(server, USER, "/latest 1")
    assert page.text is not None
    assert page.text.startswith("🗞 Latest news")
    assert server.commands_for(language_code="en")[0]["description"].startswith("latest news")
    assert server.commands_for(language_code="ru")[0]["description"].startswith("свежие")


async def test_group_admin_changes_subscriptions_a_member_cannot(
    server: BotAPIServer, bot: BotProcess, store: Storage
) -> None:
    group, admin, member = -100777, 2001, 2002
    server.add_chat(group, "supergroup", members={admin: "administrator", member: "member"})

    (refused,) = await say(server, member, "/subscribe Нефть", chat=group)
    assert refused.text == "Подписки и настройки группы меняют только её администраторы."
    (done,) = await say(server, admin, "/subscribe Нефть", chat=group)
    assert done.text == "✅ Вы подписались: #Нефть"
    (page,) = await say(server, member, f"/latest@{BOT_USERNAME}", chat=group)
    assert page.text is not None
    assert "Цены на нефть выросли" in page.text

    before = len(server.messages_for(group))
    server.send_text(member, group, "/latest@other_bot")
    server.send_text(member, group, "/help@other_bot")
    (ping,) = await say(server, member, "/help", chat=group)  # processed after the two above
    assert len(server.messages_for(group)) == before + 1
    assert ping.text is not None
    assert "/latest" in ping.text
    assert await store.chats.subscribed_keys(group) == {"нефть"}


async def test_a_migrated_group_keeps_its_subscriptions(
    server: BotAPIServer, bot: BotProcess, store: Storage
) -> None:
    group, admin = -4040, 3001
    server.add_chat(group, "group", members={admin: "creator"})
    await say(server, admin, "/subscribe Футбол", chat=group)
    new_id = server.migrate(group)  # the bot gets both service messages
    for _ in range(100):
        if await store.chats.get(group) is None:
            break
        await asyncio.sleep(0.05)
    assert await store.chats.subscribed_keys(new_id) == {"футбол"}
    (page,) = await say(server, admin, "/latest 1", chat=new_id)
    assert page.text is not None
    assert "Матч тура" in page.text


async def test_a_user_who_blocked_the_bot_is_deactivated_and_the_bot_goes_on(
    server: BotAPIServer, bot: BotProcess, store: Storage
) -> None:
    server.add_user(USER)
    (page,) = await say(server, USER, "/latest 1")
    server.block(USER)  # silently: Telegram refuses the next send with 403
    query = server.press_button(USER, page, next(b["callback_data"] for b in page.buttons))
    await server.wait_for_callback_answer(query, timeout=10)
    await server.wait_for_call("sendMessage", where=lambda c: c.status == 403, timeout=10)
    for _ in range(50):
        chat = await store.chats.get(USER)
        if chat is not None and not chat.active:
            break
        await asyncio.sleep(0.1)
    assert chat is not None
    assert not chat.active
    assert "deactivating" in bot.log

    other = USER + 1
    server.add_user(other)
    assert (await say(server, other, "/help"))[0].text  # still serving everyone else


async def test_flood_control_is_waited_out_and_the_reply_arrives(
    server: BotAPIServer, bot: BotProcess
) -> None:
    server.add_user(USER)
    server.inject_429(USER, retry_after=1)
    started = time.monotonic()
    (reply,) = await say(server, USER, "/help")
    assert time.monotonic() - started >= 1.0
    assert reply.text is not None
    assert "/latest" in reply.text
    statuses = [c.status for c in server.calls("sendMessage", chat_id=USER)]
    assert statuses == [429, 200]
    assert "flood control" in bot.log


async def test_admin_ingests_an_article_sent_as_text(
    server: BotAPIServer, bot: BotProcess, store: Storage
) -> None:
    text = (
        " date 2026-03-05 #Инфляция\nЭкономика\n\nНацбанк сохранил ставку\n\n"
        "Национальный банк сохранил базовую ставку на уровне 16,5%.\n"
    )
    article = server.send_text(ADMIN_ID, None, text)
    (hint,) = await server.wait_for_messages(ADMIN_ID, 1, after_id=article.message_id)
    assert hint.text is not None
    assert "/help" in hint.text  # plain text gets a hint, as always
    command = server.send_text(ADMIN_ID, None, "/ingest", reply_to=article)
    (reply,) = await server.wait_for_messages(ADMIN_ID, 1, after_id=command.message_id)
    assert reply.text is not None
    assert reply.text.startswith("📥 Сохранено: новых 1")
    assert await store.articles.tag("инфляция") is not None


# What a Bot API that is down, or not a Bot API at all, answers getMe with.
BROKEN_ANSWERS = {
    "500": (500, "application/json", '{"ok": false, "error_code": 500, "description": "Oops"}'),
    "502 page": (502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "web page": (200, "text/html", "<!DOCTYPE html><html><body>Welcome</body></html>"),
    "not JSON": (200, "text/plain", "hello"),
    "wrong shape": (200, "application/json", '{"ok": true, "result": [1, 2, 3]}'),
}
SAID = {
    "500": "answered getMe with a server error: Oops",
    "502 page": "answered with an HTML page, not a Bot API response",
    "web page": "answered with an HTML page, not a Bot API response",
    "not JSON": "answered with text that is not JSON, not a Bot API response",
    "wrong shape": "answered with JSON of another shape, not a Bot API response",
}


async def run_bot(database: Path, api_url: str, **env: str) -> tuple[int, str]:
    """``python -m bot run`` to its end (at most two minutes): status and standard error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=PROJECT_ROOT, env=bot_env(database, api_url) | env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, err.decode("utf-8", "replace")


@pytest.mark.parametrize("answer", list(BROKEN_ANSWERS))
async def test_a_broken_bot_api_at_start_is_one_line(database: Path, answer: str) -> None:
    status, content_type, body = BROKEN_ANSWERS[answer]

    async def reply(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", reply)
    async with TestServer(app, host="127.0.0.1") as api:
        url = str(api.make_url("")).rstrip("/")
        code, err = await run_bot(database, url, LOG_LEVEL="WARNING")
    assert code == 1
    assert err.splitlines() == [f"svodka: the Bot API at {url} {SAID[answer]}" + (
        "; is TELEGRAM_API_URL right?" if answer != "500" else ""
    )]  # fmt: skip


async def test_ctrl_c_while_starting_stops_cleanly(server: BotAPIServer, tmp_path: Path) -> None:
    for n, delay in enumerate((0.0, 0.05, 0.3)):
        database = tmp_path / f"fresh-{n}.sqlite3"  # created by the process: a mark of its start
        process = BotProcess(database, server.url, tmp_path / f"bot-{n}.log")
        await process.start()
        await until(database.exists, timeout=60, what="the bot to open its database")
        await asyncio.sleep(delay)
        status = await process.stop(timeout=60)
        assert status in (0, 130), process.log
        assert "Traceback" not in process.log
        assert "Event loop is closed" not in process.log
