"""JSON Lines: the fields, bad lines reported as FILE:LINE, and export → ingest round trips."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import ArticleFormatError
from bot.models import Article
from bot.sources.feeds import parse_feed
from bot.sources.jsonl import FIELDS, article_to_json, read_jsonl
from bot.storage import SqliteStorage, Storage
from bot.text import build_article, parse_article
from tests.sources.conftest import fixture

ROOT = Path(__file__).resolve().parents[2]
# The dev corpus widens the round trips where it is checked out beside the repository.
CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
EXAMPLES = ROOT / "examples" / "articles"
FEEDS = {
    "rss_kz.xml": "https://stepnews.example.kz/rss/all.xml",
    "atom_ru.xml": "https://sibnews.example.ru/atom.xml",
    "rss_ru_entities.xml": "https://lenta.example.ru/rss",
}
# Articles of every shape the format allows: date only, no tags, no rubric, an author.
TEXTS = {
    "weather.txt": " date 2026-02-20 #Погода #Алматы\nОбщество\n\nВ Алматы ожидается "
    "снегопад\n\nАЛМАТЫ. KAZINFORM – Синоптики обещают снег и гололед до конца недели.\n\n"
    "Водителей просят быть осторожнее.\n\nАйгерим Сапарова\n",
    "tenge.txt": " date 2026-02-25\nЭкономика\n\nКурс тенге укрепился\n\nТенге укрепился "
    "к доллару на утренних торгах, сообщает пресс-служба биржи.\n",
    "bare.txt": " date 2026-03-01 #Спорт\n\nСборная вышла в финал\n\nСборная обыграла "
    "соперника со счетом 3:1.\n\nФинал пройдет в субботу.\n",
}


def sample_articles() -> list[Article]:
    """Articles from the repository's own texts and feeds, and the dev corpus if present."""
    paths = sorted(EXAMPLES.glob("*.txt")) + sorted(CORPUS.glob("*.txt"))
    articles = [parse_article(p.read_bytes(), p.name) for p in paths]
    articles += [parse_article(text.encode(), name) for name, text in TEXTS.items()]
    for name, url in FEEDS.items():
        articles += parse_feed(fixture(name), url).articles
    return articles


def good_article() -> Article:
    return build_article(
        "Казахстан не занимает чью-либо сторону",
        ["АСТАНА. KAZINFORM – Замминистра заявил о позиции невмешательства.", "Второй абзац."],
        published=datetime(2026, 3, 3, tzinfo=UTC),
        date_only=True,
        rubric="Политика",
        tags=("Референдум-2026",),
        author="Екатерина Елисеева",
        source="/srv/inbox/done/zakon-2026-03-03.txt",
    )


def test_article_to_json_has_the_documented_fields() -> None:
    record = article_to_json(good_article())
    assert tuple(record) == FIELDS
    assert record["file"] == "zakon-2026-03-03.txt"
    assert record["date"] == "2026-03-03"
    assert record["tags"] == ["Референдум-2026"]
    assert record["summary"].startswith("Казахстан не занимает чью-либо сторону\n")
    assert record["body"][-1] == "Второй абзац."
    assert record["author"] == "Екатерина Елисеева"
    json.dumps(record)  # plain JSON types only


def test_a_record_reads_back_as_the_same_article() -> None:
    article = good_article()
    line = json.dumps(article_to_json(article), ensure_ascii=False)
    [back] = read_jsonl(io.StringIO(line), "export.jsonl")
    assert isinstance(back, Article)
    assert article_to_json(back) == article_to_json(article)
    assert (back.published, back.date_only, back.brief) == (
        article.published, article.date_only, article.brief
    )  # fmt: skip


def test_a_minimal_record_is_cleaned_and_summarised() -> None:
    record = {
        "title": "Снег закрыл трассу",
        "date": "2026-03-03T09:15:00+06:00",
        "body": "АЛМАТЫ. KAZINFORM – Движение закрыто из-за снегопада.\n\nОткроют к вечеру.",
        "tags": "Дороги #Алматы",
    }
    [article] = read_jsonl([json.dumps(record)], "minimal.jsonl")
    assert isinstance(article, Article)
    assert article.lead == "Движение закрыто из-за снегопада."
    assert article.published == datetime(2026, 3, 3, 3, 15, tzinfo=UTC)
    assert not article.date_only
    assert article.tags == ("Дороги", "Алматы")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"date": "2026-03-03"}', "field 'title' is missing"),
        ('{"title": "Без даты"}', "field 'date' is missing"),
        ('{"title": "Дата", "date": "03.03.2026"}', "bad date '03.03.2026'"),
        ('{"title": "Теги", "date": "2026-03-03", "tags": [1]}', "'tags' must be a list"),
        ('{"title": 5, "date": "2026-03-03"}', "'title' must be a string"),
        # Dates that overflow once converted to UTC, and one far in the future.
        ('{"title": "Т", "date": "0001-01-01T00:00:00+14:00"}', "out of range"),
        ('{"title": "Т", "date": "9999-12-31T23:59:59-12:00"}', "out of range"),
        ('{"title": "Т", "date": "9999-12-31"}', "'9999-12-31' is out of range"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"title": "Т", "date": "2026-03-03", "n": ' + "9" * 5000 + "}", "not JSON"),
        ('{"title": "Т\\u0000", "date": "2026-03-03"}', "'title' contains a NUL"),
        ('{"title": "Т", "date": "2026-03-03", "body": ["\\udc00"]}', "'body' is not valid"),
    ],
)
def test_bad_lines_are_reported_with_file_and_line(line: str, reason: str) -> None:
    good = json.dumps(article_to_json(good_article()), ensure_ascii=False)
    stream = io.BytesIO(f"\ufeff{good}\n\n{line}\n{good}\n".encode())
    items = list(read_jsonl(stream, "batch.jsonl"))
    assert [type(i).__name__ for i in items] == ["Article", "ArticleFormatError", "Article"]
    error = items[1]
    assert isinstance(error, ArticleFormatError)
    assert str(error).startswith("batch.jsonl:3: ")
    assert reason in error.reason


