"""The test side of the server: set up users and chats, act as users, inject failures, read."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import Any

from tests.botapi import methods_chats, methods_messages  # noqa: F401  (registers methods)
from tests.botapi.entities import detect_entities
from tests.botapi.errors import APIError, forbidden
from tests.botapi.failures import Failures
from tests.botapi.methods_chats import member_json
from tests.botapi.methods_topics import find_topic, open_topic, remove_topic
from tests.botapi.models import (
    MEMBER_STATUSES,
    CallbackQueryRecord,
    Chat,
    ChatType,
    StoredMessage,
    Topic,
    User,
)
from tests.botapi.observer import ChatRef

UserRef = int | User
SERVICE_USER = User(777000, "Telegram")
BLOCKED = "bot was blocked by the user"


class Driver(Failures):
    """Python control API; every method here is also reachable over ``/_control/``."""

    _query_ids = itertools.count(4_000_000_000_000_000_001)

    # -- directory ----------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = "ru",
        last_name: str | None = None,
    ) -> User:
        """Register a user (and their private chat with the bot); replaces an existing one."""
        user = User(user_id, first_name or f"User {user_id}", last_name, username, language_code)
        self.register_user(user)
        return user

    def add_users(
        self, count: int, *, first_id: int = 1_000_001, language_code: str | None = "ru"
    ) -> list[User]:
        """Register ``count`` users with consecutive ids (for broadcasts and benchmarks)."""
        return [
            self.add_user(user_id, language_code=language_code)
            for user_id in range(first_id, first_id + count)
        ]

    def add_chat(
        self,
        chat_id: int,
        type: ChatType = "group",  # the Bot API's name
        *,
        title: str | None = None,
        username: str | None = None,
        members: Mapping[int, str] | None = None,
        bot_status: str = "member",
        bot_rights: Mapping[str, bool] | None = None,
        is_forum: bool = False,
    ) -> Chat:
        """Register a group, supergroup or channel; ``members`` maps user id to status;
        ``bot_rights`` the bot's rights as an administrator, where not the defaults;
        ``is_forum`` makes a supergroup a forum (topics: :meth:`create_topic`)."""
        if type == "private":
            raise ValueError("private chats come with add_user()")
        if is_forum and type != "supergroup":
            raise ValueError("only a supergroup can be a forum")
        chat = Chat(chat_id, type, title=title or f"Chat {chat_id}", username=username)
        chat.is_forum = is_forum
        chat.bot_status = bot_status
        if bot_rights:
            chat.rights[self.bot.id] = dict(bot_rights)
        self.register_chat(chat)
        for user_id, status in (members or {}).items():
            self.set_member(chat_id, user_id, status)
        return chat

    def set_member(
        self,
        chat_id: int,
        user_id: int,
        status: str,
        *,
        rights: Mapping[str, bool] | None = None,
    ) -> None:
        """Set a member's status: creator, administrator, member, restricted, left, kicked;
        ``rights``: an administrator's rights that differ from the defaults (every right, and
        in a channel ``can_post_messages`` and ``can_edit_messages``)."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        if user_id not in self.users:
            self.add_user(user_id)
        chat = self.chat(chat_id)
        chat.members[user_id] = status
        if rights is not None:
            chat.rights[user_id] = dict(rights)

    def user(self, user_id: UserRef) -> User:
        if isinstance(user_id, User):
            return user_id
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"user {user_id} is not registered (add_user)") from None

    # -- acting as users ----------------------------------------------------------------

    def enqueue_update(self, update: dict[str, Any]) -> int | None:
        """Queue a raw update body (``update_id`` is assigned); ``None`` if filtered out."""
        update_id = self.queue.push(update)
        self.notify()
        return update_id

    def send_text(
        self,
        user: UserRef,
        chat: ChatRef | None,
        text: str,
        *,
        reply_to: StoredMessage | int | None = None,
        thread: int | None = None,
    ) -> StoredMessage:
        """A user writes ``text`` in ``chat`` (``None``: their private chat with the bot),
        in a forum in topic ``thread`` (``None``: the general topic, or the topic of the
        message replied to).

        The update carries the entities Telegram would add (``bot_command`` first of all).
        In a group under privacy mode only commands, mentions of the bot and replies to it
        reach the bot; the message is stored either way and ``update_id`` tells.
        """
        sender = self.user(user)
        target = self.chat(sender.id if chat is None else chat)
        if target.type in ("group", "supergroup") and target.members.get(sender.id) in (
            None, "left", "kicked",
        ):  # fmt: skip
            target.members[sender.id] = "member"
        if target.type == "private" and target.forbidden == forbidden(BLOCKED).description:
            self.unblock(target, notify=True)  # writing to a blocked bot unblocks it
        replied = target.messages.get(reply_to) if isinstance(reply_to, int) else reply_to
        if thread is not None:
            self._topic(target, thread)  # a topic of this forum, not deleted
        elif replied is not None:
            thread = replied.thread_id
        message = StoredMessage(
            chat=target, message_id=target.next_message_id(), date=int(time.time()),
            sent_at=time.monotonic(), from_bot=False, sender=sender, text=text,
            entities=detect_entities(text), raw_text=text, reply_to=replied, thread_id=thread,
        )  # fmt: skip
        target.messages[message.message_id] = message
        if self._reaches_bot(target, message):
            kind = "channel_post" if target.type == "channel" else "message"
            message.update_id = self.enqueue_update({kind: message.to_api(self.bot)})
        return message

    def _reaches_bot(self, chat: Chat, message: StoredMessage) -> bool:
        if chat.type == "private" or not self.privacy_mode or chat.bot_status == "administrator":
            return True
        text = message.text or ""
        replied_to_bot = message.reply_to is not None and message.reply_to.from_bot
        mentioned = f"@{self.bot.username}".lower() in text.lower()
        return text.startswith("/") or replied_to_bot or mentioned

    # -- forum topics ---------------------------------------------------------------------

    def create_topic(self, chat_id: ChatRef, name: str, *, by: UserRef | None = None) -> int:
        """A member (``by``, else the chat's first administrator) opens a topic in a forum;
        its ``message_thread_id``."""
        chat = self.chat(chat_id)
        creator = self.user(by) if by is not None else self._actor(chat)
        try:
            return open_topic(self, chat, name, creator, 7322096).id
        except APIError as error:
            raise ValueError(f"chat {chat.id}: {error.description}") from None

    def close_topic(self, chat_id: ChatRef, thread_id: int) -> None:
        """Close a topic: sends to it get 400 ``TOPIC_CLOSED`` until it is reopened."""
        self._topic(chat_id, thread_id).closed = True

    def reopen_topic(self, chat_id: ChatRef, thread_id: int) -> None:
        self._topic(chat_id, thread_id).closed = False

    def delete_topic(self, chat_id: ChatRef, thread_id: int) -> None:
        """Delete a topic and its messages: sends to it get 400 ``message thread not found``."""
        remove_topic(self, self.chat(chat_id), self._topic(chat_id, thread_id))

    def _topic(self, chat_id: ChatRef, thread_id: int) -> Topic:
        chat = self.chat(chat_id)
        try:
            return find_topic(chat, thread_id)
        except APIError:
            raise ValueError(f"chat {chat.id} has no topic {thread_id}") from None

    def press_button(
        self,
        user: UserRef,
        message: StoredMessage,
        callback_data: str | None = None,
        *,
        text: str | None = None,
    ) -> str:
        """A user presses an inline button (chosen by ``callback_data`` or by its ``text``).

        Return the callback query id; the bot must answer it with answerCallbackQuery.
        """
        if not message.from_bot or message.deleted:
            raise ValueError(f"message {message.message_id} is not a live message of the bot")
        for button in message.buttons:
            if "callback_data" in button and (
                button["callback_data"] == callback_data or button["text"] == text
            ):
                data = button["callback_data"]
                break
        else:
            wanted = callback_data if callback_data is not None else text
            raise ValueError(
                f"message {message.message_id} in chat {message.chat_id} has no callback "
                f"button {wanted!r}; it has {message.buttons}"
            )
        query = CallbackQueryRecord(
            str(next(self._query_ids)), self.user(user), message, data, time.monotonic()
        )
        self.callbacks[query.id] = query
        self.enqueue_update(
            {
                "callback_query": {
                    "id": query.id,
                    "from": query.user.to_api(),
                    "message": message.to_api(self.bot),
                    "chat_instance": str(abs(message.chat_id) * 7919 % 10**18),
                    "data": data,
                }
            }
        )
        return query.id

    def block(self, chat_id: ChatRef, reason: str = "blocked", *, notify: bool = False) -> None:
        """Make sends to a chat fail with 403.

        ``reason``: ``blocked`` (the user blocked the bot), ``kicked`` (from a group),
        ``deactivated`` (the user deleted the account), ``left`` (the bot is not a member),
        or any other text, used as the description after ``Forbidden:``. With ``notify``
        the bot receives a ``my_chat_member`` update, as from Telegram.
        """
        chat = self.chat(chat_id)
        kinds = {
            "blocked": BLOCKED,
            "kicked": f"bot was kicked from the {chat.type} chat",
            "deactivated": "user is deactivated",
            "left": f"bot is not a member of the {chat.type} chat",
        }
        if chat.type == "private":
            kinds["kicked"] = kinds["blocked"]
        elif reason == "blocked":
            reason = "kicked"
        old = "member" if chat.type == "private" else chat.bot_status
        description = kinds.get(reason, reason.removeprefix("Forbidden: "))
        chat.forbidden = forbidden(description).description
        if chat.type != "private":
            chat.bot_status = "left" if reason == "left" else "kicked"
        if notify and reason != "deactivated":
            self._my_chat_member(chat, old, "left" if reason == "left" else "kicked")
        self.notify()

    def unblock(self, chat_id: ChatRef, *, notify: bool = False) -> None:
        chat = self.chat(chat_id)
        old = "kicked" if chat.type == "private" else chat.bot_status
        chat.forbidden = None
        if chat.type != "private":
            chat.bot_status = "member"
        if notify:
            self._my_chat_member(chat, old, "member")

    def _actor(self, chat: Chat) -> User:
        if chat.user is not None:
            return chat.user
        for wanted in ("creator", "administrator", "member"):
            for user_id, status in chat.members.items():
                if status == wanted and user_id in self.users:
                    return self.users[user_id]
        return SERVICE_USER

    def _my_chat_member(self, chat: Chat, old: str, new: str) -> None:
        self.enqueue_update(
            {
                "my_chat_member": {
                    "chat": chat.to_api(),
                    "from": self._actor(chat).to_api(),
                    "date": int(time.time()),
                    "old_chat_member": member_json(self.bot, old),
                    "new_chat_member": member_json(self.bot, new),
                }
            }
        )

    def migrate(
        self, chat_id: ChatRef, to_chat_id: int | None = None, *, notify: bool = True
    ) -> int:
        """Upgrade a group to a supergroup; sends to the old id then get 400 with
        ``migrate_to_chat_id``. With ``notify`` the bot gets both service messages."""
        old = self.chat(chat_id)
        if old.type != "group":
            raise ValueError(f"chat {old.id} is a {old.type}; only groups migrate")
        new_id = to_chat_id if to_chat_id is not None else -(10**12) - abs(old.id)
        new = Chat(new_id, "supergroup", title=old.title, username=old.username)
        new.members = dict(old.members)
        new.bot_status = old.bot_status
        self.register_chat(new)
        old.migrated_to = new_id
        if notify:
            actor = self._actor(old)
            for chat, field, value in ((old, "migrate_to_chat_id", new_id),
                                       (new, "migrate_from_chat_id", old.id)):  # fmt: skip
                message = StoredMessage(
                    chat=chat, message_id=chat.next_message_id(), date=int(time.time()),
                    sent_at=time.monotonic(), from_bot=False, sender=actor, extra={field: value},
                )  # fmt: skip
                chat.messages[message.message_id] = message
                message.update_id = self.enqueue_update({"message": message.to_api(self.bot)})
        return new_id
