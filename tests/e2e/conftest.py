"""The real bot process (``python -m bot run``) against the Bot API test server.

The server runs in the test's event loop on 127.0.0.1; the bot is a subprocess configured
only through its environment, exactly as in production. Articles are ingested once per
session with ``python -m bot ingest`` into a template database that each test copies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import SqliteStorage, Storage
from tests.botapi import BotAPIServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST"
ADMIN_ID = 500
BOT_USERNAME = "svodka_bot"

ARTICLES = {
    "01-referendum.txt": (
        " date 2026-03-03 #Референдум-2026\nПолитика\n\n"
        "ЦИК утвердил вопрос референдума\n\n"
        "АСТАНА. KAZINFORM – Центральная избирательная комиссия утвердила формулировку "
        "вопроса, выносимого на референдум, передает корреспондент Zakon.kz.\n\n"
        "Голосование пройдет по всей стране.\n"
    ),
    "02-elections.txt": (
        " date 2026-03-02 #Выборы #Референдум-2026\nПолитика\n\n"
        "Наблюдатели оценили подготовку к выборам\n\n"
        "Международные наблюдатели заявили, что подготовка к выборам идет по плану.\n\n"
        "Миссия продолжит работу до дня голосования.\n"
    ),
    "03-oil.txt": (
        " date 2026-03-01 #Нефть\nЭкономика\n\n"
        "Цены на нефть выросли\n\n"
        "Стоимость нефти марки Brent выросла на 2% на фоне новостей с Ближнего Востока.\n"
    ),
    "04-hostile.txt": (
        " date 2026-02-28 #Выборы\nПолитика\n\n"
        'Опрос: <script>alert("x")</script> & <a href="https://evil.example">выборы</a>\n\n'
        "Социологи опубликовали результаты опроса о предстоящих выборах & референдуме.\n"
    ),
    "05-long.txt": (
        " date 2026-02-27 #Референдум-2026\nПолитика\n\n"
        "Полный текст поправок к Конституции\n\n"
        "Парламент опубликовал полный текст поправок, которые выносятся на референдум.\n\n"
        + "\n\n".join(
            f"Статья {i}. " + "Положение о порядке проведения голосования и подсчета. " * 12
            for i in range(1, 16)
        )
        + "\n"
    ),
    **{
        f"1{i}-sport.txt": (
            f" date 2026-02-{10 + i:02d} #Футбол\nСпорт\n\n"
            f"Матч тура номер {i} завершился вничью\n\n"
            f"Команды сыграли вничью в матче {i}-го тура чемпионата.\n"
        )
        for i in range(8)
    },
}


def bot_env(database: Path, api_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key.upper()
        not in {"BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "ADMIN_IDS", "INBOX_DIR"}
    }
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=f"sqlite:///{database}",
        # Beside the test's database, never the checkout's own data/inbox.
        INBOX_DIR=str(database.parent / "inbox"),
        ADMIN_IDS=str(ADMIN_ID),
        LOG_LEVEL="INFO",
        THROTTLE_SECONDS="0",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the articles above, ingested by the command line."""
    folder = tmp_path_factory.mktemp("articles")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    database = folder / "template.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(folder)],
        cwd=PROJECT_ROOT,
        env=bot_env(database, "http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return database


class BotProcess:
    """``python -m bot run`` with its standard error collected in a file."""

    def __init__(
        self, database: Path, api_url: str, log: Path, env: dict[str, str] | None = None
    ) -> None:
        self.database = database
        self.api_url = api_url
        self.log_path = log
        self.env = {**bot_env(database, api_url), **(env or {})}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip

    async def stop(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """SIGINT, as Ctrl-C would, and the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"still running {timeout:.0f} s after SIGINT:\n{self.log}"
                ) from None
        assert self.process.returncode is not None
        return self.process.returncode

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(TOKEN, bot_username=BOT_USERNAME) as api:
        api.add_user(ADMIN_ID, "Admin", language_code="ru")
        yield api


@pytest.fixture
def database(tmp_path: Path, template_db: Path) -> Path:
    copy = tmp_path / "svodka.sqlite3"
    shutil.copy(template_db, copy)
    return copy


@pytest.fixture
async def bot(server: BotAPIServer, database: Path, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """The running bot; on teardown it must stop cleanly on SIGINT with status 0."""
    async with running_bot(server, database, tmp_path / "bot.log") as process:
        yield process


@contextlib.asynccontextmanager
async def running_bot(
    server: BotAPIServer, database: Path, log: Path, **env: str
) -> AsyncIterator[BotProcess]:
    """The bot with ``env`` on top of :func:`bot_env`; it must stop cleanly, untraced."""
    process = BotProcess(database, server.url, log, env)
    await process.start()
    try:
        await server.wait_for_polling(timeout=30)
    except BaseException:
        await process.stop()
        raise AssertionError(f"the bot did not start:\n{process.log}") from None
    try:
        yield process
    except BaseException:
        await process.stop()
        raise
    status = await process.stop()
    assert status == 0, process.log
    assert TOKEN not in process.log
    assert "Traceback" not in process.log, process.log


@pytest.fixture
async def store(database: Path) -> AsyncIterator[Storage]:
    """A second connection to the bot's database, to check what it stored."""
    storage = await SqliteStorage.open(database)
    yield storage
    await storage.close()
