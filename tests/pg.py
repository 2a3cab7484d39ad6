"""PostgreSQL for tests: a fresh schema per test on the server ``TEST_DATABASE_URL`` names.

Tests that need the server skip, with the reason, when it cannot be reached; ``.ci/run``
starts one. Each test gets its own schema (first on the search path, passed in the URL),
so tests never see each other's rows and the database is left as it was.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SERVER_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_URL)

_reachable: str | None = None  # None: not asked yet; "": reachable; else why not


async def skip_unless_reachable() -> None:
    global _reachable
    if _reachable is None:
        try:
            conn = await asyncpg.connect(SERVER_URL, timeout=3)
            await conn.close()
            _reachable = ""
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            _reachable = f"PostgreSQL not reachable at {SERVER_URL} ({exc}); set TEST_DATABASE_URL"
    if _reachable:
        pytest.skip(_reachable)


def with_search_path(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"search_path": schema})) if q)
    return urlunsplit(parts._replace(query=query))


async def create_schema() -> tuple[str, str]:
    """A new empty schema: its name and a URL whose connections work in it."""
    await skip_unless_reachable()
    schema = f"svodka_test_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(SERVER_URL)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    return schema, with_search_path(SERVER_URL, schema)


async def drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(SERVER_URL)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()
