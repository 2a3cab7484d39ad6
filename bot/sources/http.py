"""Polite HTTP fetching of feeds: conditional GET, a timeout, a size limit, gzip, redirects.

One :class:`Fetcher` (one aiohttp session and connection pool) serves every feed of the
process. Every failure becomes a :class:`FetchError` whose message is short enough for
``/feeds`` and says what happened (``HTTP 404 Not Found``, ``timed out after 30 s`` …).
"""

from __future__ import annotations

import email.utils
import socket
import time
from dataclasses import dataclass
from types import TracebackType

import aiohttp

from bot import __version__
from bot.errors import SourceError
from bot.sources.limits import size_text

USER_AGENT = f"Svodka/{__version__} (Telegram news digest bot; RSS/Atom reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5


class FetchError(SourceError):
    """A feed could not be fetched; ``retry_after`` is the server's wish, in seconds.

    ``kind`` says why, for a message in the user's language: ``timeout``, ``redirects``,
    ``address``, ``dns`` (no such host), ``connect``, ``tls``, ``http`` (see ``status``),
    ``too_large`` or ``network`` (anything else).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "network",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A 200 with its body, or a 304 (``not_modified``) with none."""

    url: str  # after redirects
    body: bytes
    # The final URL when every redirect on the way was permanent (301/308): the feed moved.
    moved_to: str | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    retry_after: float | None = None  # a Retry-After sent with a successful answer


class Fetcher:
    """Fetches feeds over one aiohttp session; close it (or use ``async with``) when done."""

    def __init__(
        self,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        user_agent: str = USER_AGENT,
        connections: int = 16,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                headers={"User-Agent": self.user_agent, "Accept": ACCEPT},
                connector=aiohttp.TCPConnector(limit=self.connections, ttl_dns_cache=300),
                auto_decompress=True,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` conditionally; raises :class:`FetchError` for anything but 2xx/304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with self.session.get(
                url, headers=headers, allow_redirects=True, max_redirects=self.max_redirects
            ) as response:
                return await self._read(url, response)
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout_s:g} s", kind="timeout") from None
        except aiohttp.TooManyRedirects:
            raise FetchError(
                f"more than {self.max_redirects} redirects", kind="redirects"
            ) from None
        except aiohttp.InvalidURL:
            raise FetchError("not a valid URL", kind="address") from None
        except aiohttp.ClientConnectorError as exc:
            reason = exc.os_error.strerror or str(exc.os_error) or type(exc.os_error).__name__
            kind = "connect"
            if isinstance(exc.os_error, socket.gaierror):
                kind = "dns"
            elif isinstance(exc, aiohttp.ClientSSLError):
                kind = "tls"
            raise FetchError(
                f"cannot connect to {exc.host}:{exc.port}: {reason}", kind=kind
            ) from None
        except aiohttp.ClientResponseError as exc:
            raise FetchError(
                f"HTTP {exc.status} {exc.message}", kind="http", status=exc.status
            ) from None
        except aiohttp.ClientError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None

    async def _read(self, url: str, response: aiohttp.ClientResponse) -> FetchResult:
        final_url = str(response.url)
        permanent = bool(response.history) and all(
            hop.status in (301, 308) for hop in response.history
        )
        moved_to = final_url if permanent and final_url != url else None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if response.status == 304:
            return FetchResult(
                url=final_url,
                body=b"",
                moved_to=moved_to,
                not_modified=True,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                retry_after=retry_after,
            )
        if response.status >= 300:
            raise FetchError(
                f"HTTP {response.status} {response.reason or ''}".strip(),
                kind="http",
                status=response.status,
                retry_after=retry_after,
            )
        declared = response.content_length
        if declared is not None and declared > self.max_bytes:
            raise FetchError(
                f"larger than the {size_text(self.max_bytes)} limit", kind="too_large"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(
                    f"larger than the {size_text(self.max_bytes)} limit", kind="too_large"
                )
            chunks.append(chunk)
        return FetchResult(
            url=final_url,
            body=b"".join(chunks),
            moved_to=moved_to,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            content_type=response.headers.get("Content-Type"),
            retry_after=retry_after,
        )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
