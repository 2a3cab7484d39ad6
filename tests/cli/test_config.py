"""Settings: defaults, parsing, and one clear line for a wrong value."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import FeedSpec, load_settings, parse_hhmm, redact_url
from bot.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings come only from what each test sets: no .env, no inherited variables."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "BOT_TOKEN",
        "DATABASE_URL",
        "ADMIN_IDS",
        "FEEDS",
        "DIGEST_TIME",
        "DEFAULT_TIMEZONE",
        "LOG_LEVEL",
        "TELEGRAM_API_URL",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_PATH",
        "WEB_HOST",
        "WEB_PORT",
        "MAX_ARTICLE_BYTES",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_documented_ones() -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite:///data/svodka.sqlite3"
    assert settings.sqlite_path == Path("data/svodka.sqlite3")
    assert settings.default_timezone == "Asia/Almaty"
    assert settings.digest_time == time(9, 0)
    assert settings.rate_global_per_second == 25
    assert settings.summary_chars == 300
    assert settings.max_article_bytes == 1024 * 1024
    assert settings.webhook_url is None
    assert settings.webhook_path == "/telegram"
    assert settings.web_host == "127.0.0.1"
    assert settings.web_server_port is None  # long polling, no web server


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DIGEST_TIME", "25:00", "DIGEST_TIME: expected HH:MM"),
        ("DIGEST_TIME", "9", "DIGEST_TIME: expected HH:MM"),
        ("DEFAULT_TIMEZONE", "Asia/Atlantis", "DEFAULT_TIMEZONE: unknown time zone"),
        ("ADMIN_IDS", "12,abc", "ADMIN_IDS:"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: expected sqlite:///PATH"),
        ("TELEGRAM_API_URL", "localhost:8081", "TELEGRAM_API_URL: expected an http(s) URL"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: expected DEBUG"),
        ("RATE_GLOBAL_PER_SECOND", "5000", "RATE_GLOBAL_PER_SECOND:"),
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: expected the token from @BotFather"),
        ("FEEDS", "ftp://feeds.example/rss", "FEEDS:"),
        ("WEBHOOK_URL", "http://bot.example.kz/telegram", "WEBHOOK_URL: expected an https://"),
        ("WEBHOOK_URL", "bot.example.kz/telegram", "WEBHOOK_URL: expected an https://"),
        ("WEBHOOK_URL", "https://bot.example.kz/telegram", "WEBHOOK_SECRET: required when"),
        ("WEBHOOK_SECRET", "has spaces", "WEBHOOK_SECRET: expected 1 to 256 characters"),
        ("WEBHOOK_SECRET", "x" * 257, "WEBHOOK_SECRET: expected 1 to 256 characters"),
        ("WEBHOOK_SECRET", "ключ", "WEBHOOK_SECRET: expected 1 to 256 characters"),
        ("WEBHOOK_PATH", "telegram", "WEBHOOK_PATH: expected a path"),
        ("WEBHOOK_PATH", "/metrics", "WEBHOOK_PATH: expected a path"),
        ("WEB_PORT", "70000", "WEB_PORT:"),
        ("WEB_PORT", "http", "WEB_PORT:"),
        ("DATABASE_URL", "postgresql://u:s3cret@[::1:5432/db", "DATABASE_URL: malformed URL"),
        (
            "DATABASE_URL",
            "postgresql://u:s3cret@db:99999/news",
            "DATABASE_URL: port 99999 is out of range (1 to 65535) in "
            "postgresql://u:***@db:99999/news",
        ),
        (
            "DATABASE_URL",
            "postgresql://u@db:5432x/news?password=s3cret",
            "DATABASE_URL: a port is not a number in postgresql://u@db:5432x/news?password=***",
        ),
        ("DATABASE_URL", "postgresql://u:s3cret@[::1]x/db", "DATABASE_URL: unexpected 'x'"),
        ("MAX_ARTICLE_BYTES", "lots", "MAX_ARTICLE_BYTES: could not parse"),
        ("MAX_ARTICLE_BYTES", "100", "MAX_ARTICLE_BYTES: Input should be greater than"),
        ("FEEDS", '["https://a.example/rss"', "FEEDS: not a JSON list"),
        ("FEEDS", '["https://a.example/rss", "ftp://b.example"]', "FEEDS: "),
        ("FEEDS", '[{"url": "ftp://b.example"}]', "'ftp://b.example' is not an http(s) URL"),
        ("ADMIN_IDS", "[1, 2", "ADMIN_IDS: not a JSON list"),
    ],
)
def test_a_wrong_value_names_the_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert "s3cret" not in message


def test_the_token_never_shows_in_errors_or_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "123456:VERY-SECRET-TOKEN"
    monkeypatch.setenv("BOT_TOKEN", secret)
    monkeypatch.setenv("DIGEST_TIME", "99:99")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert secret not in str(caught.value)
    monkeypatch.setenv("DIGEST_TIME", "08:30")
    settings = load_settings()
    assert secret not in repr(settings)
    assert secret not in str(settings.model_dump())
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == secret


@pytest.mark.parametrize(
    ("url", "port", "expected_port"),
    [
        ("https://bot.example.kz/telegram", None, 8080),
        ("https://bot.example.kz/telegram", "9000", 9000),
        ("http://127.0.0.1:8443/telegram", None, 8080),  # a local Bot API server, tests
        ("", "9100", 9100),  # long polling with /healthz and /metrics
        ("", "", None),  # long polling alone
    ],
)
def test_the_web_server_runs_in_webhook_mode_or_when_a_port_is_set(
    monkeypatch: pytest.MonkeyPatch, url: str, port: str | None, expected_port: int | None
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", url)
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_-X" if url else "")
    if port is not None:
        monkeypatch.setenv("WEB_PORT", port)
    settings = load_settings()
    assert settings.webhook_url == (url or None)
    assert settings.web_server_port == expected_port


def test_the_webhook_secret_never_shows_in_errors_or_dumps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "very_SECRET-webhook-token"
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.kz/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    monkeypatch.setenv("WEB_PORT", "0")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert secret not in str(caught.value)
    monkeypatch.delenv("WEB_PORT")
    settings = load_settings()
    assert secret not in repr(settings)
    assert secret not in str(settings.model_dump())
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == secret


def test_lists_are_read_from_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "101, 202;303")
    monkeypatch.setenv(
        "FEEDS", "https://a.example/rss | Политика | Казахстан #Выборы\nhttps://b.example/atom"
    )
    settings = load_settings()
    assert settings.admin_ids == [101, 202, 303]
    assert settings.feeds == [
        FeedSpec(url="https://a.example/rss", rubric="Политика", tags=("Казахстан", "Выборы")),
        FeedSpec(url="https://b.example/atom"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        "https://a.example/rss | Политика | Казахстан #Выборы, https://b.example/atom?x=1,2",
        "https://a.example/rss | Политика | Казахстан #Выборы;https://b.example/atom?x=1,2",
        '["https://a.example/rss | Политика | Казахстан #Выборы", "https://b.example/atom?x=1,2"]',
        '[{"url": "https://a.example/rss", "rubric": "Политика", "tags": ["Казахстан", "Выборы"]},'
        ' "https://b.example/atom?x=1,2"]',
    ],
)
def test_feeds_are_a_comma_list_or_a_json_list(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FEEDS", value)
    assert load_settings().feeds == [
        FeedSpec(url="https://a.example/rss", rubric="Политика", tags=("Казахстан", "Выборы")),
        FeedSpec(url="https://b.example/atom?x=1,2"),  # a comma inside a URL stays there
    ]


def test_admin_ids_may_be_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "[101, 202]")
    assert load_settings().admin_ids == [101, 202]


@pytest.mark.parametrize(("value", "size"), [("512KiB", 524288), ("2MB", 2_000_000)])
def test_the_article_size_limit_takes_units(
    monkeypatch: pytest.MonkeyPatch, value: str, size: int
) -> None:
    monkeypatch.setenv("MAX_ARTICLE_BYTES", value)
    assert load_settings().max_article_bytes == size


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DIGEST_TIME=07:15\nADMIN_IDS=5\n", encoding="utf-8")
    settings = load_settings()
    assert settings.digest_time == time(7, 15)
    assert settings.admin_ids == [5]


@pytest.mark.parametrize(
    ("text", "expected"), [("9:05", time(9, 5)), ("00:00", time(0, 0)), ("23:59", time(23, 59))]
)
def test_hhmm_accepts_clock_times(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "12", "12:5", "ab:cd", "-1:00", ""])
def test_hhmm_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm(text)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://svodka:s3cret@db/news", "postgresql://svodka:***@db/news"),
        (
            "postgresql://svodka@db/news?password=s3cret",
            "postgresql://svodka@db/news?password=***",
        ),
        (
            "postgres://db/news?sslpassword=s3cret&sslmode=require",
            "postgres://db/news?sslpassword=***&sslmode=require",
        ),
        ("postgresql://svodka@db/news", "postgresql://svodka@db/news"),
        ("sqlite:///data/svodka.sqlite3", "sqlite:///data/svodka.sqlite3"),
        ("postgresql://u:s3cret@[::1:5432/db", "<malformed URL>"),
    ],
)
def test_database_urls_are_shown_without_their_secrets(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url)
