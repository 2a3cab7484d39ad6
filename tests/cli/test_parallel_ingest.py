"""Parsing in worker processes gives the articles, stories and reports that parsing here gives."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import parallel
from bot.cli import ingest as cli_ingest
from bot.cli.ingest import Ingest, Raw
from bot.errors import ArticleFormatError
from bot.models import Article
from bot.parallel import Parsed, Parser, Text, analyse
from bot.storage import SqliteStorage, source_digest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "articles"

# Two outlets retelling one event on the same day, an unrelated article, and texts that are
# not articles: the stories and the errors must come out the same either way.
ARTICLE = """ date 2026-05-0{day} #Выборы-2026 {tag}
Политика

{title}

{lead}

Явка составила {turnout} процентов.

Иван Петров
"""
EVENTS = [
    ("Выборы в маслихат Алматы прошли спокойно", "АЛМАТЫ. KAZINFORM – Выборы в городской "
     "маслихат Алматы прошли без нарушений, сообщили в избиркоме."),
    ("В Алматы прошли выборы в маслихат", "Выборы в городской маслихат Алматы прошли без "
     "нарушений, передает корреспондент Zakon.kz."),
    ("В Астане открыли новый мост через Ишим", "Новый мост через реку Ишим открыли в Астане "
     "в субботу, сообщает Tengrinews."),
]  # fmt: skip
RECORD_DATE = datetime(2026, 5, 2, tzinfo=UTC)
BAD = [b"", " date 2026-05-01\nПолитика\n".encode()]  # empty; a rubric and no headline


def texts() -> list[Text]:
    found = [Text(path.name, path.read_bytes(), path.parent) for path in EXAMPLE.glob("*.txt")]
    for n in range(24):
        title, lead = EVENTS[n % len(EVENTS)]
        text = ARTICLE.format(
            day=1 + n % 3, tag=f"#Тема_{n % 5}", title=f"{title} ({n})", lead=lead, turnout=n
        )
        found.append(Text(f"{n:03d}.txt", text.encode(), Path(f"/news/outlet{n % 4}")))
        if n % 10 == 3:
            found.append(Text(f"bad{n}.txt", BAD[n % 2], None))
    return found


def same(parsed: Parsed, other: Parsed) -> bool:
    if isinstance(parsed, ArticleFormatError) or isinstance(other, ArticleFormatError):
        return str(parsed) == str(other)
    return parsed[0] == other[0]


@pytest.fixture
def workers() -> Iterator[Parser]:
    with Parser(300, workers=2) as parser:
        yield parser


async def test_workers_give_the_articles_and_errors_parsed_here(workers: Parser) -> None:
    given = texts()
    here = await Parser(300).parse(given)
    there = await workers.parse(given)
    assert workers.parallel
    assert len(there) == len(here) == len(given)
    assert all(same(a, b) for a, b in zip(there, here, strict=True))
    assert sum(isinstance(item, ArticleFormatError) for item in there) == 3
    for item in there:  # with the search words and features the ingest would compute
        if not isinstance(item, ArticleFormatError):
            article, analysis = item
            expected = analyse(article)
            assert analysis.features == expected.features
            # The words are a set: their order is the process's own.
            assert sorted(analysis.words.split()) == sorted(expected.words.split())


async def ingest_all(
    parser: Parser, db: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[list[dict[str, object]], list[str], str, list[int | None]]:
    """Everything a command-line ingest of texts() and a JSON Lines file prints, and what a
    search then finds."""
    storage = await SqliteStorage.open(db)
    try:
        ingest = Ingest(storage, parser, print_json=True)
        for n, text in enumerate(texts()):
            await ingest.add(Raw(text.source, text.data, source_digest(text.data), text.folder))
            if n == 7:  # a record read from JSON Lines, between texts
                await ingest.add(Article("Запись из JSON Lines", RECORD_DATE, "Лид.", "Лид."))
            if n == 9:
                await ingest.add(ArticleFormatError("feed.jsonl", 3, "not JSON"))
        await ingest.flush()
        await ingest.finish()
        found = await storage.articles.search("маслихатов", limit=50)
        found_too = await storage.articles.search("Астане", limit=50)
    finally:
        await storage.close()
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    searched = [a.id for a in found.articles] + [a.id for a in found_too.articles]
    return lines, err.splitlines(), ingest.summary(), searched


async def test_an_ingest_in_workers_stores_and_prints_what_one_here_does(
    workers: Parser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small batches, so that one is parsed while the one before it is stored.
    monkeypatch.setattr(cli_ingest, "batch_full", lambda count, size: count >= 4)
    here = await ingest_all(Parser(300), tmp_path / "here.sqlite3", capsys)
    there = await ingest_all(workers, tmp_path / "there.sqlite3", capsys)
    assert there == here
    records, errors, summary, searched = there
    assert len(searched) == 24  # every article, by words stemmed in the workers
    assert len({record["story"] for record in records}) < len(records)  # reprints joined
    assert len(errors) == 4
    assert summary.endswith("4 failed")


async def test_without_fork_the_texts_are_parsed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    given = texts()
    with Parser(300, workers=2) as parser:
        assert not parser.parallel
        parsed = await parser.parse(given)
    here = await Parser(300).parse(given)
    assert all(same(a, b) for a, b in zip(parsed, here, strict=True))


async def test_when_a_worker_dies_this_process_parses_instead(workers: Parser) -> None:
    given = texts()
    first = await workers.parse(given)
    for child in parallel.multiprocessing.active_children():
        os.kill(child.pid or 0, signal.SIGKILL)
    second = await workers.parse(given)
    assert not workers.parallel
    assert all(same(a, b) for a, b in zip(second, first, strict=True))


def test_ctrl_c_stops_an_ingest_in_workers_in_one_exit_code_and_no_traceback(
    tmp_path: Path,
) -> None:
    # A terminal's Ctrl-C reaches the whole process group: the workers leave it to the main
    # process, which stops, keeps the batches it committed and leaves no process behind.
    folder = tmp_path / "news"
    folder.mkdir()
    for n in range(3 * parallel.PARALLEL_FROM):
        title, lead = EVENTS[n % len(EVENTS)]
        text = ARTICLE.format(day=1, tag="#Тема", title=f"{title} ({n})", lead=lead, turnout=n)
        (folder / f"{n:05d}.txt").write_text(text, encoding="utf-8")
    database = tmp_path / "svodka.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", "--json", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline()  # a batch is stored: the workers parse the next
        os.killpg(process.pid, signal.SIGINT)
        _out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode in (130, 0)  # 0: the ingest ended before the signal came
    assert b"Traceback" not in err, err.decode()
    deadline = time.monotonic() + 30
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(process.pid)
    with sqlite3.connect(database) as db:
        [(stored,)] = db.execute("SELECT count(*) FROM articles").fetchall()
    assert stored >= 1  # the committed batch stays


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
