"""Inline mode: ``answerInlineQuery``, checked the way Telegram checks it.

At most :data:`MAX_RESULTS` results, ids of 1–64 bytes and unique; an article needs a
title and an ``input_message_content``; a text content is parsed like ``sendMessage``'s
(HTML, 1–4096 characters); ``next_offset`` is at most 64 bytes; a ``button`` opens the bot
with a ``start_parameter`` of ``A-Za-z0-9_-``. A query is answered once, within the same
time as a callback query. Each result keeps its parsed text, so that
:meth:`~tests.botapi.actions.Actions.choose_inline_result` posts what Telegram would.
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.botapi.core import Telegram, api_method
from tests.botapi.entities import format_text, text_length
from tests.botapi.errors import bad_request
from tests.botapi.html import normalize_link
from tests.botapi.markup import parse_reply_markup
from tests.botapi.methods_messages import MAX_TEXT, QUERY_INVALID
from tests.botapi.params import Params

MAX_RESULTS = 50
MAX_ID_BYTES = 64
MAX_OFFSET_BYTES = 64
RESULT_TYPES = frozenset(
    {
        "article", "audio", "contact", "document", "game", "gif", "location", "mpeg4_gif",
        "photo", "sticker", "venue", "video", "voice",
    }
)  # fmt: skip
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CANT_PARSE = "can't parse inline query result: "


def _content(tg: Telegram, content: Any) -> dict[str, Any]:
    """A result's ``input_message_content``; a text one gets its parsed form as ``parsed``."""
    if not isinstance(content, dict):
        raise bad_request(_CANT_PARSE + 'Field "input_message_content" must be of type Object')
    if "message_text" not in content:
        return dict(content)
    raw = content["message_text"]
    if not isinstance(raw, str):
        raise bad_request(_CANT_PARSE + 'Field "message_text" must be of type String')
    parsed, mode = format_text(
        raw, content.get("parse_mode"), content.get("entities"), strict_html=tg.strict_html
    )
    if not parsed.text:
        raise bad_request("MESSAGE_EMPTY")
    if text_length(parsed.text, tg.length_unit) > MAX_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    return {**content, "parsed": parsed, "parse_mode": mode}


def _result(tg: Telegram, raw: Any, seen: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request(_CANT_PARSE + "object expected")
    kind = raw.get("type")
    if kind not in RESULT_TYPES:
        raise bad_request(_CANT_PARSE + f'Unsupported inline query result type "{kind}"')
    result_id = raw.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= MAX_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    checked = dict(raw)
    if kind == "article":
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise bad_request(_CANT_PARSE + 'Field "title" must be of type String')
        if "input_message_content" not in raw:
            raise bad_request(_CANT_PARSE + 'Field "input_message_content" must be of type Object')
    if "input_message_content" in raw:
        checked["input_message_content"] = _content(tg, raw["input_message_content"])
    url = raw.get("url")
    if url is not None and (not isinstance(url, str) or normalize_link(url) is None):
        raise bad_request(_CANT_PARSE + "wrong URL")
    if raw.get("reply_markup") is not None:
        checked["reply_markup"] = parse_reply_markup(raw["reply_markup"], inline_only=True)
    return checked


def _button(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        raise bad_request("can't parse inline query results button")
    start = raw.get("start_parameter")
    if "web_app" not in raw and not (isinstance(start, str) and _START_PARAMETER.fullmatch(start)):
        raise bad_request("START_PARAM_INVALID")
    return dict(raw)


@api_method("answerInlineQuery")
async def answer_inline_query(tg: Telegram, p: Params) -> bool:
    query = tg.inline_queries.get(p.get_str("inline_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_INVALID)
    if time.monotonic() - query.created > tg.callback_timeout:
        raise bad_request(QUERY_INVALID)
    results = p.get_json("results", "inline query results")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    checked = [_result(tg, result, seen) for result in results]
    next_offset = p.get_str("next_offset") or ""
    if len(next_offset.encode()) > MAX_OFFSET_BYTES:
        raise bad_request("NEXT_OFFSET_INVALID")
    cache_time = p.get_int("cache_time", 300)
    if cache_time is None or cache_time < 0:
        raise bad_request("CACHE_TIME_INVALID")
    query.answer = {
        "cache_time": cache_time,
        "is_personal": p.get_bool("is_personal"),
        "next_offset": next_offset,
        "button": _button(p.get_json("button", "inline query results button")),
    }
    query.results = checked
    return True
