"""``svodka db copy --from URL --to URL`` and ``svodka db version [URL]``: database tools.

``copy`` moves every stored row from one database into another, keeping ids: SQLite into
PostgreSQL to outgrow one process, and back (SQLite to SQLite and PostgreSQL to
PostgreSQL work too). The source may be in use by a running bot: it is read in one
snapshot. The destination must be empty; both are migrated to the newest schema first, and
the copy commits only if every table ends up with the snapshot's row count.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from tqdm import tqdm

from bot.config import DATABASE_URL_FORM, Settings, is_database_url, sqlite_path
from bot.config import redact_url as redact
from bot.storage import open_url
from bot.storage.copy import CountMismatch, TableCount, copy_database, n_rows

EXIT_USAGE = 2


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "db", help="database tools: copy between SQLite and PostgreSQL, schema version"
    )
    actions = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    copy = actions.add_parser(
        "copy",
        help="copy every row into an empty database (SQLite <-> PostgreSQL)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    copy.add_argument(
        "--from",
        dest="source",
        type=_url,
        required=True,
        metavar="URL",
        help="the database to read: sqlite:///PATH (must exist) or postgresql://…",
    )
    copy.add_argument(
        "--to",
        dest="destination",
        type=_url,
        required=True,
        metavar="URL",
        help="the empty database to write (a SQLite file is created if missing)",
    )
    copy.set_defaults(func=run_copy)
    version = actions.add_parser("version", help="print a database's backend and schema version")
    version.add_argument("url", nargs="?", type=_url, metavar="URL", help="default: DATABASE_URL")
    version.set_defaults(func=run_version)


def _url(value: str) -> str:
    if not is_database_url(value):
        raise argparse.ArgumentTypeError(f"expected {DATABASE_URL_FORM}, got {value!r}")
    return value


def _same(first: str, second: str) -> bool:
    """Whether two URLs name one database as spelled (an emptiness check catches the rest)."""
    paths = sqlite_path(first), sqlite_path(second)
    if paths[0] is not None and paths[1] is not None:
        return paths[0].resolve() == paths[1].resolve()
    spelled = [u.replace("postgres://", "postgresql://", 1).rstrip("/") for u in (first, second)]
    return spelled[0] == spelled[1]


async def run_copy(args: argparse.Namespace, settings: Settings) -> int:
    if _same(args.source, args.destination):
        print("svodka db copy: the source and the destination are one database", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    progress = _Progress()
    source = await open_url(args.source, create=False)
    try:
        destination = await open_url(args.destination)
        try:
            counts = await copy_database(source, destination, progress=progress)
        except CountMismatch as exc:
            progress.close()
            _print_counts(exc.counts)
            print(f"svodka db copy: {exc}", file=sys.stderr)
            return 1
        finally:
            progress.close()
            await destination.close()
    finally:
        await source.close()
    _print_counts(counts)
    print(
        f"svodka db copy: {n_rows(sum(c.destination for c in counts))} from "
        f"{redact(args.source)} to {redact(args.destination)} in "
        f"{time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


async def run_version(args: argparse.Namespace, settings: Settings) -> int:
    url: str = args.url or settings.database_url
    storage = await open_url(url, create=False)
    try:
        version = await storage.schema_version()
    finally:
        await storage.close()
    print(f"{storage.backend} schema version {version} ({redact(url)})")
    return 0


def _print_counts(counts: list[TableCount]) -> None:
    width = max(len("total"), *(len(c.table) for c in counts))
    print(f"{'table':<{width}}  {'source':>10}  {'copied':>10}")
    for c in counts:
        mark = "" if c.source == c.destination else "  MISMATCH"
        print(f"{c.table:<{width}}  {c.source:>10}  {c.destination:>10}{mark}")
    total = sum(c.source for c in counts), sum(c.destination for c in counts)
    print(f"{'total':<{width}}  {total[0]:>10}  {total[1]:>10}")


class _Progress:
    """A bar per table on a terminal; otherwise a line as each table is done."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar: tqdm[Any] | None = None

    def __call__(self, table: str, done: int, total: int) -> None:
        if not self.tty:
            if done == total:
                print(f"svodka db copy: {table}: {n_rows(done)}", file=sys.stderr)
            return
        if self.bar is None or self.bar.desc != table:
            self.close()
            self.bar = tqdm(total=total, desc=table, unit="row", file=sys.stderr, leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
