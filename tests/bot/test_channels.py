"""A channel's digest set up from a private chat: picking it, acting for it, losing rights."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from bot.app import create_bot, create_dispatcher
from bot.callbacks import ChannelAction, ChannelPanel
from bot.channels import ChannelRights
from bot.config import Settings
from bot.storage import Storage
from tests.bot.conftest import (
    BOT_ID,
    GROUP_ID,
    USER_ID,
    Call,
    RecordingSession,
    Tg,
    article,
    only,
    sent,
)

CHANNEL = -1001777
POST = {"can_post_messages": True}


def admin(session: RecordingSession, user_id: int, *, post: bool = True) -> None:
    session.members[(CHANNEL, user_id)] = "administrator"
    session.rights[(CHANNEL, user_id)] = POST if post else {}


def keyboard(call: Call) -> list[list[dict[str, Any]]]:
    markup = call.markup or {}
    assert "keyboard" in markup, markup
    return list(markup["keyboard"])


@pytest.fixture
async def news(store: Storage) -> None:
    """Today's news: a digest carries recent articles only."""
    fresh = [article(f"Выборы {n}", tags=("Выборы",)) for n in range(3)]
    fresh.append(article("Матч", tags=("Футбол",), rubric="Спорт"))
    now = datetime.now(UTC)
    for age, item in enumerate(reversed(fresh)):
        item.published = now - timedelta(minutes=10 * (age + 1))
    await store.articles.upsert_many(fresh)


@pytest.fixture
def rights() -> ChannelRights:
    """Telegram asked on every change, nothing remembered (the bot keeps answers 30 s)."""
    return ChannelRights(seconds=0)


@pytest.fixture
async def tg(
    settings: Settings, store: Storage, session: RecordingSession, rights: ChannelRights
) -> AsyncIterator[Tg]:
    bot = create_bot(settings, session=session)
    dispatcher = create_dispatcher(settings=settings, storage=store, channel_rights=rights)
    yield Tg(dispatcher, bot, session)
    await bot.session.close()


@pytest.fixture
async def running(tg: Tg, session: RecordingSession) -> list[Call]:
    """The user picked the channel, where both may post; what the bot answered."""
    admin(session, BOT_ID)
    session.members[(CHANNEL, USER_ID)] = "creator"
    return sent(await tg.share_chat(CHANNEL, title="Новости «Юг»"))


async def test_channels_offers_telegrams_picker_of_channels_where_both_may_post(tg: Tg) -> None:
    reply = only(await tg.send("/channels"))
    assert "Выбрать канал" in reply.text
    [[button]] = keyboard(reply)
    picker = button["request_chat"]
    assert (picker["request_id"], picker["chat_is_channel"], picker["request_title"]) == (
        1,
        True,
        True,
    )
    for side in ("user_administrator_rights", "bot_administrator_rights"):
        assert picker[side]["can_post_messages"] is True
        assert not any(v for k, v in picker[side].items() if k != "can_post_messages")


async def test_channels_is_for_private_chats(tg: Tg) -> None:
    assert "в личном чате" in only(await tg.send("/channels", chat_id=GROUP_ID)).text


@pytest.mark.parametrize("bot_status", ["member", "left", "administrator-without-posting"])
async def test_a_channel_where_the_bot_cannot_post_is_refused(
    tg: Tg, store: Storage, session: RecordingSession, bot_status: str
) -> None:
    session.members[(CHANNEL, USER_ID)] = "creator"
    if bot_status == "administrator-without-posting":
        admin(session, BOT_ID, post=False)
    else:
        session.members[(CHANNEL, BOT_ID)] = bot_status
    reply = only(await tg.share_chat(CHANNEL, title="Новости"))
    assert reply.text.startswith("Бот не может публиковать в канале Новости.")
    assert await store.chats.get(CHANNEL) is None
    assert await store.channels.of_user(USER_ID) == []


async def test_a_channel_whose_getchatmember_fails_is_refused(
    tg: Tg, store: Storage, session: RecordingSession
) -> None:
    not_there = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    session.fail("getChatMember", CHANNEL, not_there)
    reply = only(await tg.share_chat(CHANNEL))
    assert reply.text.startswith("Бот не может публиковать")
    assert await store.chats.get(CHANNEL) is None


