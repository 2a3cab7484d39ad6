"""Two long-polling processes on one token and one database do not fight over updates."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.botapi import BotAPIServer
from tests.e2e.conftest import ADMIN_ID, BotProcess
from tests.waiting import until

pytestmark = pytest.mark.e2e

WAITING = "another instance is already polling @svodka_bot; waiting for it to stop"


async def wait_for_log(process: BotProcess, text: str) -> None:
    await until(lambda: text in process.log, 30, f"{text!r} in the log\n{process.log}")


async def kill(*processes: BotProcess) -> None:
    """Whatever the test left running."""
    for process in processes:
        if process.process is not None and process.process.returncode is None:
            process.process.kill()
            await process.process.wait()


async def test_a_second_poller_says_so_waits_and_takes_over(
    server: BotAPIServer, database: Path, tmp_path: Path
) -> None:
    first = BotProcess(database, server.url, tmp_path / "first.log")
    second = BotProcess(database, server.url, tmp_path / "second.log")
    await first.start()
    try:
        await server.wait_for_polling(timeout=30)
        await second.start()
        await wait_for_log(second, WAITING)
        assert "long polling" not in second.log

        # Only the first answers meanwhile.
        server.send_text(ADMIN_ID, None, "/help")
        await server.wait_for_messages(ADMIN_ID, 1, timeout=10)
        await asyncio.sleep(0.5)
        assert len(server.messages_for(ADMIN_ID)) == 1

        # The first stops: the second goes on polling and answers.
        assert await first.stop() == 0
        await wait_for_log(second, "long polling")
        server.send_text(ADMIN_ID, None, "/help")
        await server.wait_for_messages(ADMIN_ID, 2, timeout=10)
        assert await second.stop() == 0
        assert "Traceback" not in first.log + second.log
    finally:
        await kill(first, second)


async def test_a_waiting_poller_stops_at_once_on_sigint(
    server: BotAPIServer, database: Path, tmp_path: Path
) -> None:
    first = BotProcess(database, server.url, tmp_path / "first.log")
    second = BotProcess(database, server.url, tmp_path / "second.log")
    await first.start()
    try:
        await server.wait_for_polling(timeout=30)
        await second.start()
        await wait_for_log(second, WAITING)
        assert await second.stop(timeout=10) == 0
        assert await first.stop() == 0
    finally:
        await kill(first, second)
