"""The real dispatcher with a real SQLite file, and a recording session at the HTTP edge.

``RecordingSession`` stands where aiohttp would: it sees each request exactly as it would go
over the wire (defaults such as ``parse_mode`` resolved, markup serialised), checks it the
way Telegram does where it matters (HTML, 4096 characters, 64-byte callback data), and
answers with JSON that aiogram parses as usual — so Telegram errors (403, 429) take the same
path as in production.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.models import Article
from bot.storage import SqliteStorage, Storage
from tests.botapi.html import parse_html, utf16_len

BOT_ID = 123456  # the numeric part of the token, as in Telegram
BOT_USERNAME = "svodka_test_bot"
TOKEN = "123456:TEST-token"
ADMIN_ID = 1001
USER_ID = 2002
OTHER_USER_ID = 3003
GROUP_ID = -100500


@dataclass
class Call:
    """One request as it went over the wire."""

    method: str
    params: dict[str, Any]
    uploads: dict[str, bytes] = field(default_factory=dict)  # files sent, by field name

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    def json(self, key: str) -> Any:
        value = self.params.get(key)
        return json.loads(value) if isinstance(value, str) else value

    @property
    def markup(self) -> dict[str, Any] | None:
        raw = self.params.get("reply_markup")
        return json.loads(raw) if isinstance(raw, str) else raw

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        markup = self.markup or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]

    def button(self, label_part: str) -> str:
        """The callback data of the first button whose label contains ``label_part``."""
        for label, data in self.buttons:
            if label_part in label:
                return data
        raise AssertionError(f"no button with {label_part!r} in {self.buttons}")


Reply = Callable[[Call], dict[str, Any]]


class RecordingSession(BaseSession):
    """Records every request and answers like the Bot API would."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.message_ids = itertools.count(500)
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) -> status
        # (chat, user) -> rights of an administrator that differ from none, as in a channel:
        # {"can_post_messages": True}
        self.rights: dict[tuple[int, int], dict[str, bool]] = {}
        self.errors: dict[tuple[str, int | None], list[dict[str, Any] | None]] = {}
        self.files: dict[str, bytes] = {}
        # While set and not yet released, sendMessage requests wait (recorded, unanswered).
        self.release: asyncio.Event | None = None

    def fail(self, method: str, chat_id: int | None, *responses: dict[str, Any] | None) -> None:
        """The next requests of ``method`` to ``chat_id`` get these error responses
        (``None``: that one succeeds)."""
        self.errors.setdefault((method, chat_id), []).extend(responses)

    async def close(self) -> None:
        pass

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        files: dict[str, Any] = {}
        params = {
            key: self.prepare_value(value, bot=bot, files=files)
            for key, value in method.model_dump(warnings=False).items()
        }
        params = {key: value for key, value in params.items() if value}
        uploads = {key: getattr(upload, "data", b"") for key, upload in files.items()}
        call = Call(method.__api_method__, params, uploads)
        self.calls.append(call)
        if self.release is not None and call.method == "sendMessage":
            await self.release.wait()
        queued = self.errors.get((call.method, call.chat_id))
        error = queued.pop(0) if queued else None
        if error is not None:
            body, status = error, int(error.get("error_code", 400))
        else:
            body, status = {"ok": True, "result": self._result(call)}, 200
        response = self.check_response(bot, method, status, json.dumps(body))
        return response.result  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield self.files[url.rsplit("/", 1)[-1]]

    def _result(self, call: Call) -> Any:
        method, p = call.method, call.params
        if method in ("sendMessage", "editMessageText"):
            check_message(call)
        if method == "answerCallbackQuery":
            assert len(call.params.get("text", "")) <= 200, call.params  # Telegram's limit
        if method in ("sendMessage", "sendDocument"):
            chat_id = int(p["chat_id"])
            content: dict[str, Any] = {"text": p.get("text", "")}
            if method == "sendDocument":
                content = {"document": {"file_id": "sent", "file_unique_id": "sent"}}
            return {
                "message_id": next(self.message_ids),
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Svodka"},
                **content,
                **(
                    {"reply_markup": call.markup}
                    if "inline_keyboard" in (call.markup or {})
                    else {}
                ),
            }
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Svodka",
                "username": BOT_USERNAME,
            }
        if method == "getChatMember":
            status = self.members.get((int(p["chat_id"]), int(p["user_id"])), "member")
            member: dict[str, Any] = {
                "status": status,
                "user": {"id": int(p["user_id"]), "is_bot": False, "first_name": "U"},
            }
            if status == "creator":
                member["is_anonymous"] = False
            if status == "administrator":
                member.update(
                    dict.fromkeys(
                        (
                            "can_be_edited", "is_anonymous", "can_manage_chat",
                            "can_delete_messages", "can_manage_video_chats",
                            "can_restrict_members", "can_promote_members", "can_change_info",
                            "can_invite_users", "can_post_stories", "can_edit_stories",
                            "can_delete_stories", "can_send_welcome_messages",
                        ),
                        False,
                    )
                )  # fmt: skip
                member.update(self.rights.get((int(p["chat_id"]), int(p["user_id"])), {}))
            return member
        if method == "getFile":
            return {"file_id": p["file_id"], "file_unique_id": "u", "file_path": p["file_id"]}
        return True


def check_message(call: Call) -> None:
    """Refuse what Telegram refuses: bad HTML, more than 4096 characters, long payloads."""
    text = call.text
    assert call.params.get("parse_mode") == "HTML", call.params
    parsed = parse_html(text)  # raises on markup Telegram would reject
    assert 0 < utf16_len(parsed.text) <= 4096, len(parsed.text)
    for _label, data in call.buttons:
        assert len(data.encode()) <= 64, data


