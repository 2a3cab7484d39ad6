"""The command line as an operator uses it: real processes, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
EXAMPLE = ROOT / "examples" / "articles" / "zakon-2026-03-03-mid.txt"

GOOD = """ date 2026-05-01 #Выборы-2026 #Алматы
Политика

Выборы прошли спокойно

АЛМАТЫ. KAZINFORM – Выборы в городской маслихат прошли без нарушений, сообщили в избиркоме.

Явка составила 40 процентов.
"""


def svodka(
    *args: str, db: Path, stdin: str | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "FEEDS", "ADMIN_IDS"}}
    env |= {"DATABASE_URL": f"sqlite:///{db}", "LOG_LEVEL": "WARNING"}
    env |= extra_env or {}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=db.parent,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path / "data" / "svodka.sqlite3"


def test_ingest_json_prints_the_documented_fields(db: Path) -> None:
    done = svodka("ingest", "--json", str(EXAMPLE), db=db)
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    record = json.loads(line)
    assert {"file", "title", "date", "rubric", "tags", "lead", "summary", "url"} <= set(record)
    assert record["file"] == EXAMPLE.name
    assert record["date"] == "2026-03-03"
    assert record["rubric"] == "Политика"
    assert record["tags"] == ["Референдум-2026"]
    assert record["lead"].startswith("Заместитель министра иностранных дел Алибек Бакаев")
    assert record["summary"].startswith(record["title"])
    assert record["url"] is None


def test_ingest_reports_a_bad_file_and_still_stores_the_rest(db: Path) -> None:
    folder = db.parent.parent / "in"
    (folder / "nested").mkdir(parents=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "nested" / "empty.txt").write_text("", encoding="utf-8")
    (folder / "nested" / "nodate.txt").write_text("Политика\n\nЗаголовок\n\nТекст.\n", "utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\xff\xfe\x00garbage")
    done = svodka("ingest", str(folder), db=db)
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if not line.startswith("svodka ingest")]
    assert len(errors) == 3, done.stderr
    for line in errors:
        file, lineno, reason = line.split(":", 2)
        assert file.endswith(".txt")
        assert lineno.isdigit()
        assert reason.strip()
    latest = svodka("latest", "--json", db=db)
    assert latest.returncode == 0, latest.stderr
    titles = [json.loads(line)["title"] for line in latest.stdout.splitlines()]
    assert titles == ["Выборы прошли спокойно"]


def test_dry_run_stores_nothing(db: Path) -> None:
    done = svodka("ingest", "--dry-run", "--json", str(EXAMPLE), db=db)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert not db.exists()  # not even an empty database
    tags = svodka("tags", db=db)
    assert (tags.returncode, tags.stdout) == (1, "")
    assert tags.stderr == f"svodka: {db}: no such database file\n"


def test_ingest_reads_standard_input(db: Path) -> None:
    done = svodka("ingest", "--json", "-", db=db, stdin=GOOD)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["title"] == "Выборы прошли спокойно"
    assert record["lead"] == (
        "Выборы в городской маслихат прошли без нарушений, сообщили в избиркоме."
    )


def test_reingest_is_a_no_op_and_tags_are_counted(db: Path) -> None:
    for _ in range(2):
        done = svodka("ingest", str(EXAMPLE), "-", db=db, stdin=GOOD)
        assert done.returncode == 0, done.stderr
    assert "0 new" in done.stderr
    tags = svodka("tags", "--json", db=db)
    records = [json.loads(line) for line in tags.stdout.splitlines()]
    counts = {record["tag"]: record["count"] for record in records}
    assert counts == {"Референдум-2026": 1, "Политика": 2, "Выборы-2026": 1, "Алматы": 1}
    latest = svodka("latest", "#референдум_2026", db=db)
    assert latest.returncode == 0, latest.stderr
    assert "#Референдум_2026" in latest.stdout
    assert "Казахстан не занимает" in latest.stdout


def test_latest_for_an_unknown_tag_suggests_close_ones(db: Path) -> None:
    svodka("ingest", "-", db=db, stdin=GOOD)
    done = svodka("latest", "Выборы2026", db=db)
    assert done.returncode == 1
    assert "#Выборы_2026" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("bad", ["0", "-3", "many", "100000"])
def test_latest_rejects_a_bad_count(db: Path, bad: str) -> None:
    done = svodka("latest", "-n", bad, db=db)
    assert done.returncode == 2
    assert "expected a whole number" in done.stderr


def test_run_without_a_token_says_so_in_one_line(db: Path) -> None:
    done = svodka("run", db=db)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "svodka: BOT_TOKEN is not set; get one from @BotFather and put it in the environment "
        "or .env"
    ]


def test_a_bad_setting_stops_any_command_with_one_line(db: Path) -> None:
    done = svodka("tags", db=db, extra_env={"DIGEST_TIME": "7 am"})
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "DIGEST_TIME" in line


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"evaluation corpus not found at {CORPUS}")
def test_ingest_json_matches_the_expected_corpus_fields(db: Path) -> None:
    expected = {
        record["file"]: record
        for record in map(json.loads, (CORPUS / "expected.jsonl").read_text("utf-8").splitlines())
    }
    done = svodka("ingest", "--json", str(CORPUS), db=db)
    assert done.returncode == 0, done.stderr
    got = {record["file"]: record for record in map(json.loads, done.stdout.splitlines())}
    assert set(got) == set(expected)
    for name, want in expected.items():
        for field in ("title", "date", "rubric", "tags", "lead"):
            assert got[name][field] == want[field], (name, field)


def test_search_prints_what_the_bot_finds_with_latest_rows(db: Path) -> None:
    svodka("ingest", str(EXAMPLE), "-", db=db, stdin=GOOD)
    found = svodka("search", "выборов", "маслихат", "--json", db=db)
    assert found.returncode == 0, found.stderr
    [record] = [json.loads(line) for line in found.stdout.splitlines()]
    latest = svodka("latest", "--json", db=db)
    rows = {r["title"]: r for r in map(json.loads, latest.stdout.splitlines())}
    assert record == rows["Выборы прошли спокойно"]

    text = svodka("search", "казахстан", db=db)
    assert text.returncode == 0, text.stderr
    assert "Казахстан не занимает чью-либо сторону" in text.stdout
    assert "#Референдум_2026" in text.stdout
    second = GOOD.replace("Выборы прошли спокойно", "Выборы прошли повторно")
    svodka("ingest", "-", db=db, stdin=second)
    assert len(svodka("search", "выборы", "--json", db=db).stdout.splitlines()) == 2
    one = svodka("search", "выборы", "-n", "1", "--json", db=db)
    assert len(one.stdout.splitlines()) == 1

    nothing = svodka("search", "гиппопотам", db=db)
    assert nothing.returncode == 1
    assert nothing.stdout == ""
    assert nothing.stderr.strip() == "svodka search: nothing found for 'гиппопотам'"
