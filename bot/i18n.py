"""Interface languages: Russian by default, English for users whose Telegram speaks English.

Texts live in gettext catalogues under ``bot/locales/<lang>/LC_MESSAGES/messages.po`` (compiled
to ``.mo``; see ``python -m bot.locales``). Message ids are symbolic keys such as
``"start.welcome"``, so every text exists only in the catalogues and a missing translation is
caught by the catalogue check instead of silently showing the source language.

Handlers translate with ``from aiogram.utils.i18n import gettext as _`` (the middleware sets
the locale). Code outside handlers — the digest worker rendering for a chat — uses
:func:`translator` or the :func:`use_locale` context.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware, get_i18n

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "ru"
LOCALES = ("ru", "en")


class Translator(Protocol):
    """``_(key)`` or ``_(key, plural_key, n)`` in one fixed language."""

    def __call__(self, singular: str, plural: str | None = None, n: int = 1) -> str: ...


def locale_for(language_code: str | None) -> str:
    """``"en"`` for English-speaking Telegram users (``en``, ``en-GB`` …), else Russian."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def current_locale() -> str:
    """The locale of the update being handled, for Babel's formatting (dates, zone names)."""
    return get_i18n().current_locale


def create_i18n() -> I18n:
    """A fresh :class:`I18n` over the compiled catalogues."""
    return I18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


@functools.cache
def shared_i18n() -> I18n:
    """The catalogues loaded once per process, for code that has no I18n handed to it."""
    return create_i18n()


def translator(language: str | None, i18n: I18n | None = None) -> Translator:
    """A gettext-like callable for ``language`` (a locale or a Telegram language code)."""
    i18n = i18n or shared_i18n()
    locale = language if language in LOCALES else locale_for(language)

    def _(singular: str, plural: str | None = None, n: int = 1) -> str:
        return i18n.gettext(singular, plural, n, locale=locale)

    return _


@contextmanager
def use_locale(language: str | None, i18n: I18n | None = None) -> Iterator[I18n]:
    """Make aiogram's ``gettext``/``lazy_gettext`` (and keyboards) speak ``language``.

    For code running outside a handler, such as the digest worker::

        with use_locale(chat.language):
            text = render_item(article)
            markup = keyboards.read_buttons(...)
    """
    i18n = i18n or shared_i18n()
    locale = language if language in LOCALES else locale_for(language)
    with i18n.context(), i18n.use_locale(locale):
        yield i18n


class LanguageMiddleware(I18nMiddleware):
    """Chooses the locale per event: the user's Telegram language, else the chat's stored one."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        if user is not None and user.language_code:
            return locale_for(user.language_code)
        chat = data.get("chat_record")
        language = getattr(chat, "language", None)
        return language if language in LOCALES else DEFAULT_LOCALE


def N_(key: str) -> str:
    """Mark a message id for extraction without translating it here (translated later)."""
    return key
