"""Fixtures shared by every test package.

``any_storage`` is a :class:`~bot.storage.Storage` on each backend in turn: a real SQLite
file, then a fresh schema on a real PostgreSQL server (skipped, with the reason, when no
server is reachable). Tests that ask for it run the same assertions on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Storage, open_url
from tests import pg

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL schema of this test's own (skips without a server)."""
    schema, url = await pg.create_schema()
    yield url
    await pg.drop_schema(schema)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def storage_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL of the parametrised backend, empty."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'svodka.sqlite3'}"
        return
    schema, url = await pg.create_schema()
    yield url
    await pg.drop_schema(schema)


@pytest.fixture
async def any_storage(storage_url: str) -> AsyncIterator[Storage]:
    """An open, migrated storage on each backend in turn."""
    opened = await open_url(storage_url)
    yield opened
    await opened.close()
