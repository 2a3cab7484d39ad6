"""Fixtures for the article storage tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import SqliteStorage, Storage
from bot.storage.articles import ArticleRepo


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "svodka.sqlite3"


@pytest.fixture
async def storage(db_path: Path) -> AsyncIterator[Storage]:
    opened = await SqliteStorage.open(db_path)
    yield opened
    await opened.close()


@pytest.fixture
def repo(storage: Storage) -> ArticleRepo:
    return storage.articles
