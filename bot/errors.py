"""The one exception root of Svodka and its tree.

SvodkaError
├── ConfigError            a setting has a wrong value (names the variable)
├── ArticleFormatError     a text is not an article (names FILE:LINE)
├── StorageError           the database refused or is of an unknown version
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


class StorageError(SvodkaError):
    """The database could not be opened, migrated or written."""


class SourceError(SvodkaError):
    """A source (feed, inbox file, JSON Lines record) could not be read."""


class UserInputError(SvodkaError):
    """A user gave a bad argument; the message is safe to show them."""
