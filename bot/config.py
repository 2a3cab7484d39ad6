"""Settings, read once from the environment or ``.env`` by the composition root.

Every value is validated here so that a wrong one stops the program at start with one line
naming the variable (see :func:`load_settings`). Nothing is read at import time.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ByteSize,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

SQLITE_SCHEME = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
DATABASE_URL_FORM = "sqlite:///PATH or postgresql://USER@HOST/DB"
DEFAULT_DATABASE_URL = f"{SQLITE_SCHEME}data/svodka.sqlite3"
DEFAULT_WEB_PORT = 8080
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MALFORMED_URL = "<malformed URL>"  # how a URL too broken to redact is shown


class FeedSpec(BaseModel):
    """One entry of ``FEEDS``: ``URL [| rubric [| tag tag …]]``."""

    url: str
    rubric: str | None = None
    tags: tuple[str, ...] = ()

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"feed {url!r} is not an http(s) URL")
        return url

    @classmethod
    def parse(cls, entry: str) -> FeedSpec:
        parts = [p.strip() for p in entry.split("|")]
        url = parts[0]
        rubric = parts[1] if len(parts) > 1 and parts[1] else None
        tags = tuple(t.lstrip("#") for t in parts[2].split()) if len(parts) > 2 else ()
        return cls(url=url, rubric=rubric, tags=tuple(t for t in tags if t))


# Where a comma separates two feeds rather than belonging to a URL: before the next URL.
_FEED_COMMA = re.compile(r",\s*(?=https?://)", re.IGNORECASE)


def _split_list(value: Any, separators: str) -> Any:
    """A list from plain text split at ``separators``, or from a JSON list (``[…]``)."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            items = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"not a JSON list: {exc}") from None
        if not isinstance(items, list):
            raise ValueError("expected a JSON list")
        return items
    if isinstance(value, str):
        for sep in separators[1:]:
            value = value.replace(sep, separators[0])
        return [item.strip() for item in value.split(separators[0]) if item.strip()]
    return value


class Settings(BaseSettings):
    """Every setting of the bot; the README and ``.env.example`` list them all."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DATABASE_URL
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_timezone: str = "Asia/Almaty"
    digest_time: time = time(9, 0)
    inbox_dir: Path = Path("data/inbox")
    feeds: Annotated[list[FeedSpec], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"

    # Telegram's send limits, paced together by the delivery worker.
    rate_global_per_second: float = Field(25.0, gt=0, le=1000)
    rate_chat_per_second: float = Field(1.0, gt=0, le=30)
    rate_group_per_minute: float = Field(20.0, gt=0, le=60)

    summary_chars: int = Field(300, ge=60, le=3000)
    # Bytes of one article's text (``1MiB``, ``512KB`` or a number); larger ones are refused.
    max_article_bytes: ByteSize = Field(ByteSize(1024 * 1024), ge=4096, le=64 * 1024 * 1024)
    digest_max_items: int = Field(30, ge=1, le=200)
    digest_send_empty: bool = False
    feed_interval_seconds: int = Field(600, ge=30, le=86400)
    throttle_seconds: float = Field(1.0, ge=0, le=60)

    # Webhook mode (when WEBHOOK_URL is set) and the web server for /healthz and /metrics.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(None, validate_default=True)
    webhook_path: str = "/telegram"
    web_host: str = "127.0.0.1"
    web_port: int | None = Field(None, ge=1, le=65535)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        token = value.get_secret_value()
        head, _, tail = token.partition(":")
        if not head.isdigit() or not tail:
            raise ValueError("expected the token from @BotFather, like 123456:ABC-DEF…")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not is_database_url(value):
            raise ValueError(f"expected {DATABASE_URL_FORM}")
        if value.startswith(POSTGRES_SCHEMES) and (problem := postgres_url_problem(value)):
            shown = redact_url(value)
            raise ValueError(problem if shown == MALFORMED_URL else f"{problem} in {shown}")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        return _split_list(value, ", ;")

    @field_validator("feeds", mode="before")
    @classmethod
    def _feeds(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip().startswith("["):
            value = _FEED_COMMA.sub(";", value)
        items = _split_list(value, "\n;")
        if isinstance(items, list):
            return [FeedSpec.parse(i) if isinstance(i, str) else i for i in items]
        return items

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected e.g. Asia/Almaty") from None
        return value

    @field_validator("digest_time", mode="before")
    @classmethod
    def _digest_time(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_hhmm(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        if not parts.hostname or not (parts.scheme == "https" or loopback):
            raise ValueError("expected an https:// URL that Telegram can reach")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        secret = value.get_secret_value() if value is not None else ""
        if not secret:
            if info.data.get("webhook_url"):
                raise ValueError("required when WEBHOOK_URL is set")
            return None
        if not WEBHOOK_SECRET_PATTERN.fullmatch(secret):
            raise ValueError("expected 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("web_port", mode="before")
    @classmethod
    def _web_port(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        if not value.startswith("/") or value in ("/healthz", "/metrics") or " " in value:
            raise ValueError("expected a path such as /telegram (not /healthz or /metrics)")
        return value

    @property
    def web_server_port(self) -> int | None:
        """Where /healthz and /metrics listen: always in webhook mode, else if WEB_PORT is set."""
        if self.webhook_url is not None:
            return self.web_port or DEFAULT_WEB_PORT
        return self.web_port

    @property
    def sqlite_path(self) -> Path | None:
        """The database file for ``sqlite:///PATH`` URLs, else ``None``."""
        return sqlite_path(self.database_url)


