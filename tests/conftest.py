"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests import pg


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL schema of this test's own (skips without a server)."""
    schema, url = await pg.create_schema()
    yield url
    await pg.drop_schema(schema)