class Tg:
    """Plays users and chats: builds updates, feeds them, returns the calls they caused."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, session: RecordingSession) -> None:
        self.dp = dispatcher
        self.bot = bot
        self.session = session
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)

    @staticmethod
    def user(user_id: int = USER_ID, language: str | None = "ru") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language is not None:
            user["language_code"] = language
        return user

    @staticmethod
    def chat(chat_id: int, kind: str | None = None) -> dict[str, Any]:
        kind = kind or ("private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind != "private":
            chat["title"] = f"Chat {chat_id}"
        return chat

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.session.calls)
        update = {"update_id": next(self.update_ids), **update}
        await self.dp.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )
        return self.session.calls[before:]

    def message(
        self,
        text: str,
        *,
        user_id: int = USER_ID,
        chat_id: int | None = None,
        chat_type: str | None = None,
        language: str | None = "ru",
        **extra: Any,
    ) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id, language),
            **extra,
        }
        if text:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return message

    async def send(self, text: str, **kwargs: Any) -> list[Call]:
        """A user's message (a command if it starts with ``/``) in a private chat by default."""
        return await self.feed({"message": self.message(text, **kwargs)})

    async def press(
        self,
        data: str | CallbackData,
        *,
        on: Call | None = None,
        user_id: int = USER_ID,
        chat_id: int | None = None,
        language: str | None = "ru",
        chat_kind: str | None = None,
        **extra: Any,
    ) -> list[Call]:
        """A button press on the bot's message ``on`` (a recorded sendMessage); ``chat_kind``
        for a chat whose type its id does not tell (``"channel"``); ``extra``: further fields
        of that message (a forum topic's)."""
        if isinstance(data, CallbackData):
            data = data.pack()
        chat_id = (on.chat_id if on else None) or (chat_id if chat_id is not None else user_id)
        message: dict[str, Any] = {
            "message_id": 900,
            "date": 1_700_000_000,
            "chat": self.chat(chat_id, chat_kind),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Svodka"},
            "text": on.text if on else "…",
            **extra,
        }
        if on is not None and on.markup:
            message["reply_markup"] = on.markup
        query = {
            "id": str(next(self.update_ids)),
            "from": self.user(user_id, language),
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return await self.feed({"callback_query": query})

    async def inline(
        self, query: str, *, offset: str = "", user_id: int = USER_ID, language: str = "ru"
    ) -> list[Call]:
        """A user typing ``@bot query`` in some chat (Telegram sends it as it is typed)."""
        inline_query = {
            "id": str(next(self.update_ids)),
            "from": self.user(user_id, language),
            "query": query,
            "offset": offset,
            "chat_type": "sender",
        }
        return await self.feed({"inline_query": inline_query})

    async def share_chat(
        self, chat_id: int, *, request_id: int = 1, user_id: int = USER_ID, title: str = "Канал"
    ) -> list[Call]:
        """A user picks a chat with a ``request_chat`` button of the bot's keyboard."""
        shared = {"request_id": request_id, "chat_id": chat_id, "title": title}
        return await self.feed({"message": self.message("", user_id=user_id, chat_shared=shared)})


def sent(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    return [c for c in calls if c.method == method]


def only(calls: list[Call], method: str = "sendMessage") -> Call:
    matching = sent(calls, method)
    assert len(matching) == 1, [(c.method, c.text) for c in calls]
    return matching[0]


@pytest.fixture
def settings() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        admin_ids=[ADMIN_ID],
        throttle_seconds=0,
        default_timezone="Asia/Almaty",
        digest_time="09:00",
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await SqliteStorage.open(tmp_path / "db.sqlite3")
    yield storage
    await storage.close()


@pytest.fixture
def session() -> RecordingSession:
    return RecordingSession()


@pytest.fixture
async def tg(settings: Settings, store: Storage, session: RecordingSession) -> AsyncIterator[Tg]:
    bot = create_bot(settings, session=session)
    dispatcher = create_dispatcher(settings=settings, storage=store)
    yield Tg(dispatcher, bot, session)
    await bot.session.close()


@pytest.fixture
async def throttled(
    settings: Settings, store: Storage, session: RecordingSession
) -> AsyncIterator[Tg]:
    """The bot with a slow throttle: a burst of five commands, then one every 30 s."""
    slow = settings.model_copy(update={"throttle_seconds": 30})
    bot = create_bot(slow, session=session)
    yield Tg(create_dispatcher(settings=slow, storage=store), bot, session)
    await bot.session.close()


_published = itertools.count(1)


def article(
    title: str,
    *,
    tags: tuple[str, ...] = (),
    rubric: str | None = "Политика",
    day: int | None = None,
    brief: str = "Краткое содержание.",
    body: tuple[str, ...] = ("Первый абзац.",),
    url: str | None = "",
    author: str | None = None,
) -> Article:
    """An article as the parser would give it; later calls are newer unless ``day`` is given.

    Each gets its own URL (stored articles are told apart by URL) unless ``url`` is given.
    """
    serial = next(_published)
    if url == "":
        url = f"https://example.kz/news/{serial}"
    when = (
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=serial)
        if day is None
        else datetime(2026, 1, day, tzinfo=UTC)
    )
    return Article(
        title=title,
        published=when,
        lead=brief,
        brief=brief,
        body=body,
        rubric=rubric,
        tags=tags,
        url=url,
        author=author,
        source=f"{title[:20]}.txt",
        date_only=True,
    )
