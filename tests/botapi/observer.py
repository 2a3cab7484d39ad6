"""The observing side of the test server: what the bot sent and did, waiting for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.botapi.core import Telegram
from tests.botapi.methods_chats import command_key
from tests.botapi.models import CallRecord, Chat, StoredMessage

ChatRef = int | Chat
BASE_COUNTERS = (
    "requests", "sent", "edited", "deleted", "200", "400", "403", "429", "429.penalty",
    "429.injected", "429.rate.overall", "429.rate.chat", "429.rate.group",
)  # fmt: skip


class Observer(Telegram):
    """Read messages, calls, answers and counters; wait for them; reset between tests."""

    def chat(self, chat_id: ChatRef) -> Chat:
        if isinstance(chat_id, Chat):
            return chat_id
        try:
            return self.chats[chat_id]
        except KeyError:
            raise KeyError(f"chat {chat_id} is not registered (add_user/add_chat)") from None

    # -- reading ------------------------------------------------------------------------

    def messages_for(
        self, chat_id: ChatRef, *, include_deleted: bool = False, from_bot: bool | None = True
    ) -> list[StoredMessage]:
        """Messages in a chat, oldest first, edits applied (the bot's only, by default)."""
        return [
            m
            for m in self.chat(chat_id).messages.values()
            if (include_deleted or not m.deleted) and (from_bot is None or m.from_bot == from_bot)
        ]

    def message(self, chat_id: ChatRef, message_id: int) -> StoredMessage:
        return self.chat(chat_id).messages[message_id]

    def calls(
        self, method: str | None = None, *, chat_id: int | None = None, status: int | None = None
    ) -> list[CallRecord]:
        """The call log, oldest first, optionally filtered."""
        name = method.lower() if method else None
        wanted_chat = str(chat_id) if chat_id is not None else None
        return [
            c
            for c in self.log
            if (name is None or c.method.lower() == name)
            and (status is None or c.status == status)
            and (wanted_chat is None or str(c.params.get("chat_id")) == wanted_chat)
        ]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery parameters for a pressed button, once answered."""
        return self.callbacks[query_id].answer

    def commands_for(
        self,
        scope: str = "default",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        language_code: str = "",
    ) -> list[dict[str, str]]:
        """Commands the bot set for exactly this scope and language (no fallback)."""
        raw: dict[str, Any] = {"type": scope, "chat_id": chat_id, "user_id": user_id}
        return self.commands.get(command_key(self, raw, language_code), [])

    def stats(self) -> dict[str, int]:
        """Counters (see the package docs for the keys) plus queue figures."""
        out = dict.fromkeys(BASE_COUNTERS, 0)
        out.update(self.counters)
        out.update(
            pending_updates=len(self.queue.pending),
            updates_queued=self.queue.last_update_id,
            updates_filtered=self.queue.dropped,
        )
        return out

    # -- waiting ------------------------------------------------------------------------

    async def wait_for_messages(
        self,
        chat_id: ChatRef,
        count: int = 1,
        *,
        after_id: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, not a cancel scope
    ) -> list[StoredMessage]:
        """Wait until the bot has sent ``count`` messages with ids above ``after_id``;
        return all such messages (deleted ones included), oldest first."""
        chat = self.chat(chat_id)

        def ready() -> list[StoredMessage] | None:
            found = [m for i, m in chat.messages.items() if i > after_id and m.from_bot]
            return found if len(found) >= count else None

        return await self.wait_for(ready, timeout, f"{count} bot message(s) in chat {chat.id}")

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, not a cancel scope
    ) -> dict[str, Any]:
        return await self.wait_for(
            lambda: self.callbacks[query_id].answer, timeout, f"answer to callback {query_id}"
        )

    async def wait_for_polling(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline, not a cancel scope
    ) -> None:
        """Wait until the bot is inside a long-polling getUpdates call (it is up)."""
        await self.wait_for(lambda: self.queue.polling, timeout, "getUpdates long poll")

    async def wait_for_call(
        self,
        method: str,
        *,
        since: float = 0.0,
        where: Callable[[CallRecord], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, not a cancel scope
    ) -> CallRecord:
        """Wait for a finished call of ``method`` that arrived at ``since`` (monotonic) or
        later and satisfies ``where``; return it."""
        name = method.lower()

        def found() -> CallRecord | None:
            for record in reversed(self.log):
                if record.monotonic < since:
                    return None
                if record.method.lower() == name and (where is None or where(record)):
                    return record
            return None

        return await self.wait_for(found, timeout, f"{method} call")

    # -- reset --------------------------------------------------------------------------

    def reset(self, *, everything: bool = False) -> None:
        """Forget traffic: messages, pending updates, calls, counters, rate-limit state,
        injections, callback queries. ``everything`` also drops users, chats, commands,
        bot texts and the webhook. Update ids keep increasing."""
        for chat in self.chats.values():
            chat.messages.clear()
        self.queue.clear()
        self.log.clear()
        self.counters.clear()
        self.limiter.reset()
        self.injections.clear()
        self.callbacks.clear()
        self.inline_queries.clear()
        if everything:
            self.users.clear()
            self.chats.clear()
            self.usernames.clear()
            self.commands.clear()
            self.bot_texts.clear()
            self.files.clear()
            if self.webhook is not None:
                self.webhook = None
                self.on_webhook_change()
        self.notify()
