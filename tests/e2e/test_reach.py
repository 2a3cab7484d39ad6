"""Deep links, inline mode and a channel run from a private chat, against the real process."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Article
from bot.storage import Storage
from tests.botapi import BotAPIServer
from tests.e2e.conftest import BOT_USERNAME, BotProcess
from tests.e2e.test_bot_process import press, say
from tests.waiting import until

pytestmark = pytest.mark.e2e

READER, FRIEND, EDITOR = 1001, 1002, 1003
CHANNEL = -1001234
REFERENDUM = "ЦИК утвердил вопрос референдума"
BALLOTS = "Бюллетени для референдума напечатаны"


async def test_a_shared_deep_link_subscribes_a_friend_in_one_tap(
    server: BotAPIServer, bot: BotProcess, store: Storage
) -> None:
    server.add_user(READER)
    server.add_user(FRIEND)
    (page,) = await say(server, READER, "/latest Референдум-2026")
    assert page.buttons[-1]["text"] == "🔗 Ссылка на #Референдум_2026"
    _, (given,) = await press(server, READER, page, "🔗", replies=1)
    assert given.text is not None
    link = next(word for word in given.text.split() if "?start=" in word)
    tag_id = (await store.articles.tag_ids(["Референдум-2026"]))["референдум_2026"]
    assert link == f"https://t.me/{BOT_USERNAME}?start=t_{tag_id}"

    # The friend opens the link: Telegram sends /start with its payload.
    (offer,) = await say(server, FRIEND, "/start " + link.partition("?start=")[2])
    assert offer.text is not None
    assert "Подписаться на #Референдум_2026? Новостей с этим тегом: 3." in offer.text
    assert await store.chats.subscribed_keys(FRIEND) == set()
    answer, _ = await press(server, FRIEND, offer, "Подписаться")
    assert answer["text"] is None  # the message itself says it
    await until(lambda: server.message(FRIEND, offer.message_id).edits == 1, 10, "the edit")
    assert (server.message(FRIEND, offer.message_id).text or "").startswith("✅ Вы подписались")
    assert await store.chats.subscribed_keys(FRIEND) == {"референдум_2026"}

    (stale,) = await say(server, FRIEND, "/start t_99999")
    assert stale.text is not None
    assert "устарела или неверна" in stale.text


async def test_an_inline_query_offers_items_that_post_as_valid_html(
    server: BotAPIServer, bot: BotProcess
) -> None:
    server.add_user(READER)
    query = server.send_inline_query(READER, "референдума")
    answered = await server.wait_for_inline_answer(query, timeout=10)
    titles = [result["title"] for result in answered.results]
    assert titles[0] == REFERENDUM
    assert "Полный текст поправок к Конституции" in titles
    group = -100555
    server.add_chat(group, "supergroup", members={READER: "member"})
    posted = server.choose_inline_result(READER, group, query, answered.results[0]["id"])
    assert posted.text is not None
    assert posted.text.startswith(REFERENDUM + "\n")
    assert {"type": "bold", "offset": 0, "length": len(REFERENDUM)} in posted.entities
    assert "Центральная избирательная комиссия" in posted.text

    hostile = server.send_inline_query(READER, "опрос выборы")
    [result] = (await server.wait_for_inline_answer(hostile, timeout=10)).results
    shown = server.choose_inline_result(READER, group, hostile, result["id"])
    assert '<script>alert("x")</script>' in (shown.text or "")  # plain text, not markup
    assert not [e for e in shown.entities if "evil" in e.get("url", "")]

    long_query = server.send_inline_query(READER, "референдум " * 100)  # cut to 256 by Telegram
    assert (await server.wait_for_inline_answer(long_query, timeout=10)).results


async def test_a_channel_set_up_from_a_private_chat_gets_its_digest(
    server: BotAPIServer, bot: BotProcess, store: Storage
) -> None:
    server.add_user(EDITOR, "Редактор")
    server.add_chat(
        CHANNEL, "channel", title="Новости «Юг»", members={EDITOR: "creator"},
        bot_status="administrator",
    )  # fmt: skip
    (offer,) = await say(server, EDITOR, "/channels")
    before = offer.message_id
    server.share_chat(EDITOR, offer, CHANNEL)
    acting, panel = await server.wait_for_messages(EDITOR, 2, after_id=before, timeout=10)
    assert "меняют канал" in (acting.text or "")
    assert (panel.text or "").startswith("📢 Канал Новости «Юг»")

    (done,) = await say(server, EDITOR, "/subscribe Референдум-2026")
    assert done.text == "✅ Вы подписались: #Референдум_2026"
    assert await store.chats.subscribed_keys(CHANNEL) == {"референдум_2026"}
    assert await store.chats.subscribed_keys(EDITOR) == set()
    assert server.messages_for(CHANNEL) == []  # nothing posted there yet

    # Today's news on its tag (a digest carries recent news only), then its digest falls
    # due; the bot's planner takes it within its half-minute pass.
    today = Article(
        title=BALLOTS,
        published=datetime.now(UTC) - timedelta(minutes=5),
        lead="Бюллетени для референдума напечатаны.",
        brief="Бюллетени для референдума напечатаны.",
        body=("Бюллетени для референдума напечатаны.",),
        rubric="Политика",
        tags=("Референдум-2026",),
        url="https://example.kz/ballots",
    )
    await store.articles.upsert_many([today])
    await store.db.execute(  # type: ignore[attr-defined]
        "UPDATE chats SET next_digest_at = $1 WHERE id = $2", int(time.time()) - 60, CHANNEL
    )
    [digest, *_] = await server.wait_for_messages(CHANNEL, 1, timeout=90)
    assert digest.html is not None  # parsed and accepted as Telegram's HTML
    assert (digest.text or "").startswith("📰 Сводка за")
    assert BALLOTS in (digest.text or "")
    assert "Цены на нефть" not in (digest.text or "")
