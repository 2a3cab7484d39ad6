"""Reading stories, on each backend: a story's articles, the biggest ones, tag activity."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Article
from bot.storage import Storage
from tests.storage.factory import article, at


def told(title: str, story: int, outlet: str | None, hour: int, *tags: str) -> Article:
    item = article(title, published=at(5, hour), tags=tags, url=f"https://x.kz/{title}")
    item.story, item.outlet = story, outlet
    return item


async def stored(storage: Storage) -> dict[str, int]:
    """Story 1: three outlets (one twice); story 4: one article of no known outlet; story 5:
    two articles of no known outlet. Ids by title."""
    await storage.articles.upsert_many(
        [
            told("Первое", 1, "Zakon.kz", 1, "Выборы"),
            told("Второе", 1, "ТАСС", 2),
            told("Третье", 1, "Kazinform", 3),
            told("Одиночка", 4, None, 4, "Спорт"),
            told("Безымянное", 5, None, 5, "Спорт"),
            told("Безымянное снова", 5, None, 6),
            told("Zakon.kz ещё раз", 1, "Zakon.kz", 7),
        ]
    )
    rows = await storage.db.fetch("SELECT title, id FROM articles")
    return {row[0]: row[1] for row in rows}


async def test_members_are_a_storys_articles_earliest_first(any_storage: Storage) -> None:
    ids = await stored(any_storage)
    found = await any_storage.stories.members([1, 5, 999])
    assert [a.title for a in found[1]] == ["Первое", "Второе", "Третье", "Zakon.kz ещё раз"]
    assert [a.id for a in found[5]] == [ids["Безымянное"], ids["Безымянное снова"]]
    assert found[999] == []
    assert found[1][1].outlet == "ТАСС"


async def test_the_biggest_stories_count_outlets_an_unknown_one_each(
    any_storage: Storage,
) -> None:
    await stored(any_storage)
    sizes = await any_storage.stories.biggest()
    assert [(s.story, s.outlets, s.articles) for s in sizes] == [(1, 3, 4), (5, 2, 2), (4, 1, 1)]
    assert [s.story for s in await any_storage.stories.biggest(limit=1)] == [1]
    # Counted over the period: since 03:00, story 1 has Kazinform and Zakon.kz again.
    since = await any_storage.stories.biggest(since=at(5, 3))
    assert [(s.story, s.outlets) for s in since] == [(1, 2), (5, 2), (4, 1)]


async def test_the_biggest_stories_of_tags_count_all_their_articles(
    any_storage: Storage,
) -> None:
    await stored(any_storage)
    sizes = await any_storage.stories.biggest(tags=["#выборы"])
    assert [(s.story, s.outlets) for s in sizes] == [(1, 3)]  # one tagged article is enough
    assert [s.story for s in await any_storage.stories.biggest(tags=["Спорт"])] == [5, 4]
    assert await any_storage.stories.biggest(tags=["нет такого"]) == []
    assert await any_storage.stories.biggest(tags=["#"]) == []


async def test_tag_activity_counts_the_recent_period_and_the_one_before(
    any_storage: Storage,
) -> None:
    items = [
        article(f"Выборы {n}", published=at(20) - timedelta(hours=n), tags=("Выборы",))
        for n in range(0, 60, 6)
    ]
    await any_storage.articles.upsert_many(items)
    activity = await any_storage.stories.tag_activity(
        ["выборы", "нет"], recent=at(19), before=at(18)
    )
    assert list(activity) == ["выборы"]
    assert (activity["выборы"].recent, activity["выборы"].before) == (5, 4)
