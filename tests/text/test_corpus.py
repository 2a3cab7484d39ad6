"""The shared seed and the development corpus parse to what ``expected.jsonl`` records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.text import parse_article, telegram_hashtag

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
SEED = ROOT / "examples" / "articles" / "zakon-2026-03-03-mid.txt"
SEED_LEAD = (
    "Заместитель министра иностранных дел Алибек Бакаев 3 марта 2026 года на брифинге в "
    "правительстве заявил, что Казахстан придерживается позиции невмешательства и не "
    "поддерживает ни одну из сторон конфликта на Ближнем Востоке."
)


def _expected() -> list[dict[str, Any]]:
    path = CORPUS / "expected.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


EXPECTED = _expected()


def test_seed_parses_to_date_tags_rubric_title_and_clean_lead() -> None:
    article = parse_article(SEED.read_bytes(), SEED.name)

    assert article.date == "2026-03-03"
    assert article.tags == ("Референдум-2026",)
    assert [telegram_hashtag(tag) for tag in article.tags] == ["#Референдум_2026"]
    assert article.rubric == "Политика"
    assert (
        article.title
        == "Казахстан не занимает чью-либо сторону в конфликте на Ближнем Востоке – МИД"
    )
    assert article.lead == SEED_LEAD
    assert article.source == SEED.name
    assert article.url is None


def test_seed_body_loses_caption_read_also_and_author_lines() -> None:
    article = parse_article(SEED.read_text("utf-8"), SEED.name)
    body = "\n".join(article.body)

    assert article.body[0].startswith("Заместитель министра")
    assert "фото - Новости Zakon.kz" not in body
    assert "Срочная эвакуация" not in body
    assert "Екатерина Елисеева" not in body
    assert article.author == "Екатерина Елисеева"
    assert article.body[-1].startswith("28 февраля 2026 года Израиль и США")


def test_seed_brief_is_the_lead_without_the_carrier() -> None:
    article = parse_article(SEED.read_text("utf-8"), SEED.name)

    assert article.brief == SEED_LEAD
    assert "Zakon.kz" not in article.summary


@pytest.mark.skipif(not EXPECTED, reason=f"development corpus not found at {CORPUS}")
@pytest.mark.parametrize("expected", EXPECTED, ids=[item["file"] for item in EXPECTED])
def test_corpus_article_parses_as_recorded(expected: dict[str, Any]) -> None:
    path = CORPUS / expected["file"]
    article = parse_article(path.read_bytes(), path.name)

    assert article.title == expected["title"]
    assert article.date == expected["date"]
    assert article.rubric == expected["rubric"]
    assert list(article.tags) == expected["tags"]
    assert article.lead == expected["lead"]


@pytest.mark.skipif(not EXPECTED, reason=f"development corpus not found at {CORPUS}")
@pytest.mark.parametrize("expected", EXPECTED, ids=[item["file"] for item in EXPECTED])
def test_corpus_brief_starts_with_lead_and_fits(expected: dict[str, Any]) -> None:
    path = CORPUS / expected["file"]
    article = parse_article(path.read_bytes(), path.name, summary_chars=300)

    assert len(article.brief) <= 300
    assert article.brief.startswith(article.lead) or article.brief.endswith("…")
    assert article.lead[:40] in article.body[0]  # the lead paragraph opens the body
