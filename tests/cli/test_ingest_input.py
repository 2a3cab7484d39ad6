"""``svodka ingest`` on hostile input: each bad file or record costs itself, never the rest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.sources.files import PathProblem, article_files
from tests.cli.test_commands import GOOD, svodka


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path / "data" / "svodka.sqlite3"


def article(n: int) -> str:
    return GOOD.replace("Выборы прошли спокойно", f"Выборы прошли спокойно, участок {n}")


def stored_titles(db: Path) -> list[str]:
    latest = svodka("latest", "-n", "1000", "--json", db=db)
    assert latest.returncode == 0, latest.stderr
    return sorted(json.loads(line)["title"] for line in latest.stdout.splitlines())


def problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("svodka ingest:")]


def test_a_bad_record_costs_its_line_and_nothing_read_before_or_after(db: Path) -> None:
    folder = db.parent.parent / "in"
    folder.mkdir()
    for n in range(30):
        (folder / f"{n:02d}.txt").write_text(article(n), encoding="utf-8")
    good = {"title": "Запись из JSON", "date": "2026-03-03", "body": ["Текст записи."]}
    records = [
        good,
        {"title": "Восток", "date": "0001-01-01T00:00:00+14:00"},
        {"title": "Запад", "date": "9999-12-31T23:59:59-12:00"},
        {"title": "Будущее", "date": "9999-12-31"},
        good | {"title": "Вторая запись"},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(3, "[" * 50_000 + "]" * 50_000)
    batch = folder / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")

    done = svodka("ingest", str(folder), str(batch), db=db)
    assert done.returncode == 1
    assert problems(done.stderr) == [
        f"{batch}:2: date '0001-01-01T00:00:00+14:00' is out of range once converted to UTC",
        f"{batch}:3: date '9999-12-31T23:59:59-12:00' is out of range once converted to UTC",
        f"{batch}:4: not JSON: nested too deeply",
        f"{batch}:5: date '9999-12-31' is out of range (the last year accepted is 2199)",
    ]
    assert "Traceback" not in done.stderr
    titles = stored_titles(db)
    assert len(titles) == 32
    assert {"Запись из JSON", "Вторая запись"} <= set(titles)


def test_an_article_over_the_size_limit_is_refused_the_rest_stored(db: Path) -> None:
    folder = db.parent.parent / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "huge.txt").write_text(GOOD + "Очень длинный абзац. " * 2000, encoding="utf-8")
    done = svodka("ingest", str(folder), db=db, extra_env={"MAX_ARTICLE_BYTES": "16KiB"})
    assert done.returncode == 1
    assert problems(done.stderr) == [
        f"{folder / 'huge.txt'}:1: larger than the 16 KiB limit of an article (MAX_ARTICLE_BYTES)"
    ]
    assert stored_titles(db) == ["Выборы прошли спокойно"]


def test_standard_input_is_read_within_the_limit(db: Path) -> None:
    done = svodka("ingest", "-", db=db, stdin=GOOD * 100, extra_env={"MAX_ARTICLE_BYTES": "16KiB"})
    assert done.returncode == 1
    assert problems(done.stderr) == [
        "<stdin>:1: larger than the 16 KiB limit of an article (MAX_ARTICLE_BYTES)"
    ]


def test_special_files_are_refused_without_being_read(db: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # nobody writes: reading it would wait for ever
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    done = svodka("ingest", "/dev/zero", str(fifo), str(good), db=db)
    assert done.returncode == 1
    assert problems(done.stderr) == [
        "/dev/zero:1: not a regular file (a device); not read",
        f"{fifo}:1: not a regular file (a FIFO); not read",
    ]
    assert stored_titles(db) == ["Выборы прошли спокойно"]


def test_broken_and_looping_links_are_named_and_the_rest_is_read(db: Path) -> None:
    folder = db.parent.parent / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(article(1), encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(article(2), encoding="utf-8")
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "self.txt").symlink_to(folder / "self.txt")
    (folder / "sub" / "up").symlink_to(folder)
    (folder / "twin").symlink_to(folder / "sub")  # the same folder twice: read once

    done = svodka("ingest", str(folder), db=db)
    assert done.returncode == 1
    assert problems(done.stderr) == [
        f"{folder / 'gone.txt'}: broken symbolic link (to {folder / 'nowhere.txt'})",
        f"{folder / 'self.txt'}: symbolic link loop",
        f"{folder / 'sub' / 'up'}: symbolic link loop (leads back to a folder above it)",
    ]
    assert stored_titles(db) == sorted([article(1).split("\n")[3], article(2).split("\n")[3]])


def test_an_unreadable_folder_is_named_and_the_rest_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(GOOD, encoding="utf-8")
    scandir = os.scandir

    def refusing(path: os.PathLike[str] | str) -> object:
        if Path(path).name == "b":  # as permissions would for anyone but root
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    found = list(article_files(tmp_path))
    assert found[0] == tmp_path / "a" / "a.txt"
    assert isinstance(found[1], PathProblem)
    assert str(found[1]) == f"{tmp_path / 'b'}: cannot read folder: Permission denied"
    assert found[2:] == [tmp_path / "c" / "c.txt"]


def test_files_dated_ahead_are_stored_and_said_in_the_summary(db: Path) -> None:
    folder = db.parent.parent / "in"
    folder.mkdir()
    (folder / "today.txt").write_text(article(1), encoding="utf-8")
    ahead = article(2).replace(GOOD.split("\n", 1)[0], " date 2031-05-04 #Выборы", 1)
    (folder / "ahead.txt").write_text(ahead, encoding="utf-8")

    done = svodka("ingest", "--json", str(folder), db=db)
    assert done.returncode == 0, done.stderr
    dates = sorted(json.loads(line)["date"] for line in done.stdout.splitlines())
    assert dates[-1] == "2031-05-04"
    assert len(dates) == 2
    assert done.stderr.strip().endswith(
        "0 failed; 1 dated ahead of today (lists show them from their date)"
    )
    assert len(stored_titles(db)) == 1  # `latest` holds it back until its date
