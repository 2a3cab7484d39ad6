"""A digest in a forum: each tag section bound to a topic goes there, the rest to the chat.

A subscription made inside a forum topic binds its tag to that topic (``Chat.threads``). The
composed digest is split after the front page's rules have run (:func:`split_by_thread`):
«Главное», the unbound sections and the "more" button stay in the general topic; each topic
gets its own sections as a digest of its own, with the header, and its messages carry the
topic's ``message_thread_id``. They leave room for the line delivery adds should the topic be
closed or deleted by then (:mod:`bot.delivery.topics`). One digest, one set of stories marked
as received, one outbox transaction: only where the messages go changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.digest.builder import Digest
from bot.render import MESSAGE_LIMIT
from bot.storage.records import NOTE_ROOM, OutboxMessage, with_thread


def split_by_thread(digest: Digest, threads: Mapping[str, int]) -> list[tuple[int | None, Digest]]:
    """The digest for the chat itself (``None``, first, even if it is left empty) and one
    per topic holding bound sections, in the order their first section comes."""
    if not threads:
        return [(None, digest)]
    general = Digest(
        digest.chat_id, digest.after, digest.upto, main=digest.main, more=digest.more,
        subscribed=digest.subscribed,
    )  # fmt: skip
    topics: dict[int, Digest] = {}
    for tag, stories in digest.groups:
        thread = threads.get(tag.key)
        if thread is None:
            general.groups.append((tag, stories))
            continue
        part = topics.get(thread)
        if part is None:
            part = topics[thread] = Digest(digest.chat_id, digest.after, digest.upto)
        part.groups.append((tag, stories))
    return [(None, general), *topics.items()]


def in_thread(messages: list[OutboxMessage], thread: int | None) -> list[OutboxMessage]:
    """The messages sent to a forum topic (``None``: as they are)."""
    if thread is None:
        return messages
    return [
        OutboxMessage(m.text, m.reply_markup, with_thread(m.options, thread)) for m in messages
    ]


def limit_for(thread: int | None) -> int:
    """The characters a digest message may hold: fewer in a topic, to leave room for the line
    delivery adds should the topic refuse it."""
    return MESSAGE_LIMIT if thread is None else MESSAGE_LIMIT - NOTE_ROOM
