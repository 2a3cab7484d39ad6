"""Groups, supergroups and channels: admins change things, others may read; other bots'
commands and ordinary chatter are left alone; a migrated group keeps its subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.storage import Storage
from tests.bot.conftest import (
    BOT_ID,
    BOT_USERNAME,
    GROUP_ID,
    OTHER_USER_ID,
    USER_ID,
    RecordingSession,
    Tg,
    article,
    only,
    sent,
)

ADMINS_ONLY = "Подписки и настройки группы меняют только её администраторы."


@pytest.fixture
async def news(store: Storage) -> None:
    today = article("Новость", tags=("Выборы",))
    today.published = datetime.now(UTC)  # news to a digest
    await store.articles.upsert_many([today])


@pytest.fixture
def admins(session: RecordingSession) -> None:
    session.members[(GROUP_ID, USER_ID)] = "administrator"
    session.members[(GROUP_ID, OTHER_USER_ID)] = "member"


@pytest.mark.usefixtures("news", "admins")
async def test_group_admin_changes_subscriptions_and_settings(tg: Tg, store: Storage) -> None:
    calls = await tg.send("/subscribe Выборы", chat_id=GROUP_ID)
    assert int(only(calls, "getChatMember").params["user_id"]) == USER_ID
    assert only(calls).text == "✅ Вы подписались: #Выборы"
    assert await store.chats.subscribed_keys(GROUP_ID) == {"выборы"}
    await tg.send("/time 08:00", chat_id=GROUP_ID)
    chat = await store.chats.get(GROUP_ID)
    assert chat is not None
    assert chat.digest_time is not None
    assert (chat.type, chat.title) == ("supergroup", f"Chat {GROUP_ID}")


@pytest.mark.usefixtures("news", "admins")
@pytest.mark.parametrize("command", ["/subscribe Выборы", "/unsubscribe Выборы", "/time 08:00",
                                     "/time пн-пт 08:00 19:00", "/quiet 23:00-07:30",
                                     "/timezone Europe/Moscow", "/pause", "/resume"])  # fmt: skip
async def test_a_member_may_not_change_a_group(tg: Tg, store: Storage, command: str) -> None:
    reply = only(await tg.send(command, user_id=OTHER_USER_ID, chat_id=GROUP_ID))
    assert reply.text == ADMINS_ONLY
    chat = await store.chats.get(GROUP_ID, with_subscriptions=True)
    assert chat is not None
    assert (chat.subscriptions, chat.digest_time, chat.timezone, chat.paused) == (
        [],
        None,
        None,
        False,
    )


@pytest.mark.usefixtures("news", "admins")
async def test_a_member_may_read_but_not_press_toggles(tg: Tg, store: Storage) -> None:
    for command in ("/latest", "/tags", "/settings", "/help", "/digest"):
        calls = await tg.send(command, user_id=OTHER_USER_ID, chat_id=GROUP_ID)
        assert sent(calls), command
        assert not [c for c in calls if c.method == "getChatMember"], command
        assert sent(calls)[0].text != ADMINS_ONLY, command
    tags = only(await tg.send("/tags", user_id=OTHER_USER_ID, chat_id=GROUP_ID))
    calls = await tg.press(tags.button("#Выборы"), on=tags, user_id=OTHER_USER_ID)
    alert = only(calls, "answerCallbackQuery")
    assert alert.params["show_alert"]
    assert "администраторы" in alert.params["text"]
    assert await store.chats.subscribed_keys(GROUP_ID) == set()
    await tg.press(tags.button("#Выборы"), on=tags, user_id=USER_ID)
    assert await store.chats.subscribed_keys(GROUP_ID) == {"выборы"}


@pytest.mark.usefixtures("news", "admins")
async def test_a_member_may_not_press_the_schedule_or_quiet_buttons(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/quiet 23:00-07:30", chat_id=GROUP_ID)
    panel = only(await tg.send("/settings", user_id=OTHER_USER_ID, chat_id=GROUP_ID))
    for label in ("✅Сб", "По будням", "ждать до конца"):
        calls = await tg.press(panel.button(label), on=panel, user_id=OTHER_USER_ID)
        assert only(calls, "answerCallbackQuery").params["show_alert"], label
    chat = await store.chats.get(GROUP_ID)
    assert chat is not None
    assert (chat.digest_days, chat.quiet_silent) == (0b1111111, False)
    await tg.press(panel.button("По будням"), on=panel, user_id=USER_ID)
    chat = await store.chats.get(GROUP_ID)
    assert chat is not None
    assert chat.digest_days == 0b0011111


@pytest.mark.usefixtures("news", "admins")
async def test_members_see_the_chats_subscriptions_without_buttons(tg: Tg, store: Storage) -> None:
    assert only(await tg.send("/subscriptions", user_id=OTHER_USER_ID, chat_id=GROUP_ID)).text == (
        "У чата пока нет подписок. Администраторы выбирают темы в /tags."
    )
    await tg.send("/subscribe Выборы", chat_id=GROUP_ID)
    member = only(await tg.send("/subscriptions", user_id=OTHER_USER_ID, chat_id=GROUP_ID))
    assert member.text == "📌 <b>Подписки чата</b>: #Выборы"
    assert member.markup is None
    admin = only(await tg.send("/subscriptions", user_id=USER_ID, chat_id=GROUP_ID))
    assert admin.text.startswith("📌 <b>Подписки чата</b>: #Выборы\n\nНажмите на тег")
    calls = await tg.press(admin.button("❌ #Выборы"), on=admin, user_id=USER_ID)
    assert await store.chats.subscribed_keys(GROUP_ID) == set()
    assert only(calls, "editMessageText").text.startswith("У чата пока нет подписок.")


@pytest.mark.usefixtures("news", "admins")
async def test_a_member_may_ask_for_the_digest_now(tg: Tg, store: Storage) -> None:
    await tg.send("/subscribe Выборы", chat_id=GROUP_ID)
    calls = await tg.send("/digest", user_id=OTHER_USER_ID, chat_id=GROUP_ID)
    assert not [c for c in calls if c.text == ADMINS_ONLY]
    assert await store.outbox.open_count() > 0  # the digest is on its way to the group


@pytest.mark.usefixtures("news")
async def test_an_anonymous_admin_posting_as_the_group_is_an_admin(tg: Tg, store: Storage) -> None:
    sender = {"id": GROUP_ID, "type": "supergroup", "title": "G"}
    calls = await tg.send("/subscribe Выборы", chat_id=GROUP_ID, sender_chat=sender)
    assert not [c for c in calls if c.method == "getChatMember"]
    assert await store.chats.subscribed_keys(GROUP_ID) == {"выборы"}


@pytest.mark.usefixtures("news")
async def test_commands_for_another_bot_are_ignored(tg: Tg) -> None:
    for text in ("/latest@other_bot", "/help@other_bot", "/nonsense@other_bot"):
        assert not sent(await tg.send(text, chat_id=GROUP_ID)), text
        assert not sent(await tg.send(text)), text
    assert sent(await tg.send(f"/latest@{BOT_USERNAME}", chat_id=GROUP_ID))


async def test_in_groups_only_what_is_addressed_to_the_bot_gets_a_hint(tg: Tg) -> None:
    assert not sent(await tg.send("привет всем", chat_id=GROUP_ID))
    assert not sent(await tg.send("/nonsense", chat_id=GROUP_ID))
    hint = only(await tg.send(f"/nonsense@{BOT_USERNAME}", chat_id=GROUP_ID))
    assert hint.text == "Такой команды нет. Список команд — /help."
    ours = {
        "message_id": 1,
        "date": 1,
        "chat": Tg.chat(GROUP_ID),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Svodka"},
        "text": "…",
    }
    assert (
        "/help"
        in only(await tg.send("а что ты умеешь?", chat_id=GROUP_ID, reply_to_message=ours)).text
    )
    theirs = {**ours, "from": Tg.user(OTHER_USER_ID)}
    assert not sent(await tg.send("согласен", chat_id=GROUP_ID, reply_to_message=theirs))


async def test_in_private_chats_anything_unknown_gets_a_hint(tg: Tg) -> None:
    assert only(await tg.send("/nonsense")).text == "Такой команды нет. Список команд — /help."
    assert "/latest" in only(await tg.send("что нового?")).text
    assert (
        "/latest"
        in only(
            await tg.send("", sticker=None, contact={"phone_number": "1", "first_name": "A"})
        ).text
    )


@pytest.mark.usefixtures("news")
async def test_a_group_migrated_to_a_supergroup_keeps_its_subscriptions(
    tg: Tg, store: Storage
) -> None:
    old, new = -4242, -1004242
    sender = {"id": old, "type": "group", "title": "G"}
    await tg.send("/subscribe Выборы", chat_id=old, chat_type="group", sender_chat=sender)
    await tg.send("/time 07:30", chat_id=old, chat_type="group", sender_chat=sender)
    assert await store.chats.subscribed_keys(old) == {"выборы"}
    await tg.send("", chat_id=old, chat_type="group", migrate_to_chat_id=new)
    await tg.send("", chat_id=new, migrate_from_chat_id=old)  # the pair's second message
    assert await store.chats.get(old) is None
    chat = await store.chats.get(new, with_subscriptions=True)
    assert chat is not None
    assert [t.key for t in chat.subscriptions] == ["выборы"]
    assert chat.digest_time is not None
    assert chat.type == "supergroup"


@pytest.mark.usefixtures("news")
async def test_migration_noticed_only_from_the_new_supergroup(tg: Tg, store: Storage) -> None:
    old, new = -77, -10077
    await store.chats.upsert(old, type="group")
    await store.chats.subscribe(old, [(await store.articles.tag("Выборы"))])  # type: ignore[list-item]
    await tg.send("", chat_id=new, migrate_from_chat_id=old)
    assert await store.chats.subscribed_keys(new) == {"выборы"}


@pytest.mark.usefixtures("news")
async def test_channel_posts_are_commands_from_its_admins(tg: Tg, store: Storage) -> None:
    channel = {"id": -1009, "type": "channel", "title": "Канал"}
    post = {"message_id": 5, "date": 1, "chat": channel, "sender_chat": channel}
    command = {"type": "bot_command", "offset": 0, "length": 10}
    calls = await tg.feed(
        {"channel_post": {**post, "text": "/subscribe Выборы", "entities": [command]}}
    )
    assert only(calls).chat_id == -1009
    assert await store.chats.subscribed_keys(-1009) == {"выборы"}
    assert not sent(await tg.feed({"channel_post": {**post, "text": "просто пост"}}))


async def test_removing_or_blocking_the_bot_deactivates_the_chat(tg: Tg, store: Storage) -> None:
    await tg.send("/start")

    def member_update(status: str) -> dict[str, object]:
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Svodka"}
        new: dict[str, object] = {"status": status, "user": bot}
        if status == "kicked":
            new["until_date"] = 0
        return {
            "my_chat_member": {
                "chat": Tg.chat(USER_ID),
                "from": Tg.user(),
                "date": 1,
                "old_chat_member": {"status": "member", "user": bot},
                "new_chat_member": new,
            }
        }

    await tg.feed(member_update("kicked"))
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert not chat.active
    await tg.feed(member_update("member"))
    chat = await store.chats.get(USER_ID)
    assert chat is not None
    assert chat.active
