"""The aiohttp server around the emulated Telegram: Bot API, file downloads, webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
from aiohttp import web

from tests.botapi.actions import Actions
from tests.botapi.control import add_control_routes
from tests.botapi.core import DEFAULT_TOKEN
from tests.botapi.errors import UNAUTHORIZED, bad_request
from tests.botapi.limits import RateLimits
from tests.botapi.methods_messages import MAX_UPLOAD
from tests.botapi.params import UploadedFile

logger = logging.getLogger(__name__)
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"


def json_response(status: int, body: Any) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type="application/json",
    )


class BotAPIServer(Actions):
    """A Bot API server on 127.0.0.1 that behaves like Telegram where it matters.

    ``async with BotAPIServer() as server:`` starts it on a free port; ``server.url`` is the
    base URL for ``TelegramAPIServer.from_base`` or ``TELEGRAM_API_URL``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "svodka_bot",
        bot_name: str = "Svodka",
        limits: RateLimits | None = None,
        auto_register: bool = False,
        privacy_mode: bool = True,
        strict_html: bool = True,
        length_unit: Literal["codepoints", "utf16"] = "codepoints",
        callback_timeout: float = 15.0,
        latency: float = 0.0,
        max_log: int = 1_000_000,
    ) -> None:
        super().__init__(
            token, bot_username=bot_username, bot_name=bot_name, limits=limits,
            auto_register=auto_register, privacy_mode=privacy_mode, strict_html=strict_html,
            length_unit=length_unit, callback_timeout=callback_timeout, latency=latency,
            max_log=max_log,
        )  # fmt: skip
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash); valid once started."""
        if self._runner is None:
            raise RuntimeError("the server is not started")
        return f"http://{self.host}:{self.port}"

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        return app

    async def start(self) -> None:
        runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        logger.info("Bot API test server listening on %s", self.url)

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        self.queue.release()  # a waiting long poll answers [] instead of hanging
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- HTTP -------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return json_response(401, UNAUTHORIZED.to_json())
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            try:
                params.update(await self._read_body(request))
            except ValueError:
                return json_response(400, bad_request("can't parse JSON object").to_json())
        result = await self.call(request.match_info["method"], params)
        if result.body is None:
            if request.transport is not None:
                request.transport.abort()  # the client sees the connection drop, no answer
            return web.Response(status=500)
        return json_response(result.status, result.body)

    @staticmethod
    async def _read_body(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("a JSON object is expected")
            return body
        if request.content_type not in (MULTIPART, URLENCODED):
            return {}
        out: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                out[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                out[key] = value
        return out

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return json_response(401, UNAUTHORIZED.to_json())
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if stored is None or stored.data is None:
            return json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # -- webhook delivery -------------------------------------------------------------

    def on_webhook_change(self) -> None:
        if self.webhook is not None and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver())
        self.notify()

    async def _deliver(self) -> None:
        """POST queued updates to the webhook one at a time, retrying with backoff."""
        backoff = 0.1
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None:
                if not self.queue.pending:
                    with contextlib.suppress(TimeoutError):
                        await self.wait_for(
                            lambda: bool(self.queue.pending) or self.webhook is None, 60.0
                        )
                    continue
                webhook, update = self.webhook, self.queue.pending[0]
                headers = {"Content-Type": "application/json"}
                if webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
                try:
                    async with session.post(
                        webhook["url"],
                        data=json.dumps(update, ensure_ascii=False).encode("utf-8"),
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(total=10),
                    ) as response:
                        reply = await response.read()
                        if response.status >= 300:
                            raise aiohttp.ClientError(
                                f"Wrong response from the webhook: {response.status} "
                                f"{response.reason}"
                            )
                except (aiohttp.ClientError, TimeoutError) as error:
                    webhook.update(last_error_date=int(time.time()), last_error_message=str(error))
                    logger.debug("webhook delivery failed: %s", error)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
                    continue
                backoff = 0.1
                if self.queue.pending and self.queue.pending[0] is update:
                    self.queue.pending.popleft()
                    self.queue.delivered += 1
                await self._reply_call(reply)

    async def _reply_call(self, reply: bytes) -> None:
        """Run a Bot API call the webhook returned in its answer, as Telegram does."""
        try:
            body = json.loads(reply) if reply.strip() else None
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            method = body.pop("method")
            await self.call(method, body)
