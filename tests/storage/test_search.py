"""Full-text search: Russian word forms, hostile queries, paging, and the words indexed."""

from __future__ import annotations

import pytest

from bot.storage.articles import ArticleRepo
from bot.text.stem import index_words, query_words
from tests.storage.factory import article, at

NEWS = [
    article(
        "Итоги выборов в Казахстане",
        published=at(1),
        body=("ЦИК подвела итоги выборов президента.", "Явка составила 67 процентов."),
    ),
    article(
        "Выборы прошли спокойно",
        published=at(2),
        body=("Наблюдатели не зафиксировали нарушений на избирательных участках.",),
    ),
    article(
        "Ёлку установили на главной площади",
        published=at(3),
        body=("Новогодняя елка появилась в центре Астаны.",),
    ),
    article(
        "Apple показала новые iPhone",
        published=at(4),
        body=("Компания Apple представила смартфоны на презентации в Калифорнии.",),
    ),
    article("Без тела", published=at(5), body=(), lead="Лид о курсе тенге и нефти."),
]


@pytest.fixture
async def news(repo: ArticleRepo) -> ArticleRepo:
    await repo.upsert_many(NEWS)
    return repo


async def titles(repo: ArticleRepo, query: str) -> list[str]:
    return [a.title for a in (await repo.search(query, limit=50)).articles]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("выборы", ["Выборы прошли спокойно", "Итоги выборов в Казахстане"]),
        ("выборов", ["Выборы прошли спокойно", "Итоги выборов в Казахстане"]),
        ("ВЫБОРАХ", ["Выборы прошли спокойно", "Итоги выборов в Казахстане"]),
        ("итоги выборов", ["Итоги выборов в Казахстане"]),
        ("выборы нарушения", ["Выборы прошли спокойно"]),  # every word must occur
        ("выборы елка", []),
        ("ёлка", ["Ёлку установили на главной площади"]),
        ("елки", ["Ёлку установили на главной площади"]),
        ("iphone", ["Apple показала новые iPhone"]),
        ("presenting apple", []),
        ("Apple's", ["Apple показала новые iPhone"]),
        ("смартфон", ["Apple показала новые iPhone"]),
        ("67", ["Итоги выборов в Казахстане"]),
        ("тенге", ["Без тела"]),  # an article without body is found by its lead
    ],
)
async def test_word_forms_find_the_article(
    news: ArticleRepo, query: str, expected: list[str]
) -> None:
    assert await titles(news, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '"выборы',
        "выборы*",
        "*",
        "выборы AND",
        "AND",
        "OR NOT",
        "NEAR(выборы итоги)",
        "(выборы",
        "выборы)",
        "title:выборы",
        ":",
        "^выборы",
        "выборы -итоги",
        "+",
        "{выборы}",
        "выборы'; DROP TABLE articles; --",
        "\x00",
        "в на и",
        "🙂",
        "a" * 10_000,
        "выборы " * 500,
    ],
)
async def test_hostile_queries_never_raise(news: ArticleRepo, query: str) -> None:
    page = await news.search(query)
    assert page.next_cursor is None or page.articles
    assert await news.count() == len(NEWS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"выборы', 2),
        ("выборы*", 2),
        ("NEAR(выборы итоги)", 0),  # NEAR is a word here, and no article has it
        ("title:выборы", 0),  # "title" is just another word that must occur
        ("выборы AND итоги", 1),
        ("в на и", 0),
    ],
)
async def test_syntax_characters_are_plain_text(
    news: ArticleRepo, query: str, expected: int
) -> None:
    assert len(await titles(news, query)) == expected


async def test_search_pages_newest_first_without_repeats(repo: ArticleRepo) -> None:
    await repo.upsert_many(
        [article(f"Выборы, день {n}", published=at(1 + n % 3)) for n in range(11)]
    )
    everything = [a.id for a in (await repo.search("выборы", limit=100)).articles]
    assert len(everything) == 11
    paged: list[int | None] = []
    cursor = None
    while True:
        page = await repo.search("выборах", limit=4, cursor=cursor)
        paged += [a.id for a in page.articles]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert paged == everything
    latest = [a.id for a in (await repo.latest(limit=100)).articles]
    assert everything == latest  # the same order as the lists


def test_index_words_are_distinct_lemmas_without_stop_words() -> None:
    words = index_words("Выборы, выборов и ВЫБОРАХ: в Алматы ёлка_2026 и the elections").split()
    assert len(words) == len(set(words))
    assert {"выборы", "алматы", "елка", "2026", "elect"} <= set(words)
    assert not {"в", "и", "the"} & set(words)


def test_query_words_keep_the_order_of_the_query() -> None:
    assert [terms[0] for terms in query_words("Итоги выборов, итоги!")] == ["итог", "выборы"]
    assert query_words('" * AND ( ) : ^ NOT') == [("not",)]
    assert query_words("в и на") == []


@pytest.mark.parametrize(
    "text",
    [
        "«Выборы-2026»: итоги — 67,5% (ЦИК); №5 µ-волна, Ёлка_и_ель… Київ і ґанок, ў",
        "Apple's iPhone™ costs €999 ± 5‰ — “really”",
    ],
)
def test_the_cp1251_shortcut_splits_words_like_the_general_way(text: str) -> None:
    text.encode("cp1251")  # these take the shortcut …
    slow = f"{text} 🙂"  # … and this emoji is no word, but sends the text the general way
    assert sorted(index_words(text).split()) == sorted(index_words(slow).split())
    indexed = set(index_words(text).split())
    assert all(set(terms) <= indexed for terms in query_words(text))