def is_database_url(url: str) -> bool:
    """Whether ``url`` names a database Svodka can open (it may still not exist)."""
    return url.startswith(POSTGRES_SCHEMES) or (
        url.startswith(SQLITE_SCHEME) and url != SQLITE_SCHEME
    )


def postgres_url_problem(url: str) -> str | None:
    """What keeps a ``postgresql://`` URL from naming a server, or ``None`` if nothing does.

    Checks what the driver would otherwise trip over at connection time: the brackets of
    an IPv6 address and each port (a URL may list several ``host:port`` pairs).
    """
    try:
        netloc = urlsplit(url).netloc
    except ValueError as exc:  # e.g. "Invalid IPv6 URL"
        return f"malformed URL ({exc})"
    hosts = netloc.rpartition("@")[2]
    for host in hosts.split(","):
        address, port = host, ""
        if host.startswith("["):
            address, bracket, rest = host.partition("]")
            if not bracket:
                return f"unclosed [ in the address {address!r}"
            if rest and not rest.startswith(":"):
                return f"unexpected {rest!r} after the address {address}]"
            port = rest[1:]
        elif ":" in host:
            address, _, port = host.rpartition(":")
        if port and not port.isdigit():
            return "a port is not a number"
        if port and not 1 <= int(port) <= 65535:
            return f"port {port} is out of range (1 to 65535)"
    return None


# Query parameters of a database URL that carry a secret (libpq's and asyncpg's names).
_SECRET_PARAMETERS = frozenset({"password", "sslpassword", "passfile", "sslkey"})


def redact_url(url: str) -> str:
    """The URL with every credential shown as ``***``, for messages and logs.

    Covers the password in ``user:password@host`` and in the query (``?password=``,
    ``?sslpassword=`` …); a URL too malformed to split is not shown at all.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            user, colon, _password = userinfo.partition(":")
            netloc = f"{user}{':***' if colon else ''}@{hostport}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode(
                [(k, "***" if k.lower() in _SECRET_PARAMETERS else v) for k, v in pairs],
                safe="*/:",
            )
        if netloc == parts.netloc and query == parts.query:
            return url  # nothing secret (urlunsplit would also drop an empty "//")
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        return MALFORMED_URL


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///PATH`` URL, else ``None``."""
    return Path(url.removeprefix(SQLITE_SCHEME)) if url.startswith(SQLITE_SCHEME) else None


def parse_hhmm(value: str) -> time:
    """``"9:05"`` → ``time(9, 5)``; raises ``ValueError`` with a readable message."""
    hours, sep, minutes = value.strip().partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        h, m = int(hours), int(minutes)
        if 0 <= h < 24 and 0 <= m < 60:
            return time(h, m)
    raise ValueError(f"expected HH:MM between 00:00 and 23:59, got {value!r}")


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; a wrong value raises :class:`ConfigError` with one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "settings"
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("bad setting " + "; ".join(problems)) from None