def test_a_date_is_taken_as_written_up_to_the_last_year_storage_places() -> None:
    lines = [
        json.dumps({"title": "Через пять лет", "date": "2031-05-04T13:00:00+00:00"}),
        json.dumps({"title": "Слишком поздно", "date": "2200-01-01"}),
    ]
    ahead, later = read_jsonl(lines, "dates.jsonl")
    assert isinstance(ahead, Article)
    assert ahead.published == datetime(2031, 5, 4, 13, tzinfo=UTC)
    assert isinstance(later, ArticleFormatError)
    assert str(later) == (
        "dates.jsonl:2: date '2200-01-01' is out of range (the last year accepted is 2199)"
    )


def test_an_article_over_the_size_limit_is_refused_and_a_long_line_never_read() -> None:
    limit = 4096
    small = {"title": "Малая", "date": "2026-03-03", "body": ["абзац " * 100]}
    big = {"title": "Большая", "date": "2026-03-03", "body": ["абзац " * 400]}
    huge = {"title": "Огромная", "date": "2026-03-03", "body": ["x" * 10 * limit]}
    stream = io.BytesIO(
        b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in (small, big, huge, small))
    )
    items = list(read_jsonl(stream, "sizes.jsonl", max_bytes=limit))
    assert [type(i).__name__ for i in items] == [
        "Article", "ArticleFormatError", "ArticleFormatError", "Article"
    ]  # fmt: skip
    assert str(items[1]) == (
        "sizes.jsonl:2: larger than the 4 KiB limit of an article (MAX_ARTICLE_BYTES)"
    )
    assert str(items[2]) == "sizes.jsonl:3: record longer than 16 KiB; not read"


def test_a_line_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"title": "caf\xe9", "date": "2026-03-03"}\n')
    [error] = read_jsonl(path)
    assert str(error).startswith("latin.jsonl:1: not UTF-8")


async def test_export_then_ingest_into_an_empty_database_gives_the_same_articles(
    store: Storage, tmp_path: Path
) -> None:
    await store.articles.upsert_many(sample_articles())
    exported = [article_to_json(a) async for a in store.articles.export()]
    assert len(exported) == await store.articles.count() >= 10
    lines = [json.dumps(r, ensure_ascii=False) for r in exported]

    empty = await SqliteStorage.open(tmp_path / "second.sqlite3")
    try:
        read = list(read_jsonl(lines, "export.jsonl"))
        assert all(isinstance(a, Article) for a in read)
        result = await empty.articles.upsert_many([a for a in read if isinstance(a, Article)])
        assert result.added == len(exported)
        again = [article_to_json(a) async for a in empty.articles.export()]
    finally:
        await empty.close()
    assert again == exported


async def _fill(db: Path) -> int:
    storage = await SqliteStorage.open(db)
    try:
        await storage.articles.upsert_many(sample_articles())
        return await storage.articles.count()
    finally:
        await storage.close()


def test_export_command_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "svodka.sqlite3"
    count = asyncio.run(_fill(db))
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "FEEDS", "ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")

    def svodka(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    code, everything, err = svodka("export")
    assert code == 0, err
    assert f"{count} article(s)" in err
    records = [json.loads(line) for line in everything.splitlines()]
    assert len(records) == count
    dates = [r["date"] for r in records]
    assert dates == sorted(dates)  # oldest first

    _, since, _ = svodka("export", "--since", "2026-03-03")
    assert all(json.loads(x)["date"] >= "2026-03-03" for x in since.splitlines())
    assert 0 < len(since.splitlines()) < count
    code, tagged, err = svodka("export", "--tag", "#экономика")
    assert code == 0, err
    assert tagged
    for line in tagged.splitlines():
        record = json.loads(line)
        assert "экономика" in {t.casefold() for t in [*record["tags"], record["rubric"] or ""]}
    code, _, err = svodka("export", "--tag", "нет-такого-тега")
    assert code == 1
    assert "no tag" in err
    with pytest.raises(SystemExit) as bad:
        svodka("export", "--since", "вчера")
    assert bad.value.code == 2
    assert "--since" in capsys.readouterr().err

    out = tmp_path / "dump" / "all.jsonl"
    assert svodka("export", "-o", str(out))[0] == 0
    assert out.read_text(encoding="utf-8") == everything

    # The real command line reads the file back into an empty database.
    fresh = tmp_path / "fresh" / "svodka.sqlite3"
    env = dict(os.environ)
    env |= {"DATABASE_URL": f"sqlite:///{fresh}", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    ingest = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert ingest.returncode == 0, ingest.stderr
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{fresh}")
    assert svodka("export")[1] == everything
