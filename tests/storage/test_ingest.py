"""Ingest on both backends: dedup, updates in place, tag counts, bad rows, meta."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import StorageError
from bot.models import Tag
from bot.storage import Storage
from bot.storage.articles import ArticleRepo, source_digest
from bot.storage.records import IngestResult
from tests.storage.factory import DAY, article

WEEK = timedelta(days=7)


async def counts(repo: ArticleRepo) -> dict[str, int]:
    return {tag.key: tag.count for tag in await repo.tags()}


async def test_reingesting_the_same_articles_changes_nothing(repo: ArticleRepo) -> None:
    batch = [article("Сенат одобрил закон", tags=("Закон",)), article("Дождь в Алматы")]
    assert await repo.upsert_many(batch) == IngestResult(added=2)
    assert await repo.upsert_many(batch) == IngestResult(unchanged=2)
    assert await repo.count() == 2
    assert await counts(repo) == {"закон": 1}


async def test_same_url_is_one_article_whatever_the_title(repo: ArticleRepo) -> None:
    url = "https://example.kz/news/1"
    await repo.upsert_many([article("Первый заголовок", url=url)])
    result = await repo.upsert_many([article("Исправленный заголовок", url=f" {url}#top ")])
    assert result == IngestResult(updated=1)
    page = await repo.latest()
    assert [a.title for a in page.articles] == ["Исправленный заголовок"]
    assert page.articles[0].url == url


@pytest.mark.parametrize(
    "again",
    [
        "Сенат одобрил закон",
        "СЕНАТ одобрил закон!",
        "«Сенат» одобрил  закон",
        "сенат одобрил закон",
    ],
)
async def test_without_url_the_normalised_title_and_date_identify_an_article(
    repo: ArticleRepo, again: str
) -> None:
    await repo.upsert_many([article("Сенат одобрил закон")])
    await repo.upsert_many([article(again, lead="Сенат одобрил закон: подробности.")])
    assert await repo.count() == 1


async def test_same_title_on_another_day_is_another_article(repo: ArticleRepo) -> None:
    await repo.upsert_many([article("Курс валют")])
    result = await repo.upsert_many([article("Курс валют", published=DAY + timedelta(days=1))])
    assert result == IngestResult(added=1)


async def test_ё_and_е_spell_the_same_title(repo: ArticleRepo) -> None:
    await repo.upsert_many([article("Ёлка на площади")])
    await repo.upsert_many([article("Елка на площади", lead="Ёлка на площади: подробности.")])
    assert await repo.count() == 1


async def test_a_changed_article_is_updated_in_place(repo: ArticleRepo) -> None:
    first = article(
        "Выборы в парламент",
        tags=("Выборы", "Парламент"),
        rubric="Политика",
        body=("Голосование прошло спокойно.",),
    )
    await repo.upsert_many([first, article("Другая новость", tags=("Выборы",))])
    [(stored_id, ingested_at)] = [
        (a.id, a.ingested_at)
        for a in (await repo.latest(limit=10)).articles
        if a.title == first.title
    ]
    changed = replace(
        first,
        tags=("Выборы", "Референдум-2026"),
        rubric="Общество",
        body=("Подсчет бюллетеней продолжается.",),
    )
    assert await repo.upsert_many([changed]) == IngestResult(updated=1)
    stored = await repo.get(stored_id or 0)
    assert stored is not None
    assert stored.tags == ("Выборы", "Референдум-2026")
    assert stored.rubric == "Общество"
    assert stored.ingested_at == ingested_at
    assert await counts(repo) == {"выборы": 2, "референдум_2026": 1, "общество": 1}
    assert await repo.tag("Парламент") is None
    assert [a.id for a in (await repo.search("бюллетени")).articles] == [stored_id]
    assert (await repo.search("голосование")).articles == []
    assert [a.id for a in (await repo.latest(["Референдум-2026"])).articles] == [stored_id]
    assert (await repo.latest(["Политика"])).articles == []


async def test_a_moved_date_keeps_the_id_and_moves_in_the_lists(repo: ArticleRepo) -> None:
    url = "https://example.kz/a"
    old = article("Старое", url=url, tags=("Тема",))
    await repo.upsert_many([old, article("Соседнее", tags=("Тема",), published=DAY - WEEK)])
    [first_id] = [a.id for a in (await repo.latest(["тема"], limit=1)).articles]
    assert await repo.upsert_many([replace(old, published=DAY - 2 * WEEK)]) == IngestResult(
        updated=1
    )
    listed = (await repo.latest(["тема"])).articles
    assert [(a.title, a.id) for a in listed] == [("Соседнее", 2), ("Старое", first_id)]
    assert [a.id for a in (await repo.search("старое")).articles] == [first_id]
    assert await counts(repo) == {"тема": 2}


async def test_repeats_within_one_batch_count_as_later_versions(repo: ArticleRepo) -> None:
    first = article("Сенат одобрил закон", url="https://e.kz/1")
    fixed = replace(first, lead="Исправлено.", brief="Исправлено.")
    result = await repo.upsert_many([first, first, fixed])
    assert result == IngestResult(added=1, updated=1, unchanged=1)
    stored = (await repo.latest()).articles
    assert [a.lead for a in stored] == ["Исправлено."]


async def test_the_rubric_is_a_tag_and_display_is_the_first_form_seen(repo: ArticleRepo) -> None:
    await repo.upsert_many([article("А", tags=("Референдум-2026",), rubric="В мире")])
    await repo.upsert_many([article("Б", tags=("#референдум_2026", "В_МИРЕ"))])
    assert await repo.tags() == [
        Tag("в_мире", "В мире", 2),
        Tag("референдум_2026", "Референдум-2026", 2),
    ]


async def test_a_tag_written_twice_in_one_article_counts_once(repo: ArticleRepo) -> None:
    await repo.upsert_many([article("А", tags=("Спорт", "спорт"), rubric="СПОРТ")])
    assert await repo.tags() == [Tag("спорт", "Спорт", 1)]


async def test_an_invalid_article_is_skipped_and_the_rest_stored(
    repo: ArticleRepo, caplog: pytest.LogCaptureFixture
) -> None:
    await repo.upsert_many([article("Было раньше", tags=("Тема",))])
    undated = replace(article("Без даты"), published="2026-03-03")  # type: ignore[arg-type]
    bad = [article("   "), undated]
    with caplog.at_level(logging.WARNING):
        result = await repo.upsert_many([article("Хорошая", tags=("Тема",)), *bad])
    assert result == IngestResult(added=1, failed=2)
    assert "skipping article" in caplog.text
    assert await repo.count() == 2
    assert await counts(repo) == {"тема": 2}


# Triggers stand in for a row the database refuses (a constraint, a value it rejects) and
# for a database that fails outright; each backend writes them in its own dialect.
REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN NEW.title = 'Плохая' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.title = 'Плохая' THEN "
        "RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}
BREAK = {
    "sqlite": [
        "CREATE TRIGGER broken AFTER INSERT ON article_tags "
        "BEGIN INSERT INTO no_such_table VALUES (1); END"
    ],
    "postgresql": [
        "CREATE FUNCTION broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO no_such_table VALUES (1); RETURN NEW; END $$",
        "CREATE TRIGGER broken AFTER INSERT ON article_tags "
        "FOR EACH ROW EXECUTE FUNCTION broken()",
    ],
}

REPAIR = {
    "sqlite": ["DROP TRIGGER broken"],
    "postgresql": ["DROP TRIGGER broken ON article_tags"],
}


async def execute(storage: Storage, statements: list[str]) -> None:
    for sql in statements:
        await storage.db.execute(sql)


async def test_a_row_the_database_refuses_is_skipped_and_the_batch_kept(
    storage: Storage, repo: ArticleRepo
) -> None:
    await repo.upsert_many([article("Было раньше", tags=("Тема",))])
    await execute(storage, REFUSE[storage.backend])
    batch = [
        article("Первая", tags=("Тема",)),
        article("Плохая", tags=("Тема", "Плохой тег")),
        article("Третья", tags=("Тема",)),
    ]
    assert await repo.upsert_many(batch) == IngestResult(added=2, failed=1)
    titles = {a.title for a in (await repo.latest()).articles}
    assert titles == {"Было раньше", "Первая", "Третья"}
    assert await counts(repo) == {"тема": 3}
    assert await repo.tag("Плохой тег") is None
    assert [a.title for a in (await repo.search("плохая")).articles] == []


async def test_a_failing_database_keeps_what_was_stored_before(
    storage: Storage, repo: ArticleRepo
) -> None:
    await repo.upsert_many([article("Было раньше", tags=("Тема",))])
    await execute(storage, BREAK[storage.backend])
    with pytest.raises(StorageError, match="no_such_table"):
        await repo.upsert_many([article("Новая", tags=("Тема",))])
    await execute(storage, REPAIR[storage.backend])
    assert [a.title for a in (await repo.latest()).articles] == ["Было раньше"]
    assert await counts(repo) == {"тема": 1}
    assert await repo.upsert_many([article("Новая", tags=("Тема",))]) == IngestResult(added=1)


async def test_a_text_the_database_cannot_hold_is_skipped(
    storage: Storage, repo: ArticleRepo
) -> None:
    # PostgreSQL text cannot hold a NUL character and refuses the row; SQLite stores it.
    batch = [article("Хорошая", tags=("Тема",)), article("Плохая\x00", tags=("Тема",))]
    result = await repo.upsert_many(batch)
    if storage.backend == "postgresql":
        assert result == IngestResult(added=1, failed=1)
        assert await counts(repo) == {"тема": 1}
    else:
        assert result == IngestResult(added=2)


async def test_ingest_records_when_it_ran(repo: ArticleRepo) -> None:
    assert await repo.last_ingest_at() is None
    before = datetime.now(UTC).replace(microsecond=0)
    await repo.upsert_many([article("А")])
    await repo.upsert_many([article("А")])
    last = await repo.last_ingest_at()
    assert last is not None
    assert before <= last <= datetime.now(UTC)


async def test_known_source_texts_can_be_skipped_before_parsing(repo: ArticleRepo) -> None:
    texts = [" date 2026-03-03\nПолитика\n\nА\n\nТекст.", " date 2026-03-03\nСпорт\n\nБ\n\nТекст."]
    hashes = [source_digest(text) for text in texts]
    assert await repo.known_sources(hashes) == set()
    await repo.upsert_many([article("А")], source_hashes=[hashes[0]])
    assert await repo.known_sources(hashes) == {hashes[0]}
    # The same article from a text written differently: unchanged, and its text now known.
    result = await repo.upsert_many([article("А")], source_hashes=[source_digest(b"other")])
    assert result == IngestResult(unchanged=1)
    assert await repo.known_sources([source_digest("other")]) == {source_digest(b"other")}


async def test_source_hashes_must_match_the_articles_one_to_one(repo: ArticleRepo) -> None:
    with pytest.raises(ValueError, match="zip"):
        await repo.upsert_many([article("А"), article("Б")], source_hashes=[b"x" * 16])


async def test_concurrent_ingests_of_one_article_store_it_once(repo: ArticleRepo) -> None:
    batch = [article("Сенат одобрил закон", tags=("Закон",))]
    results = await asyncio.gather(*(repo.upsert_many(batch) for _ in range(3)))
    assert sorted(r.added for r in results) == [0, 0, 1]
    assert sum(r.unchanged for r in results) == 2
    assert await counts(repo) == {"закон": 1}


async def test_an_empty_batch_is_nothing(repo: ArticleRepo) -> None:
    assert await repo.upsert_many([]) == IngestResult()
    assert await repo.last_ingest_at() is None


async def test_a_new_article_is_its_own_story_unless_it_joins_one(any_storage: Storage) -> None:
    repo = any_storage.articles
    await repo.upsert_many([article("Первое сообщение о событии")])
    first = (await repo.latest(limit=1)).articles[0]
    assert first.story == first.id
    reprint = replace(article("Перепечатка того же события"), story=first.id)
    await repo.upsert_many([reprint])
    second = (await repo.latest(limit=1)).articles[0]
    assert second.id != first.id
    assert second.story == first.id
