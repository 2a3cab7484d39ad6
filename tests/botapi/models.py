"""What the test server knows: users, chats, messages, callback queries, files, calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tests.botapi.markup import buttons

ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
MEMBER_STATUSES: frozenset[str] = frozenset(
    {"creator", "administrator", "member", "restricted", "left", "kicked"}
)
PRESENT_STATUSES: frozenset[str] = frozenset({"creator", "administrator", "member", "restricted"})


@dataclass(slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code and not self.is_bot:
            out["language_code"] = self.language_code
        return out


@dataclass(slots=True)
class Topic:
    """A forum topic; its id is the id of the service message that opened it, as in Telegram."""

    id: int
    name: str
    icon_color: int = 7322096
    closed: bool = False
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        return {"message_thread_id": self.id, "name": self.name, "icon_color": self.icon_color}


@dataclass(slots=True, eq=False)
class Chat:
    """A chat; its messages (the bot's and the users') live here, keyed by message id."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    user: User | None = None  # the other side of a private chat
    members: dict[int, str] = field(default_factory=dict)  # user id -> MemberStatus
    bot_status: str = "member"
    # user id (the bot's too) -> an administrator's rights that differ from the defaults
    rights: dict[int, dict[str, bool]] = field(default_factory=dict)
    forbidden: str | None = None  # the 403 description while the bot cannot write here
    migrated_to: int | None = None
    is_forum: bool = False  # a supergroup with topics
    topics: dict[int, Topic] = field(default_factory=dict)  # by message_thread_id
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    last_message_id: int = 0

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            out["first_name"] = self.user.first_name
            if self.user.last_name:
                out["last_name"] = self.user.last_name
            if self.user.username:
                out["username"] = self.user.username
        else:
            out["title"] = self.title or f"Chat {self.id}"
            if self.username:
                out["username"] = self.username
            if self.is_forum:
                out["is_forum"] = True
        return out

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id


@dataclass(slots=True, eq=False)
class StoredMessage:
    """A message as it stands now (edits applied): the bot's or a simulated user's.

    ``text`` is the visible text (after HTML parsing); ``raw_text`` what was sent, with
    ``parse_mode``; ``html`` is ``raw_text`` when the parse mode was HTML.
    """

    chat: Chat
    message_id: int
    date: int
    sent_at: float  # time.monotonic() when accepted
    from_bot: bool
    sender: User | None
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    raw_text: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    caption: str | None = None
    document: dict[str, Any] | None = None
    reply_to: StoredMessage | None = None
    thread_id: int | None = None  # the forum topic it was posted in (None: the general topic)
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False
    update_id: int | None = None  # for user messages: the update that carried it, if any
    dropped_links: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # other fields, echoed to the bot
    options: dict[str, Any] = field(default_factory=dict)  # send options, not echoed

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def html(self) -> str | None:
        return self.raw_text if self.parse_mode == "HTML" else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row."""
        return buttons(self.reply_markup)

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    def entities_of(self, kind: str) -> list[str]:
        """The texts covered by entities of one type, e.g. ``entities_of("hashtag")``."""
        data = (self.text or self.caption or "").encode("utf-16-le")
        return [
            data[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in self.entities
            if e["type"] == kind
        ]

    def to_api(self, bot: User, with_reply: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"message_id": self.message_id}
        if self.chat.type == "channel":
            out["sender_chat"] = self.chat.to_api()
        elif self.from_bot:
            out["from"] = bot.to_api()
        elif self.sender is not None:
            out["from"] = self.sender.to_api()
        if self.thread_id is not None:
            out["message_thread_id"] = self.thread_id
            out["is_topic_message"] = True
        out["chat"] = self.chat.to_api()
        out["date"] = self.date
        if self.edit_date is not None:
            out["edit_date"] = self.edit_date
        if self.reply_to is not None and with_reply:
            out["reply_to_message"] = self.reply_to.to_api(bot, with_reply=False)
        if self.text is not None:
            out["text"] = self.text
            if self.entities:
                out["entities"] = self.entities
        if self.document is not None:
            out["document"] = self.document
        if self.caption is not None:
            out["caption"] = self.caption
            if self.entities:
                out["caption_entities"] = self.entities
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            out["reply_markup"] = self.reply_markup
        out.update(self.extra)
        return out

    def to_control(self, bot: User) -> dict[str, Any]:
        """The control API's view: the Bot API message plus what only a test needs."""
        out = self.to_api(bot)
        out.update(
            chat_id=self.chat.id,
            from_bot=self.from_bot,
            raw_text=self.raw_text,
            parse_mode=self.parse_mode,
            html=self.html,
            deleted=self.deleted,
            edits=self.edits,
            sent_at=self.sent_at,
            dropped_links=self.dropped_links,
            options=self.options,
        )
        if self.reply_markup is not None:
            out["reply_markup"] = self.reply_markup
        return out


@dataclass(slots=True, eq=False)
class CallbackQueryRecord:
    id: str
    user: User
    message: StoredMessage
    data: str
    created: float  # time.monotonic()
    answer: dict[str, Any] | None = None  # the answerCallbackQuery parameters, once answered


@dataclass(slots=True, eq=False)
class InlineQueryRecord:
    """An inline query a user typed, and the bot's answer (its results validated)."""

    id: str
    user: User
    query: str
    offset: str
    created: float  # time.monotonic()
    answer: dict[str, Any] | None = None  # answerInlineQuery's parameters, once answered
    results: list[dict[str, Any]] = field(default_factory=list)  # each with its parsed text


@dataclass(slots=True, frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    data: bytes | None  # None for a document sent by URL

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.data is not None:
            out["file_size"] = len(self.data)
        return out


@dataclass(slots=True, frozen=True)
class CallRecord:
    """One Bot API call as the server saw it."""

    method: str  # as called (Telegram method names are case-insensitive)
    params: dict[str, Any]
    time: float  # time.time() when the request arrived
    monotonic: float  # time.monotonic() when the request arrived
    status: int  # HTTP status answered (200, 400, 403, 429 …); 0 = connection dropped
    description: str | None  # the error description, if any
    duration: float  # seconds spent answering (long polls included)

    @property
    def ok(self) -> bool:
        return self.status == 200

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "params": self.params,
            "time": self.time,
            "monotonic": self.monotonic,
            "status": self.status,
            "description": self.description,
            "duration": self.duration,
        }
