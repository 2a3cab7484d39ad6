"""Forum topics through the real dispatcher: a /subscribe in a topic binds the tag there,
replies stay in the topic they were asked in, and a topic Telegram refuses gets its reply in
the general topic with one line saying why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.storage import Storage
from tests.bot.conftest import GROUP_ID, USER_ID, RecordingSession, Tg, article, only, sent

TOPIC = 7
IN_TOPIC = "🧵 Их раздел сводки будет приходить в эту тему."
CLOSED = "Тема закрыта, поэтому сообщение пришло в общую тему."
GONE = "Темы больше нет, поэтому сообщение пришло в общую тему."


@pytest.fixture
async def news(store: Storage) -> None:
    today = article("Новость", tags=("Выборы",))
    today.published = datetime.now(UTC)
    await store.articles.upsert_many([today])


@pytest.fixture
def admin(session: RecordingSession) -> None:
    session.members[(GROUP_ID, USER_ID)] = "administrator"


def in_forum(thread: int | None) -> dict[str, Any]:
    """A message's fields in a forum: in topic ``thread``, or the general topic."""
    chat = {"id": GROUP_ID, "type": "supergroup", "title": "Desk", "is_forum": True}
    if thread is None:
        return {"chat": chat}
    return {"chat": chat, "message_thread_id": thread, "is_topic_message": True}


@pytest.mark.usefixtures("news", "admin")
async def test_a_subscribe_in_a_topic_binds_the_tag_there_and_answers_there(
    tg: Tg, store: Storage
) -> None:
    reply = only(await tg.send("/subscribe Выборы", chat_id=GROUP_ID, **in_forum(TOPIC)))
    assert int(reply.params["message_thread_id"]) == TOPIC
    assert reply.text == f"✅ Вы подписались: #Выборы\n\n{IN_TOPIC}"
    assert await store.chats.threads(GROUP_ID) == {"выборы": TOPIC}


@pytest.mark.usefixtures("news", "admin")
async def test_a_subscribe_again_elsewhere_moves_the_tag_to_that_topic(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/subscribe Выборы", chat_id=GROUP_ID, **in_forum(TOPIC))
    moved = only(await tg.send("/subscribe Выборы", chat_id=GROUP_ID, **in_forum(9)))
    assert IN_TOPIC in moved.text
    assert await store.chats.threads(GROUP_ID) == {"выборы": 9}
    general = only(await tg.send("/subscribe Выборы", chat_id=GROUP_ID, **in_forum(None)))
    assert "message_thread_id" not in general.params
    assert IN_TOPIC not in general.text
    assert await store.chats.threads(GROUP_ID) == {}
    assert await store.chats.subscribed_keys(GROUP_ID) == {"выборы"}


@pytest.mark.usefixtures("news", "admin")
async def test_a_subscribe_in_a_group_without_topics_binds_nothing(tg: Tg, store: Storage) -> None:
    reply = only(await tg.send("/subscribe Выборы", chat_id=GROUP_ID))
    assert "message_thread_id" not in reply.params
    assert await store.chats.threads(GROUP_ID) == {}
    assert await store.chats.subscribed_keys(GROUP_ID) == {"выборы"}


@pytest.mark.usefixtures("news")
@pytest.mark.parametrize(
    ("description", "line"),
    [("Bad Request: TOPIC_CLOSED", CLOSED), ("Bad Request: message thread not found", GONE)],
)
async def test_a_reply_to_a_topic_telegram_refuses_goes_to_the_general_topic_with_a_line(
    tg: Tg, session: RecordingSession, description: str, line: str
) -> None:
    session.fail(
        "sendMessage", GROUP_ID, {"ok": False, "error_code": 400, "description": description}
    )
    calls = sent(await tg.send("/latest", chat_id=GROUP_ID, **in_forum(TOPIC)))
    refused, answered = calls
    assert int(refused.params["message_thread_id"]) == TOPIC
    assert "message_thread_id" not in answered.params
    note = f"<i>{line}</i>\n\n"
    assert answered.text.startswith(note)
    assert answered.text.removeprefix(note) == refused.text  # the same reply, once
    assert answered.params.get("reply_parameters") is None


@pytest.mark.usefixtures("news")
async def test_another_bad_request_in_a_topic_is_not_taken_for_a_gone_topic(
    tg: Tg, session: RecordingSession
) -> None:
    error = {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
    session.fail("sendMessage", GROUP_ID, error)
    calls = await tg.send("/latest", chat_id=GROUP_ID, **in_forum(TOPIC))
    # The reply is refused; the error handler apologises in the same topic.
    assert [int(c.params["message_thread_id"]) for c in sent(calls)] == [TOPIC, TOPIC]


@pytest.mark.usefixtures("news", "admin")
async def test_a_tag_button_pressed_in_a_topic_binds_the_tag_there(tg: Tg, store: Storage) -> None:
    picker = only(await tg.send("/tags", chat_id=GROUP_ID, **in_forum(TOPIC)))
    assert int(picker.params["message_thread_id"]) == TOPIC
    await tg.press(picker.button("Выборы"), on=picker, **in_forum(TOPIC))
    assert await store.chats.threads(GROUP_ID) == {"выборы": TOPIC}


@pytest.mark.usefixtures("news", "admin")
async def test_a_follow_and_a_mode_sent_in_a_topic_bind_their_alerts_there(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/follow Токаев", chat_id=GROUP_ID, **in_forum(TOPIC))
    [followed] = await store.follows.follows(GROUP_ID)
    assert followed.thread_id == TOPIC
    await tg.send("/follow Токаев", chat_id=GROUP_ID, **in_forum(9))  # followed again: moved
    [followed] = await store.follows.follows(GROUP_ID)
    assert followed.thread_id == 9
    await tg.send("/subscribe Выборы", chat_id=GROUP_ID, **in_forum(None))
    reply = only(await tg.send("/mode Выборы instant", chat_id=GROUP_ID, **in_forum(TOPIC)))
    assert int(reply.params["message_thread_id"]) == TOPIC
    assert await store.chats.threads(GROUP_ID) == {"выборы": TOPIC}
    rules = await store.follows.instant_of([GROUP_ID])
    assert rules[GROUP_ID] == [("tag", "выборы", "#Выборы", TOPIC)]
