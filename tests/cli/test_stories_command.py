"""``ingest --json`` with each article's story and outlet, and ``svodka stories``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_commands import svodka

# One event in three files: credited by a photo stamp, by an agency dateline, and by nothing
# (its outlet is then the folder it came from); and an unrelated one a day earlier.
FILES = {
    "zakon.txt": """ date 2026-05-02 #Референдум
Политика

Токаев подписал закон о референдуме по новой конституции

Акорда, фото - Новости Zakon.kz от 02.05.2026 10:15
Президент Касым-Жомарт Токаев подписал закон о проведении референдума по новой конституции.
""",
    "kazinform.txt": """ date 2026-05-02 #Референдум
Политика

Президент Токаев подписал закон о референдуме по конституции

АСТАНА. KAZINFORM – Глава государства подписал закон о референдуме по новой конституции.
""",
    "plain.txt": """ date 2026-05-02
Политика

Касым-Жомарт Токаев подписал закон о референдуме

Токаев подписал закон о республиканском референдуме по новой конституции.
""",
    "weather.txt": """ date 2026-05-01
Общество

Синоптики обещают в Алматы ясную погоду без осадков

В ближайшие три дня в Алматы ожидается ясная погода, сообщили в Казгидромете.
""",
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path / "data" / "svodka.sqlite3"


@pytest.fixture
def press(db: Path) -> Path:
    folder = db.parent.parent / "press"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_ingest_json_prints_the_story_and_the_outlet_of_each_article(
    db: Path, press: Path
) -> None:
    done = svodka("ingest", "--json", str(press), db=db)
    assert done.returncode == 0, done.stderr
    printed = {r["file"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert {name: r["source"] for name, r in printed.items()} == {
        "kazinform.txt": "Kazinform",
        "plain.txt": "press",  # nothing credited: the folder
        "weather.txt": "press",
        "zakon.txt": "Zakon.kz",
    }
    stories = {name: r["story"] for name, r in printed.items()}
    assert stories["zakon.txt"] == stories["kazinform.txt"] == stories["plain.txt"]
    assert stories["weather.txt"] != stories["zakon.txt"]
    # Read in name order into an empty database: the first stored names the story.
    assert stories["kazinform.txt"] == 1
    again = svodka("ingest", "--json", str(press), db=db)  # stored already: the same stories
    assert {r["file"]: r["story"] for r in map(json.loads, again.stdout.splitlines())} == stories


def test_a_dry_run_prints_no_story(db: Path, press: Path) -> None:
    done = svodka("ingest", "--dry-run", "--json", str(press / "zakon.txt"), db=db)
    assert done.returncode == 0, done.stderr
    [record] = map(json.loads, done.stdout.splitlines())
    assert (record["source"], record["story"]) == ("Zakon.kz", None)


def test_stories_lists_the_biggest_first_with_their_articles(db: Path, press: Path) -> None:
    assert svodka("ingest", str(press), db=db).returncode == 0
    done = svodka("stories", "--json", db=db)
    assert done.returncode == 0, done.stderr
    listed = [json.loads(line) for line in done.stdout.splitlines()]
    assert [story["outlets"] for story in listed] == [3, 1]
    assert [a["source"] for a in listed[0]["articles"]] == ["Kazinform", "press", "Zakon.kz"]
    assert {a["date"] for a in listed[0]["articles"]} == {"2026-05-02"}
    assert listed[0]["story"] == listed[0]["articles"][0]["id"]

    text = svodka("stories", "-n", "1", db=db).stdout
    assert text.startswith(f"story {listed[0]['story']}: 3 outlets, 3 articles\n")
    assert "  2026-05-02  Zakon.kz: Токаев подписал закон" in text
    assert "Синоптики" not in text

    since = svodka("stories", "--since", "2026-05-02", "--json", db=db).stdout.splitlines()
    assert [json.loads(line)["outlets"] for line in since] == [3]


def test_stories_refuses_a_bad_date_and_a_missing_database(db: Path) -> None:
    bad = svodka("stories", "--since", "вчера", db=db)
    assert bad.returncode == 2
    assert "--since" in bad.stderr
    missing = svodka("stories", db=db)
    assert missing.returncode == 1
    assert len(missing.stderr.strip().splitlines()) == 1
