"""The digest tests' fixtures: a real database on each backend, the Bot API test server and a
real aiogram Bot (see tests/digest/conftest.py)."""

from tests.digest.conftest import bot, db_path, server, sqlite_storage, storage

__all__ = ["bot", "db_path", "server", "sqlite_storage", "storage"]
