"""The dev corpus end to end: parse every article, store it, find it again by tag and words."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.models import Article
from bot.storage.articles import ArticleRepo, source_digest
from bot.storage.records import IngestResult
from bot.text import parse_article, tag_key

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dev"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "expected.jsonl").is_file(), reason=f"the dev corpus is not at {CORPUS}"
)


@pytest.fixture(scope="module")
def corpus() -> list[tuple[Article, bytes, dict[str, Any]]]:
    expected = {}
    for line in (CORPUS / "expected.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            expected[record["file"]] = record
    parsed = []
    for path in sorted(CORPUS.glob("*.txt")):
        raw = path.read_bytes()
        parsed.append((parse_article(raw, path.name), source_digest(raw), expected[path.name]))
    return parsed


async def test_the_corpus_is_stored_once_and_found_again(
    repo: ArticleRepo, corpus: list[tuple[Article, bytes, dict[str, Any]]]
) -> None:
    articles = [item[0] for item in corpus]
    hashes = [item[1] for item in corpus]
    assert await repo.upsert_many(articles, source_hashes=hashes) == IngestResult(
        added=len(corpus)
    )
    assert await repo.upsert_many(articles) == IngestResult(unchanged=len(corpus))
    assert await repo.known_sources(hashes) == set(hashes)
    assert await repo.count() == len(corpus)

    wanted: Counter[str] = Counter()
    for record in (item[2] for item in corpus):
        written = [*record["tags"], *([record["rubric"]] if record.get("rubric") else [])]
        wanted.update({tag_key(tag) for tag in written})
    assert {tag.key: tag.count for tag in await repo.tags()} == dict(wanted)

    for article, _, record in corpus:
        found = await repo.search(" ".join(record["title"].split()[:4]), limit=50)
        assert record["title"] in [a.title for a in found.articles], record["file"]
        for tag in record["tags"]:
            listed = await repo.latest([tag], limit=50)
            assert article.title in [a.title for a in listed.articles]
