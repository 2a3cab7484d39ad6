"""Bot API methods that send, edit and delete messages, and answer callback queries."""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from tests.botapi.core import Telegram, api_method
from tests.botapi.entities import format_text, text_length
from tests.botapi.errors import APIError, bad_request
from tests.botapi.html import ParsedText
from tests.botapi.markup import parse_reply_markup
from tests.botapi.methods_topics import send_thread
from tests.botapi.models import Chat, StoredFile, StoredMessage
from tests.botapi.params import Params, UploadedFile

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_UPLOAD = 50 * 1024 * 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_OPTIONS = (
    "link_preview_options", "disable_web_page_preview", "disable_notification",
    "protect_content", "message_thread_id", "message_effect_id", "business_connection_id",
)  # fmt: skip
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_PREVIEW_FLAGS = ("is_disabled", "prefer_small_media", "prefer_large_media", "show_above_text")


def _text(
    tg: Telegram, p: Params, field: str, entities_field: str
) -> tuple[ParsedText, str | None, str]:
    raw = p.get_str(field) or ""
    parsed, mode = format_text(
        raw,
        p.get_str("parse_mode"),
        p.get_json(entities_field, entities_field),
        strict_html=tg.strict_html,
    )
    return parsed, mode, raw


def _check_length(tg: Telegram, text: str, limit: int, what: str) -> None:
    if text_length(text, tg.length_unit) > limit:
        raise bad_request(f"{what} is too long")


def _reply_target(tg: Telegram, chat: Chat, p: Params) -> StoredMessage | None:
    parameters = p.get_json("reply_parameters", "reply parameters")
    if isinstance(parameters, dict):
        message_id = parameters.get("message_id")
        allow = bool(parameters.get("allow_sending_without_reply"))
        if parameters.get("chat_id") not in (None, chat.id):
            chat = tg.find_chat(parameters["chat_id"])
    else:
        message_id = p.get_int("reply_to_message_id")
        allow = p.get_bool("allow_sending_without_reply")
    if message_id is None:
        return None
    target = chat.messages.get(int(message_id))
    if target is None or target.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return target


def _check_link_preview(p: Params) -> None:
    """Refuse link preview options Telegram cannot read: not an object, a field of the wrong
    type, or asking for small and large media at once."""
    options = p.get_json("link_preview_options", "link preview options")
    if options is None:
        return
    if not isinstance(options, dict):
        raise bad_request("can't parse link preview options JSON object")
    for name in _PREVIEW_FLAGS:
        if name in options and not isinstance(options[name], bool):
            raise bad_request(f'field "{name}" must be of type Boolean')
    if "url" in options and not isinstance(options["url"], str):
        raise bad_request('field "url" must be of type String')
    if options.get("prefer_small_media") and options.get("prefer_large_media"):
        raise bad_request("can't prefer both small and large media in a link preview")


def _store(tg: Telegram, chat: Chat, p: Params, **fields: Any) -> StoredMessage:
    message = StoredMessage(
        chat=chat,
        message_id=chat.next_message_id(),
        date=int(time.time()),
        sent_at=time.monotonic(),
        from_bot=True,
        sender=tg.bot,
        options={name: p.raw[name] for name in _OPTIONS if name in p.raw},
        **fields,
    )
    chat.messages[message.message_id] = message
    return message


@api_method("sendMessage")
async def send_message(tg: Telegram, p: Params) -> dict[str, Any]:
    parsed, mode, raw = _text(tg, p, "text", "entities")
    if not parsed.text:
        raise bad_request("message text is empty")
    markup = parse_reply_markup(p.get_json("reply_markup", "reply keyboard markup"))
    chat = tg.writable(tg.find_chat(p.raw.get("chat_id")))
    _check_length(tg, parsed.text, MAX_TEXT, "message")
    _check_link_preview(p)
    reply_to = _reply_target(tg, chat, p)
    thread_id = send_thread(chat, p, reply_to)
    tg.admit_send(chat, p)
    message = _store(
        tg, chat, p, text=parsed.text, entities=parsed.entities, raw_text=raw, parse_mode=mode,
        reply_markup=markup, reply_to=reply_to, dropped_links=parsed.dropped_links,
        thread_id=thread_id,
    )  # fmt: skip
    return message.to_api(tg.bot)


def _upload(tg: Telegram, p: Params) -> StoredFile:
    value = p.raw.get("document")
    upload: UploadedFile | None = None
    if isinstance(value, UploadedFile):
        upload = value
    elif isinstance(value, str) and value.startswith("attach://"):
        upload = p.get_file(value[len("attach://") :])
    elif isinstance(value, str) and value:
        if value in tg.files:
            return tg.files[value]
        if value.startswith(("http://", "https://")):
            return _new_file(tg, value.rsplit("/", 1)[-1] or "file", None, None)
        raise bad_request("wrong file identifier/HTTP URL specified")
    if upload is None:
        raise bad_request("there is no document in the request")
    if not upload.data:
        raise bad_request("file must be non-empty")
    if len(upload.data) > MAX_UPLOAD:
        raise APIError(413, "Request Entity Too Large")
    return _new_file(tg, upload.filename, upload.content_type, upload.data)


