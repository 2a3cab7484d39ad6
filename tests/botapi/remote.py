"""Run the test server as a subprocess and drive it over ``/_control/``."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ControlError(Exception):
    """The control API refused a request (400), or a wait ran out (408)."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"{status}: {error}")
        self.status = status
        self.error = error


class ControlClient:
    """``await control.call("send_text", user_id=42, text="/start")`` → the ``result``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def call(self, endpoint: str, **args: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(f"{self.url}/_control/{endpoint}", json=args) as response:
            body = await response.json()
        if not body.get("ok"):
            raise ControlError(response.status, str(body.get("error")))
        return body["result"]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


@dataclass(slots=True)
class SpawnedServer:
    url: str
    control: ControlClient
    process: asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def spawn_server(
    *options: str, startup_timeout: float = 15.0
) -> AsyncIterator[SpawnedServer]:
    """Start ``python -m tests.botapi OPTIONS…``, wait for its URL line, stop it on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.botapi", *options,
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), startup_timeout)
        url = line.decode().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the test server did not start (printed {url!r})")
        async with ControlClient(url) as control:
            yield SpawnedServer(url, control, process)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5.0)
            except TimeoutError:
                process.kill()
                await process.wait()
