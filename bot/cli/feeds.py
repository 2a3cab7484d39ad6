"""``svodka feeds import FILE.opml`` and ``svodka feeds export [-o FILE]``: the RSS/Atom feeds
the bot polls, exchanged with feed readers as OPML.

``import`` stores every feed of the file in one transaction (the running bot's poller
fetches them at its next round) and names each outline it skipped on standard error as
``FILE:LINE: reason``: a feed already stored or listed twice, or an address that is not
http(s). A bad outline makes the exit status 1; a file that is not OPML imports nothing.
``export`` writes every feed in use, rubrics as folders and tags as categories, so an
export imports back into an empty database as the same feeds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.sources.files import open_regular
from bot.sources.manage import export_opml, import_opml
from bot.sources.opml import MAX_OPML_BYTES
from bot.storage import open_storage


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "feeds",
        help="exchange the polled feeds with feed readers as OPML",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    importing = actions.add_parser("import", help="add the feeds of an OPML file")
    importing.add_argument("file", metavar="FILE", help="an OPML file, or - for standard input")
    importing.set_defaults(func=run_import)
    exporting = actions.add_parser("export", help="write the feeds as OPML (stdout by default)")
    exporting.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    exporting.set_defaults(func=run_export)


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read(MAX_OPML_BYTES + 1)
    with open_regular(Path(name), name) as stream:
        return stream.read(MAX_OPML_BYTES + 1)


async def run_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = _read(args.file)
    except OSError as exc:
        print(f"svodka feeds: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    storage = await open_storage(settings)
    try:
        done = await import_opml(storage, data, "<stdin>" if args.file == "-" else args.file)
    finally:
        await storage.close()
    for line in done.lines():
        print(line, file=sys.stderr)
    print(
        f"{done.source}: {len(done.added)} feed(s) added, {len(done.present)} already present, "
        f"{len(done.bad)} bad"
    )
    return 1 if done.bad else 0


async def run_export(args: argparse.Namespace, settings: Settings) -> int:
    storage = await open_storage(settings, create=False)
    try:
        document = await export_opml(storage)
    finally:
        await storage.close()
    if args.output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    else:
        _write_atomically(args.output, document)
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename, so a failed export never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