@pytest.mark.parametrize("user_status", ["member", "administrator-without-posting", "left"])
async def test_a_user_who_may_not_post_cannot_set_the_channel_up(
    tg: Tg, store: Storage, session: RecordingSession, user_status: str
) -> None:
    admin(session, BOT_ID)
    if user_status == "administrator-without-posting":
        admin(session, USER_ID, post=False)
    else:
        session.members[(CHANNEL, USER_ID)] = user_status
    reply = only(await tg.share_chat(CHANNEL, title="Новости"))
    assert "могут только его администраторы" in reply.text
    assert await store.chats.get(CHANNEL) is None


async def test_a_picked_channel_is_remembered_and_the_chat_acts_for_it(
    store: Storage, running: list[Call]
) -> None:
    acting, panel = running
    assert "Теперь команды в этом чате меняют канал <b>Новости «Юг»</b>" in acting.text
    rows = keyboard(acting)
    assert rows[1] == [{"text": "↩️ Мой чат"}]
    assert (acting.markup or {})["is_persistent"] is True
    assert panel.text.startswith("📢 <b>Канал Новости «Юг»</b>")
    assert "У канала пока нет подписок" in panel.text
    assert [label for label, _ in panel.buttons] == [
        "👁 Предпросмотр дайджеста",
        "🗑 Убрать канал",
        "↩️ Мой чат",
    ]
    channel = await store.chats.get(CHANNEL)
    assert channel is not None
    assert (channel.type, channel.title, channel.language) == ("channel", "Новости «Юг»", "ru")
    selected = await store.channels.selected(USER_ID)
    assert selected is not None
    assert selected.id == CHANNEL


@pytest.mark.usefixtures("news", "running")
async def test_the_ordinary_commands_change_the_channel_not_the_private_chat(
    tg: Tg, store: Storage
) -> None:
    assert "Вы подписались: #Выборы" in only(await tg.send("/subscribe Выборы")).text
    await tg.send("/time 7:30")
    await tg.send("/timezone Москва")
    await tg.send("/quiet 23:00-07:30")
    channel = await store.chats.get(CHANNEL, with_subscriptions=True)
    assert channel is not None
    assert [t.key for t in channel.subscriptions] == ["выборы"]
    assert (channel.digest_time, channel.timezone) == (time(7, 30), "Europe/Moscow")
    assert (channel.quiet_start, channel.quiet_end) == (time(23, 0), time(7, 30))
    mine = await store.chats.get(USER_ID, with_subscriptions=True)
    assert mine is not None
    assert (mine.subscriptions, mine.digest_time, mine.timezone) == ([], None, None)
    assert (mine.quiet_start, mine.quiet_end) == (None, None)
    shown = only(await tg.send("/subscriptions")).text
    assert shown.startswith("📌 <b>Подписки чата</b>: #Выборы")
    assert "07:30" in only(await tg.send("/settings")).text
    tags = only(await tg.send("/tags"))
    assert "✅ 📈 #Выборы · 3" in [label for label, _ in tags.buttons]
    await tg.press(tags.button("#Футбол"), on=tags)
    assert await store.chats.subscribed_keys(CHANNEL) == {"выборы", "футбол"}


@pytest.mark.usefixtures("news", "running")
async def test_a_user_who_lost_admin_rights_may_no_longer_change_the_channel(
    tg: Tg, store: Storage, session: RecordingSession
) -> None:
    await tg.send("/subscribe Выборы")
    session.members[(CHANNEL, USER_ID)] = "member"  # demoted in Telegram
    reply = only(await tg.send("/subscribe Футбол"))
    assert reply.text.startswith("Вы больше не администратор канала Новости «Юг»")
    assert reply.markup == {"remove_keyboard": True}
    assert await store.chats.subscribed_keys(CHANNEL) == {"выборы"}
    assert await store.channels.of_user(USER_ID) == []
    await tg.send("/subscribe Футбол")  # now for the private chat itself
    assert await store.chats.subscribed_keys(USER_ID) == {"футбол"}
    assert await store.chats.subscribed_keys(CHANNEL) == {"выборы"}


@pytest.mark.usefixtures("running")
async def test_a_demoted_user_cannot_use_the_channel_panel(
    tg: Tg, store: Storage, session: RecordingSession
) -> None:
    session.members[(CHANNEL, USER_ID)] = "member"
    calls = await tg.press(ChannelPanel(channel=CHANNEL, action=ChannelAction.REMOVE_CONFIRMED))
    assert "Вы больше не администратор" in only(calls).text
    assert await store.chats.get(CHANNEL) is not None


