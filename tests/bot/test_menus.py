"""The command menus per role, set at start-up in Russian (the default) and English."""

from __future__ import annotations

import logging

import pytest
from aiogram.methods import SetMyCommands

from tests.bot.conftest import ADMIN_ID, Tg

READER = {
    *("latest", "top", "digest", "search", "tags"),
    *("subscriptions", "settings", "help", "start"),
}
CHAT_ADMIN = {"subscribe", "unsubscribe", "time", "timezone", "quiet", "pause", "resume"} | {
    "follow", "unfollow", "mute", "unmute", "mode",
}  # fmt: skip
BOT_ADMIN = {
    "stats", "ingest", "feeds", "addfeed", "rmfeed", "pausefeed", "resumefeed", "importopml",
}  # fmt: skip

Menus = dict[tuple[str, int | None, str | None], dict[str, str]]


async def menus(tg: Tg) -> Menus:
    """What start-up registered: (scope, chat, language) -> command -> description."""
    await tg.dp.emit_startup(bot=tg.bot)
    found: Menus = {}
    for call in tg.session.calls:
        if call.method != SetMyCommands.__api_method__:
            continue
        scope = call.json("scope") or {"type": "default"}
        key = (scope["type"], scope.get("chat_id"), call.params.get("language_code"))
        found[key] = {d["command"]: d["description"] for d in call.json("commands")}
    return found


async def test_each_role_sees_its_commands_in_both_languages(tg: Tg) -> None:
    found = await menus(tg)
    expected = {
        "default": READER,
        "all_group_chats": READER,
        "all_chat_administrators": READER | CHAT_ADMIN,
        "all_private_chats": READER | CHAT_ADMIN | {"channels"},
    }
    for scope, commands in expected.items():
        for language in (None, "ru", "en"):
            assert set(found[scope, None, language]) == commands, (scope, language)
    for language in (None, "ru", "en"):
        admin = found["chat", ADMIN_ID, language]
        assert set(admin) == READER | CHAT_ADMIN | {"channels"} | BOT_ADMIN
    assert len(found) == 3 * (len(expected) + 1)


async def test_menus_speak_russian_by_default_and_english_to_english_users(tg: Tg) -> None:
    found = await menus(tg)
    russian, english = found["default", None, None], found["default", None, "en"]
    assert russian == found["default", None, "ru"]
    assert russian["latest"] == "свежие новости: /latest [тег] [N]"
    assert english["latest"] == "latest news: /latest [tag] [N]"
    admin = found["chat", ADMIN_ID, "en"]
    assert admin["importopml"] == "import feeds: reply to an OPML file"
    assert list(admin)[:4] == ["latest", "top", "digest", "search"]  # in the menu's order


async def test_a_menu_telegram_refuses_is_logged_and_the_others_are_set(
    tg: Tg, caplog: pytest.LogCaptureFixture
) -> None:
    refused = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    tg.session.fail("setMyCommands", None, refused)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        found = await menus(tg)
    assert ("default", None, "en") not in found  # that scope was given up on
    assert ("all_group_chats", None, "en") in found
    assert ("chat", ADMIN_ID, "en") in found
    assert any("could not set the command menu for default" in r.message for r in caplog.records)
