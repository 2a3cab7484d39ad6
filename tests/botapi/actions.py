"""What users do besides writing and pressing inline buttons: inline queries, choosing an
inline result, and picking a chat with a ``request_chat`` keyboard button."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.botapi import methods_inline  # noqa: F401  (registers answerInlineQuery)
from tests.botapi.driver import Driver, UserRef
from tests.botapi.html import ParsedText
from tests.botapi.markup import keyboard_buttons
from tests.botapi.methods_chats import member_json
from tests.botapi.models import PRESENT_STATUSES, Chat, InlineQueryRecord, StoredMessage
from tests.botapi.observer import ChatRef

MAX_QUERY = 256  # characters of an inline query Telegram sends


class Actions(Driver):
    """Inline queries and shared chats, as Telegram's clients make them."""

    _inline_ids = itertools.count(5_000_000_000_000_000_001)

    # -- inline mode ---------------------------------------------------------------------

    def send_inline_query(
        self, user: UserRef, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> str:
        """A user types ``@bot query`` (cut to 256 characters, as Telegram does); the id."""
        if not self.inline_mode:
            raise ValueError("inline mode is off for this bot (BotFather's /setinline)")
        sender = self.user(user)
        record = InlineQueryRecord(
            str(next(self._inline_ids)), sender, query[:MAX_QUERY], offset, time.monotonic()
        )
        self.inline_queries[record.id] = record
        self.enqueue_update(
            {
                "inline_query": {
                    "id": record.id,
                    "from": sender.to_api(),
                    "query": record.query,
                    "offset": offset,
                    "chat_type": chat_type,
                }
            }
        )
        return record.id

    async def wait_for_inline_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, not a cancel scope
    ) -> InlineQueryRecord:
        """The query once the bot answered it: ``answer`` and the checked ``results``."""
        record = self.inline_queries[query_id]
        await self.wait_for(lambda: record.answer, timeout, f"answer to inline query {query_id}")
        return record

    def choose_inline_result(
        self, user: UserRef, chat: ChatRef, query_id: str, result_id: str
    ) -> StoredMessage:
        """The user picks a result: its message is posted in ``chat`` from them, via the bot
        (the bot itself is not told)."""
        record = self.inline_queries[query_id]
        if record.answer is None:
            raise ValueError(f"inline query {query_id} was not answered")
        result = next((r for r in record.results if r["id"] == result_id), None)
        if result is None:
            raise ValueError(f"inline query {query_id} has no result {result_id!r}")
        content = result.get("input_message_content") or {}
        parsed: ParsedText | None = content.get("parsed")
        if parsed is None:
            raise ValueError(f"result {result_id!r} sends no text")
        target = self.chat(chat)
        message = StoredMessage(
            chat=target, message_id=target.next_message_id(), date=int(time.time()),
            sent_at=time.monotonic(), from_bot=False, sender=self.user(user), text=parsed.text,
            entities=parsed.entities, raw_text=content["message_text"],
            parse_mode=content.get("parse_mode"), reply_markup=result.get("reply_markup"),
            dropped_links=parsed.dropped_links, extra={"via_bot": self.bot.to_api()},
        )  # fmt: skip
        target.messages[message.message_id] = message
        self.notify()
        return message

    # -- request_chat ----------------------------------------------------------------------

    def share_chat(
        self,
        user: UserRef,
        message: StoredMessage,
        chat: ChatRef,
        *,
        text: str | None = None,
        check: bool = True,
    ) -> StoredMessage:
        """The user taps the ``request_chat`` button of the bot's keyboard (the first, or the
        one labelled ``text``) and picks ``chat``; the bot gets a ``chat_shared`` message.

        With ``check`` the chat must be one Telegram's picker offers for that button (the
        kind of chat, the user's and the bot's rights); ``check=False`` plays a client that
        lies, or rights that changed after the pick.
        """
        sender = self.user(user)
        button = next(
            (
                b
                for b in keyboard_buttons(message.reply_markup)
                if "request_chat" in b and (text is None or b["text"] == text)
            ),
            None,
        )
        if button is None:
            raise ValueError(f"message {message.message_id} has no request_chat button")
        request: dict[str, Any] = button["request_chat"]
        shared = self.chat(chat)
        if check:
            self._check_pick(request, shared, sender.id)
        body: dict[str, Any] = {"request_id": request["request_id"], "chat_id": shared.id}
        if request.get("request_title") and shared.title:
            body["title"] = shared.title
        if request.get("request_username") and shared.username:
            body["username"] = shared.username
        private = self.chat(sender.id)
        picked = StoredMessage(
            chat=private, message_id=private.next_message_id(), date=int(time.time()),
            sent_at=time.monotonic(), from_bot=False, sender=sender,
            extra={"chat_shared": body},
        )  # fmt: skip
        private.messages[picked.message_id] = picked
        picked.update_id = self.enqueue_update({"message": picked.to_api(self.bot)})
        return picked

    def _check_pick(self, request: dict[str, Any], chat: Chat, user_id: int) -> None:
        """Refuse a chat the picker would not offer, as ``ValueError``."""
        if request["chat_is_channel"] != (chat.type == "channel"):
            raise ValueError(f"chat {chat.id} is a {chat.type}: the picker does not offer it")
        for who, rights in (
            (user_id, request.get("user_administrator_rights")),
            (self.bot.id, request.get("bot_administrator_rights")),
        ):
            if rights is not None and not self._has_rights(chat, who, rights):
                raise ValueError(f"{who} lacks the administrator rights asked in chat {chat.id}")
        if request.get("bot_is_member") and chat.bot_status not in PRESENT_STATUSES:
            raise ValueError(f"the bot is not a member of chat {chat.id}")

    def _has_rights(self, chat: Chat, who: int, wanted: dict[str, bool]) -> bool:
        status = chat.bot_status if who == self.bot.id else chat.members.get(who, "left")
        if status == "creator":
            return True
        if status != "administrator":
            return False
        user = self.bot if who == self.bot.id else self.user(who)
        held = member_json(user, status, chat)
        return all(held.get(right) for right, needed in wanted.items() if needed)
