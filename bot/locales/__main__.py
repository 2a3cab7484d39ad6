"""``python -m bot.locales update | compile | check`` (see :mod:`bot.locales`)."""

from __future__ import annotations

import argparse
import sys

from bot.locales import LANGUAGES, check, compile_all, po_path, update


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.locales", description="Maintain the interface catalogues."
    )
    parser.add_argument(
        "action",
        choices=("update", "compile", "check"),
        help="update: extract ids from bot/ into the .po files; compile: write .mo; "
        "check: fail unless every id is translated and compiled",
    )
    args = parser.parse_args(argv)
    if args.action == "update":
        for language, ids in update().items():
            print(f"{po_path(language)}: {len(ids)} untranslated")
            for message_id in ids:
                print(f"  {message_id}")
        return 0
    if args.action == "compile":
        compile_all()
        print(f"compiled {', '.join(LANGUAGES)}")
        return 0
    problems = check()
    for line in problems.lines():
        print(line, file=sys.stderr)
    if problems:
        return 1
    print("catalogues are complete and compiled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
