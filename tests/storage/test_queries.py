"""Reading articles back: latest with cursors, digests since an id, tags, export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserInputError
from bot.models import Article, Tag
from bot.storage import Storage
from bot.storage.articles import ArticleRepo
from tests.storage.factory import DAY, article, at


async def all_pages(repo: ArticleRepo, tags: tuple[str, ...] = (), limit: int = 3) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = await repo.latest(tags, limit=limit, cursor=cursor)
        assert len(page.articles) <= limit
        ids += [a.id or 0 for a in page.articles]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


async def test_latest_is_newest_first_by_published_then_id(repo: ArticleRepo) -> None:
    await repo.upsert_many(
        [article("Вторник", published=at(3)), article("Понедельник", published=at(2))]
    )
    await repo.upsert_many(
        [article("Тоже вторник", published=at(3)), article("Среда", published=at(4))]
    )
    titles = [a.title for a in (await repo.latest()).articles]
    assert titles == ["Среда", "Тоже вторник", "Вторник", "Понедельник"]


async def test_pages_have_no_repeats_or_gaps_when_dates_are_equal(repo: ArticleRepo) -> None:
    # Date-only sources give many articles the same published value.
    days = [at(1), at(2), at(2), at(2), at(2), at(2), at(3), at(2), at(1), at(2)]
    await repo.upsert_many(
        [article(f"Новость {n}", published=day, tags=("Тема",)) for n, day in enumerate(days)]
    )
    expected = [a.id for a in (await repo.latest(limit=100)).articles]
    assert len(expected) == len(days)
    for limit in (1, 2, 3, 4, 9, 10, 11):
        assert await all_pages(repo, limit=limit) == expected
        assert await all_pages(repo, ("Тема",), limit=limit) == expected


async def test_a_page_cursor_stays_valid_while_new_articles_arrive(repo: ArticleRepo) -> None:
    await repo.upsert_many([article(f"Старая {n}", published=at(1)) for n in range(4)])
    first = await repo.latest(limit=2)
    await repo.upsert_many([article("Свежая", published=at(5))])
    second = await repo.latest(limit=2, cursor=first.next_cursor)
    shown = [a.title for a in [*first.articles, *second.articles]]
    assert shown == ["Старая 3", "Старая 2", "Старая 1", "Старая 0"]
    assert second.next_cursor is None


async def test_latest_for_several_tags_lists_each_article_once(repo: ArticleRepo) -> None:
    await repo.upsert_many(
        [
            article("Обе темы", tags=("Выборы", "Референдум-2026"), published=at(3)),
            article("Только выборы", tags=("Выборы",), published=at(2)),
            article("Только референдум", tags=("Референдум-2026",), published=at(4)),
            article("Спорт", tags=("Спорт",), published=at(5)),
        ]
    )
    page = await repo.latest(["#выборы", "референдум_2026", "нет-такого"], limit=10)
    assert [a.title for a in page.articles] == ["Только референдум", "Обе темы", "Только выборы"]
    pages = await all_pages(repo, ("Выборы", "РЕФЕРЕНДУМ 2026"), limit=1)
    assert pages == [a.id for a in page.articles]


async def test_latest_for_unknown_tags_is_empty(repo: ArticleRepo) -> None:
    await repo.upsert_many([article("А", tags=("Спорт",))])
    assert (await repo.latest(["Погода"])).articles == []
    assert (await repo.latest(limit=0)).articles == []


@pytest.mark.parametrize("cursor", ["", "garbage", "zz.", ".1", "1.-5", "1.2.3", "ф.1"])
async def test_a_broken_cursor_is_a_user_error(repo: ArticleRepo, cursor: str) -> None:
    with pytest.raises(UserInputError):
        await repo.latest(limit=2, cursor=cursor or ".")


async def test_since_gives_new_articles_once_with_the_tags_they_matched(
    repo: ArticleRepo,
) -> None:
    await repo.upsert_many([article("Уже в дайджесте", tags=("Выборы",))])
    cursor = await repo.max_id()
    await repo.upsert_many(
        [
            article("Обе", tags=("Выборы",), rubric="Политика", published=at(3)),
            article("Чужая", tags=("Спорт",), published=at(4)),
            article("Рубрика", rubric="Политика", published=at(5)),
        ]
    )
    found = await repo.since(cursor, ["выборы", "политика", "погода"])
    assert [(a.title, keys) for a, keys in found] == [
        ("Рубрика", frozenset({"политика"})),
        ("Обе", frozenset({"выборы", "политика"})),
    ]
    assert [a.title for a, _ in await repo.since(cursor, ["политика"], limit=1)] == ["Рубрика"]
    assert await repo.since(await repo.max_id(), ["выборы"]) == []
    assert await repo.since(0, []) == []


async def test_tags_are_listed_by_article_count(repo: ArticleRepo) -> None:
    await repo.upsert_many(
        [
            article("А", tags=("Выборы", "Спорт")),
            article("Б", tags=("Выборы",), rubric="Политика"),
            article("В", tags=("Выборы",), rubric="Политика"),
        ]
    )
    assert await repo.tags() == [
        Tag("выборы", "Выборы", 3),
        Tag("политика", "Политика", 2),
        Tag("спорт", "Спорт", 1),
    ]
    assert [t.key for t in await repo.tags(limit=1, offset=1)] == ["политика"]


@pytest.mark.parametrize(
    "written", ["Референдум-2026", "#Референдум_2026", "референдум 2026", "#РЕФЕРЕНДУМ-2026"]
)
async def test_a_tag_is_found_by_any_written_form(repo: ArticleRepo, written: str) -> None:
    await repo.upsert_many([article("А", tags=("Референдум-2026",))])
    assert await repo.tag(written) == Tag("референдум_2026", "Референдум-2026", 1)


async def test_unknown_or_empty_tags_are_none(repo: ArticleRepo) -> None:
    await repo.upsert_many([article("А", tags=("Спорт",))])
    assert await repo.tag("Погода") is None
    assert await repo.tag("#") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Выбры", ["выборы"]),
        ("референдум", ["референдум_2026"]),
        ("2026", ["референдум_2026"]),
        ("Экономка", ["экономика"]),
        ("Кулинария", []),
        ("%", []),
        ("100%_", []),
        ("", []),
    ],
)
async def test_suggestions_are_the_closest_existing_tags(
    repo: ArticleRepo, typed: str, expected: list[str]
) -> None:
    await repo.upsert_many(
        [
            article("А", tags=("Выборы", "Референдум-2026"), rubric="Политика"),
            article("Б", tags=("Спорт",), rubric="Экономика"),
        ]
    )
    assert [t.key for t in await repo.suggest_tags(typed)] == expected


async def test_suggestions_put_popular_prefix_matches_first(repo: ArticleRepo) -> None:
    await repo.upsert_many(
        [
            article("А", tags=("Выборы-2019",)),
            article("Б", tags=("Выборы-2024",)),
            article("В", tags=("Выборы-2024",)),
        ]
    )
    suggested = await repo.suggest_tags("выборы", limit=2)
    assert [t.display for t in suggested] == ["Выборы-2024", "Выборы-2019"]


async def test_get_returns_the_stored_article_whole(repo: ArticleRepo) -> None:
    original = article(
        "Заголовок",
        tags=("Выборы", "Референдум-2026"),
        rubric="Политика",
        body=("Первый абзац.", "Второй абзац."),
        url="https://example.kz/1",
    )
    await repo.upsert_many([original])
    stored = await repo.get(1)
    assert stored is not None
    assert (stored.title, stored.tags, stored.rubric, stored.body, stored.url) == (
        original.title,
        original.tags,
        original.rubric,
        original.body,
        original.url,
    )
    assert (stored.published, stored.date, stored.summary) == (DAY, "2026-03-03", original.summary)
    assert stored.ingested_at is not None
    assert await repo.get(2) is None


async def test_count_and_max_id(repo: ArticleRepo) -> None:
    assert (await repo.count(), await repo.max_id()) == (0, 0)
    await repo.upsert_many([article("А"), article("Б")])
    assert (await repo.count(), await repo.max_id()) == (2, 2)


async def export(repo: ArticleRepo, **kwargs: object) -> list[Article]:
    return [a async for a in repo.export(**kwargs)]  # type: ignore[arg-type]


async def test_export_streams_everything_oldest_first(repo: ArticleRepo) -> None:
    # More than one internal page, with runs of equal dates across the page boundaries.
    count = 1234
    await repo.upsert_many(
        [
            article(f"Новость {n}", published=DAY - timedelta(days=n % 7), tags=("Тема",))
            for n in range(count)
        ]
    )
    exported = await export(repo)
    assert len(exported) == count
    assert len({a.id for a in exported}) == count
    keys = [(a.published, a.id or 0) for a in exported]
    assert keys == sorted(keys)
    assert [a.id for a in await export(repo, tag="#тема")] == [a.id for a in exported]


async def test_export_since_a_date_and_by_tag(repo: ArticleRepo) -> None:
    await repo.upsert_many(
        [
            article("Старая", published=at(1), tags=("Спорт",)),
            article("Новая", published=at(3), tags=("Спорт",)),
            article("Другая", published=at(4), tags=("Погода",)),
        ]
    )
    assert [a.title for a in await export(repo, since=at(2))] == ["Новая", "Другая"]
    assert [a.title for a in await export(repo, tag="Спорт")] == ["Старая", "Новая"]
    assert [a.title for a in await export(repo, tag="Спорт", since=at(3))] == ["Новая"]
    assert await export(repo, tag="Нет такого") == []


@pytest.mark.parametrize("ref", ["9" * 40, "²", "#0"])
async def test_a_feed_number_that_no_feed_can_have_finds_none(storage: Storage, ref: str) -> None:
    await storage.feeds.add("https://example.kz/rss", now=1)
    assert await storage.feeds.find(ref) is None


async def test_an_article_dated_ahead_waits_for_its_date_in_lists(storage: Storage) -> None:
    now = datetime.now(UTC)
    await storage.articles.upsert_many(
        [
            article("Выборы сегодня", published=now - timedelta(hours=1)),
            article("Выборы в 9999-м", published=now + timedelta(days=3650)),
            article("Выборы завтра по времени Самоа", published=now + timedelta(hours=20)),
        ]
    )
    latest = await storage.articles.latest(limit=10)
    assert [a.title for a in latest.articles] == [
        "Выборы завтра по времени Самоа",
        "Выборы сегодня",
    ]
    found = await storage.articles.search("выборы", limit=10)
    assert [a.title for a in found.articles] == [a.title for a in latest.articles]
    assert await storage.articles.count() == 3  # stored all the same
