"""The interface texts (gettext domain ``messages``) and the maintainers' catalogue tool.

Layout: ``bot/locales/{ru,en}/LC_MESSAGES/messages.po`` (edited by people) and ``.mo``
(compiled, committed so the bot needs no build step). Message ids are symbolic keys
(``"start.welcome"``); see :mod:`bot.i18n`.

Workflow after adding or changing ``_("…")`` calls::

    python -m bot.locales update    # extract keys from bot/ and merge them into both .po
    # … fill in every new msgstr, in Russian and in English …
    python -m bot.locales compile   # write the .mo files
    python -m bot.locales check     # what the tests check: complete and compiled

Translated texts are HTML (Telegram's subset) with ``str.format`` fields such as
``{tag}``; the code escapes every value it substitutes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

LOCALES_DIR = Path(__file__).parent
SOURCE_DIR = LOCALES_DIR.parent
DOMAIN = "messages"
LANGUAGES = ("ru", "en")

# The functions whose literal first argument is a message id (aiogram's names included).
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "__": None,
    "gettext": None,
    "lazy_gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract() -> Catalog:
    """Every message id used in ``bot/``, with where it is used."""
    template = Catalog(project="svodka", domain=DOMAIN)
    messages: Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]]
    messages = extract_from_dir(
        SOURCE_DIR,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in messages:
        template.add(
            message,
            None,
            [(f"bot/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def load_po(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="svodka")
    with path.open("rb") as fp:
        return read_po(fp, locale=language, domain=DOMAIN)


HEADER_COMMENT = """\
# Svodka interface texts ({language}), gettext domain "messages".
# Message ids are keys; texts are Telegram HTML with str.format fields.
# Maintained with: python -m bot.locales update | compile | check"""


def save_po(catalog: Catalog, language: str) -> None:
    catalog.fuzzy = False
    catalog.project = "svodka"
    catalog.version = "1"
    catalog.header_comment = HEADER_COMMENT.format(language=language)
    catalog.last_translator = "Svodka maintainers"
    catalog.language_team = f"{language} <svodka@localhost>"
    catalog.msgid_bugs_address = ""
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=99,
        no_location=True,
        omit_header=False,
        sort_output=True,
        ignore_obsolete=True,
    )
    path.write_bytes(buffer.getvalue())


def update() -> dict[str, list[str]]:
    """Merge the extracted ids into every catalogue; returns the untranslated ids per language."""
    template = extract()
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        catalog = load_po(language)
        catalog.update(
            template,
            no_fuzzy_matching=True,
            update_header_comment=False,
            update_creation_date=False,
        )
        catalog.obsolete.clear()
        save_po(catalog, language)
        missing[language] = untranslated(catalog)
    return missing


def compile_all() -> None:
    """Write ``messages.mo`` next to each ``messages.po``."""
    for language in LANGUAGES:
        buffer = io.BytesIO()
        write_mo(buffer, load_po(language), use_fuzzy=False)
        mo_path(language).write_bytes(buffer.getvalue())


def untranslated(catalog: Catalog) -> list[str]:
    """Ids whose translation is empty (any plural form) or marked fuzzy."""
    result = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            result.append(_key(message.id))
    return result


def _key(message_id: str | Sequence[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _table(catalog: Catalog) -> dict[str, object]:
    # A plural's forms are a tuple in a .po and a list in a .mo.
    return {
        _key(m.id): tuple(m.string) if isinstance(m.string, list | tuple) else m.string
        for m in catalog
        if m.id and m.string and not m.fuzzy
    }


@dataclass
class Problems:
    """What ``check`` found; empty lists mean the catalogues are complete and compiled."""

    untranslated: dict[str, list[str]]
    not_in_catalogue: dict[str, list[str]]
    unused: dict[str, list[str]]
    stale_mo: list[str]

    def __bool__(self) -> bool:
        return any(
            [*self.untranslated.values(), *self.not_in_catalogue.values(), *self.unused.values()]
        ) or bool(self.stale_mo)

    def lines(self) -> list[str]:
        out = []
        for language, ids in self.untranslated.items():
            out += [f"{po_path(language)}: untranslated {i!r}" for i in ids]
        for language, ids in self.not_in_catalogue.items():
            out += [f"{po_path(language)}: missing {i!r} (run update)" for i in ids]
        for language, ids in self.unused.items():
            out += [f"{po_path(language)}: unused {i!r} (run update)" for i in ids]
        out += [f"{mo_path(language)}: out of date (run compile)" for language in self.stale_mo]
        return out


def check() -> Problems:
    """Compare the code, the .po and the .mo files without changing anything."""
    used = {_key(m.id) for m in extract() if m.id}
    problems = Problems({}, {}, {}, [])
    for language in LANGUAGES:
        catalog = load_po(language)
        known = {_key(m.id) for m in catalog if m.id}
        problems.untranslated[language] = untranslated(catalog)
        problems.not_in_catalogue[language] = sorted(used - known)
        problems.unused[language] = sorted(known - used)
        path = mo_path(language)
        if not path.exists():
            problems.stale_mo.append(language)
            continue
        with path.open("rb") as fp:
            compiled = read_mo(fp)
        if _table(compiled) != _table(catalog):
            problems.stale_mo.append(language)
    return problems
