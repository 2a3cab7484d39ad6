"""Bot API methods about the bot, chats and members, commands, updates and webhooks."""

from __future__ import annotations

import re
from typing import Any

from tests.botapi.core import Handler, Telegram, api_method
from tests.botapi.errors import bad_request, conflict, migrated
from tests.botapi.models import PRESENT_STATUSES, Chat, User
from tests.botapi.params import Params
from tests.botapi.updates import UPDATE_TYPES

COMMAND_SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_SECRET = re.compile(r"[A-Za-z0-9_\-]{1,256}")
_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages", "can_manage_topics",
)  # fmt: skip


def member_json(user: User, status: str, chat: Chat | None = None) -> dict[str, Any]:
    """A ChatMember object of the right variant for ``status``; an administrator of ``chat``
    has its rights there (every right unless ``chat.rights`` says otherwise, and in a channel
    the channel's own: posting and editing messages)."""
    out: dict[str, Any] = {"status": status, "user": user.to_api()}
    if status == "creator":
        out["is_anonymous"] = False
    elif status == "administrator":
        out.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        out.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        out["can_send_welcome_messages"] = True
        if chat is not None and chat.type == "channel":
            out.update(can_post_messages=True, can_edit_messages=True)
        if chat is not None:
            out.update(chat.rights.get(user.id, {}))
    elif status == "restricted":
        out.update(is_member=True, until_date=0, can_send_messages=False)
        for right in (
            "audios", "documents", "photos", "videos", "video_notes", "voice_notes", "polls",
            "other_messages",
        ):  # fmt: skip
            out[f"can_send_{right}"] = False
        out.update(
            can_add_web_page_previews=False, can_react_to_messages=True, can_edit_tag=False,
            can_change_info=False, can_invite_users=False, can_pin_messages=False,
            can_manage_topics=False,
        )  # fmt: skip
    elif status == "kicked":
        out["until_date"] = 0
    return out


@api_method("getMe")
async def get_me(tg: Telegram, p: Params) -> dict[str, Any]:
    return {
        **tg.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": not tg.privacy_mode,
        "supports_inline_queries": tg.inline_mode,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("logOut")
async def log_out(tg: Telegram, p: Params) -> bool:
    return True


@api_method("close")
async def close(tg: Telegram, p: Params) -> bool:
    return True


@api_method("setChatMenuButton")
async def set_chat_menu_button(tg: Telegram, p: Params) -> bool:
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(tg: Telegram, p: Params) -> dict[str, Any]:
    return {"type": "commands"}


@api_method("getChat")
async def get_chat(tg: Telegram, p: Params) -> dict[str, Any]:
    chat = tg.find_chat(p.raw.get("chat_id"))
    gifts = (
        "unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
        "gifts_from_channels",
    )  # fmt: skip
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gifts, False),
    }


def _user_id(p: Params) -> int:
    user_id = p.get_int("user_id")
    if user_id is None:
        raise bad_request("invalid user_id specified")
    return user_id


@api_method("getChatMember")
async def get_chat_member(tg: Telegram, p: Params) -> dict[str, Any]:
    chat = tg.find_chat(p.raw.get("chat_id"))
    user_id = _user_id(p)
    if user_id == tg.bot.id:
        return member_json(tg.bot, "member" if chat.type == "private" else chat.bot_status, chat)
    user = tg.users.get(user_id)
    if user is None or (chat.type == "private" and user_id != chat.id):
        raise bad_request("user not found")
    status = "member" if chat.type == "private" else chat.members.get(user_id, "left")
    return member_json(user, status, chat)


@api_method("getChatAdministrators")
async def get_chat_administrators(tg: Telegram, p: Params) -> list[dict[str, Any]]:
    chat = tg.find_chat(p.raw.get("chat_id"))
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [
        member_json(tg.users[user_id], status, chat)
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator") and user_id in tg.users
    ]
    if chat.bot_status == "administrator":
        admins.append(member_json(tg.bot, "administrator", chat))
    return admins


@api_method("getChatMemberCount")
async def get_chat_member_count(tg: Telegram, p: Params) -> int:
    chat = tg.find_chat(p.raw.get("chat_id"))
    if chat.type == "private":
        return 2
    present = sum(1 for status in chat.members.values() if status in PRESENT_STATUSES)
    return present + (1 if chat.bot_status in PRESENT_STATUSES else 0)


@api_method("leaveChat")
async def leave_chat(tg: Telegram, p: Params) -> bool:
    chat = tg.find_chat(p.raw.get("chat_id"))
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    if chat.migrated_to is not None:
        raise migrated(chat.migrated_to)
    chat.bot_status = "left"
    tg.forbid(chat, f"bot is not a member of the {chat.type} chat")
    return True


# -- commands and the bot's own texts --------------------------------------------------