@pytest.mark.parametrize("rights", [ChannelRights()])
@pytest.mark.usefixtures("news", "running")
async def test_rights_are_asked_once_for_a_burst_of_changes(tg: Tg) -> None:
    calls = [c for text in ("/subscribe Выборы", "/time 8", "/pause", "/resume")
             for c in await tg.send(text)]  # fmt: skip
    assert [c for c in calls if c.method == "getChatMember"] == []  # known since the pick


@pytest.mark.usefixtures("news", "running")
async def test_the_keyboard_leads_back_to_the_private_chat(tg: Tg, store: Storage) -> None:
    back = only(await tg.send("↩️ Мой чат"))
    assert back.text.startswith("↩️ Команды снова меняют ваш собственный чат")
    assert back.markup == {"remove_keyboard": True}
    await tg.send("/subscribe Выборы")
    assert await store.chats.subscribed_keys(USER_ID) == {"выборы"}
    assert await store.chats.subscribed_keys(CHANNEL) == set()
    listed = sent(await tg.send("/channels"))
    assert listed[0].buttons == [
        ("📢 Новости «Юг»", ChannelPanel(channel=CHANNEL, action=ChannelAction.MANAGE).pack())
    ]
    again = sent(await tg.press(listed[0].buttons[0][1], on=listed[0]))
    assert "меняют канал" in again[0].text
    selected = await store.channels.selected(USER_ID)
    assert selected is not None


@pytest.mark.usefixtures("news", "running")
async def test_the_preview_shows_the_next_digest_here_and_sends_nothing_there(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/subscribe Выборы")
    calls = await tg.press(ChannelPanel(channel=CHANNEL, action=ChannelAction.PREVIEW))
    messages = sent(calls)
    assert {m.chat_id for m in messages} == {USER_ID}
    assert messages[0].text.startswith("👁 Так выглядел бы дайджест канала Новости «Юг»")
    assert "Выборы 2" in messages[1].text
    assert await store.outbox.load_pending(0, 10) == []


@pytest.mark.usefixtures("running")
async def test_a_removed_channel_is_forgotten_with_its_settings(tg: Tg, store: Storage) -> None:
    asked = only(
        await tg.press(ChannelPanel(channel=CHANNEL, action=ChannelAction.REMOVE)),
        "editMessageText",
    )
    assert asked.text.startswith("Убрать канал Новости «Юг»?")
    assert await store.chats.get(CHANNEL) is not None
    calls = await tg.press(ChannelPanel(channel=CHANNEL, action=ChannelAction.REMOVE_CONFIRMED))
    assert only(calls, "editMessageText").text.startswith("Канал Новости «Юг» убран")
    assert only(calls).markup == {"remove_keyboard": True}  # it was the one acted for
    assert await store.chats.get(CHANNEL) is None
    assert await store.channels.selected(USER_ID) is None


async def test_a_forged_panel_button_for_a_channel_the_user_does_not_run_is_stale(
    tg: Tg, store: Storage, session: RecordingSession
) -> None:
    await store.chats.upsert(CHANNEL, type="channel", title="Чужой")
    admin(session, USER_ID)
    calls = await tg.press(ChannelPanel(channel=CHANNEL, action=ChannelAction.REMOVE_CONFIRMED))
    assert only(calls, "answerCallbackQuery").params["text"].startswith("Эта кнопка устарела")
    assert await store.chats.get(CHANNEL) is not None


@pytest.mark.usefixtures("news", "running")
async def test_follows_mutes_and_modes_change_the_channel_acted_for(
    tg: Tg, store: Storage
) -> None:
    await tg.send("/subscribe Выборы")
    assert only(await tg.send("/follow Бакаев")).text.startswith("✅ Слежу: «Бакаев»")
    await tg.send("/mute Армения")
    assert only(await tg.send("/mode Выборы instant")).text.startswith("⚡ #Выборы")
    assert [f.phrase for f in await store.follows.follows(CHANNEL)] == ["Бакаев"]
    assert [m.key for m in await store.follows.mutes(CHANNEL)] == ["армения"]
    assert await store.follows.subscription_modes(CHANNEL) == {"выборы": "instant"}
    assert await store.follows.follows(USER_ID) == []
    assert await store.follows.mutes(USER_ID) == []
