"""The one exception root of Svodka and its tree.

SvodkaError
├── ConfigError            a setting has a wrong value (names the variable)
├── ArticleFormatError     a text is not an article (names FILE:LINE)
├── StorageError           the database refused, cannot be used, or is not ours
│   ├── StorageUnavailable   not now: locked past the busy timeout, connection lost, server
│   │                        unreachable, read-only, disk full or I/O error; try again later
│   ├── IntegrityError       a constraint refused a row (unique, foreign key, not null)
│   └── DataError            a value the database cannot hold (out of range, bad text)
├── SourceError            a feed or inbox file could not be read
└── UserInputError         a bad command argument (the message is shown to the user)
"""

from __future__ import annotations


class SvodkaError(Exception):
    """Root of every error Svodka raises on purpose."""


class ConfigError(SvodkaError):
    """A setting is missing or malformed; the message names the variable."""


class ArticleFormatError(SvodkaError):
    """A text could not be parsed as an article.

    ``str(error)`` is the operator-facing line ``FILE:LINE: reason``.
    """

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}:{line}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason

    def __reduce__(self) -> tuple[type[ArticleFormatError], tuple[str, int, str]]:
        # Pickled with the fields it is made of: a worker process parses and returns it.
        return type(self), (self.source, self.line, self.reason)


class StorageError(SvodkaError):
    """The database could not be opened, migrated, read or written.

    The drivers raise nothing else: every sqlite3, aiosqlite and asyncpg error is mapped to
    this subtree where it happens (:mod:`bot.storage.sql`), so no caller names a driver.
    """


class StorageUnavailable(StorageError):
    """The database cannot serve now; the same operation may work later."""


class IntegrityError(StorageError):
    """A constraint refused a row: that row is at fault, not the database."""


class DataError(StorageError):
    """A value the database cannot hold: that row is at fault, not the database."""


class SourceError(SvodkaError):
    """A source (feed, inbox file, JSON Lines record) could not be read."""


class UserInputError(SvodkaError):
    """A user gave a bad argument; the message is safe to show them."""