def command_key(
    tg: Telegram, scope: Any, language_code: str | None
) -> tuple[str, int | None, int | None, str]:
    """The storage key of a (scope, language_code) pair, validated like Telegram."""
    scope = scope or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
        raise bad_request("unsupported bot command scope type")
    kind: str = scope["type"]
    chat: Chat | None = None
    user_id: int | None = None
    if kind in ("chat", "chat_administrators", "chat_member"):
        chat = tg.find_chat(scope.get("chat_id"))
    if kind == "chat_member":
        user_id = int(scope.get("user_id") or 0)
        if user_id not in tg.users:
            raise bad_request("user not found")
    language = language_code or ""
    if language and not _LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return kind, chat.id if chat else None, user_id, language


@api_method("setMyCommands")
async def set_my_commands(tg: Telegram, p: Params) -> bool:
    commands = p.get_json("commands", "commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    checked: list[dict[str, str]] = []
    for item in commands:
        command = item.get("command") if isinstance(item, dict) else None
        description = item.get("description") if isinstance(item, dict) else None
        if not isinstance(command, str) or not _COMMAND.fullmatch(command.removeprefix("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": command.removeprefix("/"), "description": description})
    key = command_key(tg, p.get_json("scope", "scope"), p.get_str("language_code"))
    if checked:
        tg.commands[key] = checked
    else:
        tg.commands.pop(key, None)
    return True


@api_method("getMyCommands")
async def get_my_commands(tg: Telegram, p: Params) -> list[dict[str, str]]:
    key = command_key(tg, p.get_json("scope", "scope"), p.get_str("language_code"))
    return tg.commands.get(key, [])


@api_method("deleteMyCommands")
async def delete_my_commands(tg: Telegram, p: Params) -> bool:
    key = command_key(tg, p.get_json("scope", "scope"), p.get_str("language_code"))
    tg.commands.pop(key, None)
    return True


def _bot_text(field: str, limit: int) -> tuple[Handler, Handler]:
    async def setter(tg: Telegram, p: Params) -> bool:
        value = p.get_str(field) or ""
        language = p.get_str("language_code") or ""
        if len(value) > limit:
            raise bad_request(f"{field.replace('_', ' ')} is too long")
        if value:
            tg.bot_texts[field, language] = value
        else:
            tg.bot_texts.pop((field, language), None)
        return True

    async def getter(tg: Telegram, p: Params) -> dict[str, str]:
        language = p.get_str("language_code") or ""
        value = tg.bot_texts.get((field, language)) or tg.bot_texts.get((field, ""), "")
        if field == "name" and not value:
            value = tg.bot.first_name
        return {field: value}

    return setter, getter


for _method, _field, _limit in (
    ("MyDescription", "description", 512),
    ("MyShortDescription", "short_description", 120),
    ("MyName", "name", 64),
):
    _setter, _getter = _bot_text(_field, _limit)
    api_method(f"set{_method}")(_setter)
    api_method(f"get{_method}")(_getter)


# -- updates and webhooks ----------------------------------------------------------------


def _allowed(p: Params) -> list[str] | None:
    allowed = p.get_json("allowed_updates", "allowed updates")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed updates JSON object")
    return [kind for kind in allowed if kind in UPDATE_TYPES]


@api_method("getUpdates")
async def get_updates(tg: Telegram, p: Params) -> list[dict[str, Any]]:
    if tg.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete "
            "the webhook first"
        )
    tg.queue.set_allowed(_allowed(p))
    timeout = p.get_float("timeout", 0.0) or 0.0
    return await tg.queue.get(p.get_int("offset"), p.get_int("limit", 100) or 100, timeout)


@api_method("setWebhook")
async def set_webhook(tg: Telegram, p: Params) -> bool:
    url = (p.get_str("url") or "").strip()
    if not url:
        deleted: bool = await delete_webhook(tg, p)
        return deleted
    if not re.match(r"https?://[^/\s:]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get_str("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    tg.queue.set_allowed(_allowed(p))
    if p.get_bool("drop_pending_updates"):
        tg.queue.clear()
    tg.webhook = {
        "url": url,
        "secret_token": secret,
        "max_connections": p.get_int("max_connections", 40),
    }
    tg.queue.interrupt()
    tg.on_webhook_change()
    return True


@api_method("deleteWebhook")
async def delete_webhook(tg: Telegram, p: Params) -> bool:
    if p.get_bool("drop_pending_updates"):
        tg.queue.clear()
    if tg.webhook is not None:
        tg.webhook = None
        tg.on_webhook_change()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(tg: Telegram, p: Params) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(tg.queue.pending),
    }
    if tg.webhook is not None:
        info["url"] = tg.webhook["url"]
        info["max_connections"] = tg.webhook["max_connections"]
        for key in ("last_error_date", "last_error_message"):
            if tg.webhook.get(key) is not None:
                info[key] = tg.webhook[key]
    if tg.queue.allowed is not None:
        info["allowed_updates"] = sorted(tg.queue.allowed)
    return info
