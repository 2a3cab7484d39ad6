"""Fixtures for the article storage tests: each test runs on SQLite and on PostgreSQL.

``storage`` is the shared ``any_storage`` (a real SQLite file, then a fresh PostgreSQL
schema, skipped with the reason when no server is reachable); ``repo`` is its articles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.articles import ArticleRepo


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "svodka.sqlite3"


@pytest.fixture
def storage(any_storage: Storage) -> Storage:
    return any_storage


@pytest.fixture
def repo(storage: Storage) -> ArticleRepo:
    # Typed as the SQLite repository for the tests' annotations; both satisfy ArticleStore.
    return storage.articles  # type: ignore[return-value]
