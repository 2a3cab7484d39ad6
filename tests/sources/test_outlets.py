"""The outlet (``source``) each way of reading articles gives them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Article
from bot.sources.feeds import parse_feed
from bot.sources.inbox import InboxWatcher
from bot.sources.jsonl import read_jsonl
from bot.storage import Storage
from tests.sources.conftest import fixture

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
CREDITED = """ date 2026-03-03
Политика

Сенат одобрил закон о референдуме

МОСКВА, 3 мар – РИА Новости. Сенаторы одобрили закон о референдуме.
"""
UNCREDITED = """ date 2026-03-03
Политика

Маслихат утвердил бюджет

Депутаты утвердили бюджет города на три года.
"""


def test_a_feeds_items_are_its_titles_outlet() -> None:
    feed = parse_feed(fixture("rss_kz.xml"), "https://stepnews.example.kz/rss", now=NOW)
    assert {a.outlet for a in feed.articles} == {"Степные новости — главное"}


def test_a_feed_without_a_title_names_its_host() -> None:
    title = "<title>Степные новости &#8212; главное</title>".encode()
    data = fixture("rss_kz.xml").replace(title, b"", 1)
    feed = parse_feed(data, "https://www.stepnews.example.kz/rss", now=NOW)
    assert feed.title is None
    assert {a.outlet for a in feed.articles} == {"stepnews.example.kz"}


@pytest.mark.parametrize(
    ("record", "outlet"),
    [
        ({"source": "Kazinform"}, "Kazinform"),
        ({"source": None}, None),  # as exported: known to be unknown
        ({}, "archive"),  # nothing said: the folder
        ({"body": ["АСТАНА. KAZINFORM – Сенат одобрил закон."]}, "Kazinform"),
    ],
)
def test_a_json_lines_record_keeps_its_source_else_its_credit_else_its_folder(
    tmp_path: Path, record: dict[str, object], outlet: str | None
) -> None:
    line = json.dumps({"title": "Сенат одобрил закон", "date": "2026-03-03", **record})
    [article] = read_jsonl([line], "x.jsonl", folder=tmp_path / "archive")
    assert isinstance(article, Article)
    assert article.outlet == outlet


async def test_the_inbox_credits_the_text_else_names_itself(
    store: Storage, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "credited.txt").write_text(CREDITED, encoding="utf-8")
    (inbox / "plain.txt").write_text(UNCREDITED, encoding="utf-8")
    watch = InboxWatcher(store, inbox, clock=lambda: 1000.0)
    await watch.scan()
    await watch.scan()
    rows = await store.db.fetch("SELECT title, outlet FROM articles ORDER BY title")
    assert [tuple(row) for row in rows] == [
        ("Маслихат утвердил бюджет", "inbox"),
        ("Сенат одобрил закон о референдуме", "РИА Новости"),
    ]
