"""Shared pieces of the source tests: a real SQLite store and a feed server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.storage import SqliteStorage, Storage

# The dispatcher fixtures of the bot tests, for the admin feed commands.
from tests.bot.conftest import session, settings, tg  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await SqliteStorage.open(tmp_path / "svodka.sqlite3")
    try:
        yield storage
    finally:
        await storage.close()


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    conditional: bool = True  # answer 304 to a matching If-None-Match / If-Modified-Since
    delay: float = 0.0  # seconds before answering (a slow or hanging feed)
    headers: dict[str, str] = field(default_factory=dict)
    redirect: str | None = None  # a path to send the client to
    redirect_status: int = 302  # 301 and 308 say the feed moved for good
    compress: bool = False
    chunked: bool = False


class FeedServer:
    """aiohttp.web on 127.0.0.1 serving feeds as configured, recording every request."""

    LAST_MODIFIED = "Tue, 03 Mar 2026 09:00:00 GMT"

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        app = web.Application()
        app.router.add_get("/{path:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    def url(self, path: str) -> str:
        return str(self.server.make_url("/" + path.lstrip("/")))

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == "/" + path.lstrip("/"))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        route = self.routes.get(request.path.lstrip("/"))
        if route is None:
            return web.Response(status=404, text="<html>not found</html>")
        if route.delay:
            await asyncio.sleep(route.delay)
        if route.redirect is not None:
            return web.Response(
                status=route.redirect_status, headers={"Location": self.url(route.redirect)}
            )
        headers = dict(route.headers)
        if route.status != 200:
            return web.Response(status=route.status, text="error", headers=headers)
        etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
        headers |= {"ETag": etag, "Last-Modified": self.LAST_MODIFIED}
        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
        if "If-None-Match" in request.headers:
            not_modified = request.headers["If-None-Match"] == etag
        else:
            not_modified = request.headers.get("If-Modified-Since") == self.LAST_MODIFIED
        if route.conditional and not_modified:
            return web.Response(status=304, headers=headers)
        if route.chunked:
            stream = web.StreamResponse(headers=headers | {"Content-Type": route.content_type})
            stream.enable_chunked_encoding()
            await stream.prepare(request)
            for start in range(0, len(route.body), 1024):
                await stream.write(route.body[start : start + 1024])
            await stream.write_eof()
            return stream
        response = web.Response(body=route.body, headers=headers)
        response.headers["Content-Type"] = route.content_type
        if route.compress:
            response.enable_compression()
        return response


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.server.start_server()
    try:
        yield server
    finally:
        await server.server.close()
