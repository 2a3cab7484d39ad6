"""Messages for a forum topic that Telegram refuses: sent to the general topic instead.

A row bound to a topic carries ``message_thread_id`` in its options. When the topic was
closed (400 ``TOPIC_CLOSED``) or deleted (400 ``message thread not found``) the message is not
lost: the worker rewrites the row without the thread id, with one line in the chat's language
on top saying why it came here, and sends it again — once, since the topic never took it.
Messages meant for a topic leave :data:`NOTE_ROOM` characters free for that line
(:func:`bot.digest.render.render_digest`); should a text still be too long with it, it goes
without the line rather than not at all.
"""

from __future__ import annotations

import json

from bot.i18n import translator
from bot.render import MESSAGE_LIMIT, html_len

THREAD = "message_thread_id"
# Telegram's descriptions (lowercased) of a send to a topic it refuses.
TOPIC_CLOSED = "topic_closed"
TOPIC_GONE = "message thread not found"
# Characters a message meant for a topic keeps free for the line added should it fall back.
NOTE_ROOM = 200


def thread_of_options(options: str | None) -> int | None:
    """The topic a row's options send it to, if any."""
    if not options or THREAD not in options:
        return None
    value = json.loads(options).get(THREAD)
    return int(value) if isinstance(value, int) else None


def with_thread(options: str | None, thread_id: int | None) -> str | None:
    """Options that send the message to a topic (``None``: to the general topic)."""
    parsed = json.loads(options) if options else {}
    parsed.pop(THREAD, None)
    if thread_id is not None:
        parsed[THREAD] = thread_id
    return json.dumps(parsed, ensure_ascii=False) if parsed else None


def refused_topic(description: str) -> bool | None:
    """Whether Telegram's refusal says the topic is closed (True) or gone (False); ``None``
    for any other refusal."""
    lowered = description.lower()
    if TOPIC_CLOSED in lowered:
        return True
    if TOPIC_GONE in lowered:
        return False
    return None


def to_general(
    text: str, options: str | None, language: str | None, *, closed: bool
) -> tuple[str, str | None]:
    """The text and options of a topic's message sent to the general topic instead."""
    _ = translator(language)
    note = _("topic.closed") if closed else _("topic.gone")
    moved = f"<i>{note}</i>\n\n{text}"
    if html_len(moved) > MESSAGE_LIMIT:
        moved = text
    return moved, with_thread(options, None)
