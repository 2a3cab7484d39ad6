"""The rooms' boundaries, read from the imports of every module under bot/.

Only storage talks to the database drivers and its two engines; the rest of the bot knows
the repositories and StorageError. And no module imports, however indirectly, itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
DRIVERS = ("aiosqlite", "asyncpg", "sqlite3", "bot.storage.sqlite", "bot.storage.postgres")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(BOT.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The modules ``name`` imports (``from a import b`` is ``a.b`` when that is a module)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
    return found


def test_the_modules_are_found() -> None:
    assert {"bot.storage", "bot.storage.sql", "bot.storage.sqlite.driver"} <= set(MODULES)


@pytest.mark.parametrize("name", [m for m in MODULES if not m.startswith("bot.storage")])
def test_only_storage_reaches_the_drivers_and_engines(name: str) -> None:
    reached = {m for m in imports(name) if m.startswith(DRIVERS)}
    assert not reached, f"{name} imports {', '.join(sorted(reached))}"


def test_no_module_imports_itself_through_others() -> None:
    graph = {name: {m for m in imports(name) if m in MODULES} for name in MODULES}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                cycles.append([*path[path.index(other) :], other])
            elif other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


# What a room may not reach (DESIGN's table of rooms): the text work and story detection are
# pure, storage knows nothing of Telegram or of the use cases above it, and nothing below the
# handlers reaches up into them.
FORBIDDEN = {
    "bot.text": ("aiogram", "aiohttp", "bot.storage", "bot.handlers", "bot.delivery"),
    "bot.stories": ("aiogram", "aiohttp", "bot.storage", "bot.handlers", "bot.delivery"),
    "bot.follows": ("aiogram", "aiohttp", "bot.storage", "bot.handlers", "bot.delivery"),
    "bot.storage": ("aiogram", "bot.handlers", "bot.delivery", "bot.digest", "bot.sources"),
    "bot.digest": ("bot.handlers",),
    "bot.alerts": ("bot.handlers", "bot.delivery"),
    "bot.delivery": ("bot.handlers", "bot.digest"),
    "bot.sources": ("bot.handlers", "bot.delivery"),
}


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_rooms_import_only_downwards(room: str) -> None:
    found = {
        f"{name} -> {other}"
        for name in MODULES
        if name == room or name.startswith(room + ".")
        for other in imports(name)
        if other.startswith(FORBIDDEN[room])
    }
    assert not found, "imports against the rooms' order: " + ", ".join(sorted(found))
