"""What every update pays for: no worker threads, no conversation state, compact requests."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import F, Router
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import Message
from aiohttp import web

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.handlers import get_routers
from bot.handlers.common import Check
from bot.runtime import SWITCH_INTERVAL, open_runtime
from bot.storage import Storage
from tests.bot.conftest import BOT_ID, USER_ID, RecordingSession, Tg, only


def routers(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from routers(child)


def test_no_handler_or_filter_runs_in_a_worker_thread(settings: Settings, store: Storage) -> None:
    # aiogram runs any callable that is not a coroutine through asyncio.to_thread.
    dispatcher = create_dispatcher(settings=settings, storage=store)
    in_threads = [
        f"{router.name}.{event}: {callable_.callback!r}"
        for router in routers(dispatcher)
        for event, observer in router.observers.items()
        for handler in observer.handlers
        for callable_ in (handler, *(handler.filters or ()))
        if not callable_.awaitable
    ]
    assert in_threads == []


def test_each_dispatcher_gets_routers_of_its_own(settings: Settings, store: Storage) -> None:
    first, second = get_routers(), get_routers()
    assert [r.name for r in first] == [r.name for r in second]
    assert not {id(r) for r in first} & {id(r) for r in second}
    one = create_dispatcher(settings=settings, storage=store)
    other = create_dispatcher(settings=settings, storage=store)
    assert [r.parent_router for r in one.sub_routers] == [one] * len(first)
    assert [r.parent_router for r in other.sub_routers] == [other] * len(first)


async def test_two_dispatchers_in_one_process_both_serve(
    settings: Settings, store: Storage, session: RecordingSession
) -> None:
    bot = create_bot(settings, session=session)
    try:
        for _ in range(2):
            tg = Tg(create_dispatcher(settings=settings, storage=store), bot, session)
            assert "/latest" in only(await tg.send("/help")).text
    finally:
        await bot.session.close()


def test_updates_carry_no_conversation_state(settings: Settings, store: Storage) -> None:
    dispatcher = create_dispatcher(settings=settings, storage=store)
    middlewares = list(dispatcher.update.outer_middleware)
    assert not any(isinstance(m, FSMContextMiddleware) for m in middlewares)


def message(**fields: Any) -> Message:
    return Message.model_validate(
        {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": USER_ID, "type": "private"},
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("check", "fields", "expected"),
    [
        (Check(F.migrate_to_chat_id), {"migrate_to_chat_id": -1001}, True),
        (Check(F.migrate_to_chat_id), {"text": "/latest"}, False),
        (Check(F.text.startswith("/")), {"text": "/latest"}, True),
        (Check(F.text.startswith("/")), {"text": "latest"}, False),
        (Check(F.text.startswith("/")), {}, False),
        (Check(F.chat.type == "private"), {}, True),
        (Check(F.text.as_("words")), {"text": "привет"}, {"words": "привет"}),
    ],
)
async def test_check_passes_what_the_magic_filter_matches(
    check: Check, fields: dict[str, Any], expected: object
) -> None:
    assert await check(message(**fields)) == expected


async def test_requests_go_as_utf8_json(settings: Settings, unused_tcp_port: int) -> None:
    bodies: list[tuple[str, bytes]] = []

    async def send_message(request: web.Request) -> web.Response:
        bodies.append((request.content_type, await request.read()))
        result = {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": USER_ID, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Svodka"},
            "text": "Привет",
        }
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/sendMessage", send_message)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    url = f"http://127.0.0.1:{unused_tcp_port}"
    bot = create_bot(settings.model_copy(update={"telegram_api_url": url}))
    try:
        sent = await bot.send_message(USER_ID, "Привет, <b>мир</b>")
    finally:
        await bot.session.close()
        await runner.cleanup()
    assert sent.text == "Привет"
    [(content_type, body)] = bodies
    assert content_type == "application/json"
    assert "Привет, <b>мир</b>".encode() in body
    assert json.loads(body)["text"] == "Привет, <b>мир</b>"


async def test_the_runtime_shortens_the_switch_interval_while_it_runs(
    settings: Settings, tmp_path: Path
) -> None:
    before = sys.getswitchinterval()
    settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'db'}"})
    async with open_runtime(settings):
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    assert sys.getswitchinterval() == before


@pytest.fixture
def unused_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
