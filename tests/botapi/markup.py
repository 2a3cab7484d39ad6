"""``reply_markup`` checked the way Telegram checks it.

Inline keyboards: at most :data:`MAX_BUTTONS` buttons, every button has a string ``text``
and exactly one action field; ``callback_data`` is 1–64 bytes of UTF-8 (else
``BUTTON_DATA_INVALID``); a ``url`` must be a link Telegram accepts. Telegram itself takes
the first action field of a button that has several; here that is an error, because the
Bot API documentation requires exactly one.
"""

from __future__ import annotations

from typing import Any

from tests.botapi.errors import bad_request
from tests.botapi.html import normalize_link

MAX_BUTTONS = 100
MAX_CALLBACK_DATA_BYTES = 64
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CANT_PARSE = "can't parse reply keyboard markup JSON object"


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: object expected")
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in INLINE_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {', '.join(actions)}"
        )
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        if not isinstance(value, str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
            )
        if not 1 <= len(value.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url" and (not isinstance(value, str) or normalize_link(value) is None):
        raise bad_request(f"inline keyboard button URL '{value}' is invalid: Wrong HTTP URL")
    return {"text": button["text"], action: value}


def _inline_keyboard(rows: Any) -> dict[str, Any]:
    if not isinstance(rows, list):
        raise bad_request('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    checked: list[list[dict[str, Any]]] = []
    total = 0
    for row in rows:
        if not isinstance(row, list):
            raise bad_request(
                'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        total += len(row)
        if total > MAX_BUTTONS:
            raise bad_request("REPLY_MARKUP_TOO_LONG")
        checked.append([_inline_button(button) for button in row])
    return {"inline_keyboard": [row for row in checked if row]}


def _request_chat(request: Any) -> None:
    """A ``request_chat`` of a keyboard button: Telegram's chat picker."""
    if not isinstance(request, dict):
        raise bad_request('can\'t parse keyboard button: Field "request_chat" must be an Object')
    request_id = request.get("request_id")
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        raise bad_request(
            'can\'t parse KeyboardButtonRequestChat: Field "request_id" must be of type Number'
        )
    if not -(2**31) <= request_id < 2**31:
        raise bad_request("can't parse KeyboardButtonRequestChat: request_id is out of range")
    if not isinstance(request.get("chat_is_channel"), bool):
        raise bad_request(
            "can't parse KeyboardButtonRequestChat: "
            'Field "chat_is_channel" must be of type Boolean'
        )
    for side in ("user_administrator_rights", "bot_administrator_rights"):
        rights = request.get(side)
        if rights is not None and not (
            isinstance(rights, dict) and all(isinstance(v, bool) for v in rights.values())
        ):
            raise bad_request(f'can\'t parse ChatAdministratorRights: Field "{side}" is invalid')


def _reply_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request('can\'t parse keyboard button: Field "text" must be non-empty')
            if isinstance(button, dict) and "request_chat" in button:
                _request_chat(button["request_chat"])
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not (isinstance(placeholder, str) and len(placeholder) <= 64):
        raise bad_request("input field placeholder must be at most 64 characters")
    return markup


def parse_reply_markup(raw: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate a decoded ``reply_markup``; return the markup to store, or ``None``.

    Raise :class:`APIError` 400 with Telegram's description when it is refused.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request(_CANT_PARSE)
    if "inline_keyboard" in raw:
        return _inline_keyboard(raw["inline_keyboard"])
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in raw:
        return _reply_keyboard(raw)
    if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
        return raw
    raise bad_request(_CANT_PARSE)


def buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every inline button of a markup, row by row."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]


def keyboard_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every button of a reply keyboard (under the input field), row by row."""
    if not markup or "keyboard" not in markup:
        return []
    return [b if isinstance(b, dict) else {"text": b} for row in markup["keyboard"] for b in row]