def _new_file(tg: Telegram, name: str, mime: str | None, data: bytes | None) -> StoredFile:
    number = len(tg.files) + 1
    suffix = ("." + name.rsplit(".", 1)[-1]) if "." in name else ""
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(name)[0] or mime or "application/octet-stream"
    return StoredFile(
        f"BQACAgIAAxkBAAI{number:010d}", f"AgAD{number:06d}", f"documents/file_{number}{suffix}",
        name, mime, data,
    )  # fmt: skip


@api_method("sendDocument")
async def send_document(tg: Telegram, p: Params) -> dict[str, Any]:
    stored = _upload(tg, p)
    parsed, mode, raw = _text(tg, p, "caption", "caption_entities")
    markup = parse_reply_markup(p.get_json("reply_markup", "reply keyboard markup"))
    chat = tg.writable(tg.find_chat(p.raw.get("chat_id")))
    _check_length(tg, parsed.text, MAX_CAPTION, "message caption")
    reply_to = _reply_target(tg, chat, p)
    thread_id = send_thread(chat, p, reply_to)
    tg.admit_send(chat, p)
    tg.files[stored.file_id] = stored
    document = stored.to_api()
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    message = _store(
        tg, chat, p, caption=parsed.text or None, entities=parsed.entities, raw_text=raw or None,
        parse_mode=mode, reply_markup=markup, reply_to=reply_to, document=document,
        thread_id=thread_id,
    )  # fmt: skip
    return message.to_api(tg.bot)


@api_method("getFile")
async def get_file(tg: Telegram, p: Params) -> dict[str, Any]:
    stored = tg.files.get(p.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {**stored.to_api(), "file_path": stored.file_path}


def _inline_markup(p: Params) -> dict[str, Any] | None:
    return parse_reply_markup(
        p.get_json("reply_markup", "reply keyboard markup"), inline_only=True
    )


def _bot_message(tg: Telegram, p: Params, missing: str) -> StoredMessage:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = tg.writable(tg.find_chat(p.raw.get("chat_id")))
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request(missing)
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _edited(tg: Telegram, message: StoredMessage, **changes: Any) -> dict[str, Any]:
    for name, value in changes.items():
        setattr(message, name, value)
    message.edit_date = int(time.time())
    message.edits += 1
    tg.counters["edited"] += 1
    return message.to_api(tg.bot)


@api_method("editMessageText")
async def edit_message_text(tg: Telegram, p: Params) -> dict[str, Any]:
    parsed, mode, raw = _text(tg, p, "text", "entities")
    if not parsed.text:
        raise bad_request("message text is empty")
    markup = _inline_markup(p)
    message = _bot_message(tg, p, "message to edit not found")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    _check_length(tg, parsed.text, MAX_TEXT, "message")
    _check_link_preview(p)
    if (parsed.text, parsed.entities, markup) == (
        message.text, message.entities, message.reply_markup
    ):  # fmt: skip
        raise bad_request(NOT_MODIFIED)
    return _edited(
        tg, message, text=parsed.text, entities=parsed.entities, raw_text=raw, parse_mode=mode,
        reply_markup=markup, dropped_links=parsed.dropped_links,
    )  # fmt: skip


@api_method("editMessageCaption")
async def edit_message_caption(tg: Telegram, p: Params) -> dict[str, Any]:
    parsed, mode, raw = _text(tg, p, "caption", "caption_entities")
    markup = _inline_markup(p)
    message = _bot_message(tg, p, "message to edit not found")
    if message.document is None:
        raise bad_request("there is no caption in the message to edit")
    _check_length(tg, parsed.text, MAX_CAPTION, "message caption")
    caption = parsed.text or None
    if (caption, parsed.entities, markup) == (
        message.caption, message.entities, message.reply_markup
    ):  # fmt: skip
        raise bad_request(NOT_MODIFIED)
    return _edited(
        tg, message, caption=caption, entities=parsed.entities, raw_text=raw or None,
        parse_mode=mode, reply_markup=markup,
    )  # fmt: skip


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(tg: Telegram, p: Params) -> dict[str, Any]:
    markup = _inline_markup(p)
    message = _bot_message(tg, p, "message to edit not found")
    if markup == message.reply_markup or (not markup and not message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    return _edited(tg, message, reply_markup=markup)


@api_method("deleteMessage")
async def delete_message(tg: Telegram, p: Params) -> bool:
    chat = tg.writable(tg.find_chat(p.raw.get("chat_id")))
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    if not message.from_bot and chat.type != "private" and chat.bot_status != "administrator":
        raise bad_request("message can't be deleted")
    message.deleted = True
    tg.counters["deleted"] += 1
    return True


@api_method("sendChatAction")
async def send_chat_action(tg: Telegram, p: Params) -> bool:
    action = p.get_str("action")
    chat = tg.writable(tg.find_chat(p.raw.get("chat_id")))
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    send_thread(chat, p, None)
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(tg: Telegram, p: Params) -> bool:
    query = tg.callbacks.get(p.get_str("callback_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_INVALID)
    if time.monotonic() - query.created > tg.callback_timeout:
        raise bad_request(QUERY_INVALID)
    text = p.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {
        "text": text,
        "show_alert": p.get_bool("show_alert"),
        "url": p.get_str("url"),
        "cache_time": p.get_int("cache_time", 0),
    }
    return True
