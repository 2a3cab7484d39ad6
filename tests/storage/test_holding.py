"""``ArticleRepo.holding``: a followed phrase's candidates among new articles, by the index;
``ArticleRepo.between``: a planning pass's whole window, for the planner to index itself."""

from __future__ import annotations

import pytest

from bot.follows import parse_follow, parse_key
from bot.storage import articles as article_storage
from bot.storage.articles import ArticleRepo
from tests.storage.factory import article, at


def words(phrase: str) -> tuple[tuple[str, ...], ...]:
    return parse_key(parse_follow(phrase).key)[0]


async def stored(repo: ArticleRepo, *items: tuple[str, int, str]) -> dict[str, int]:
    """Articles (headline, day of March, body) in this order; their ids by headline."""
    await repo.upsert_many(
        [article(title, published=at(day), body=(body,)) for title, day, body in items]
    )
    page = await repo.latest(limit=100)
    return {a.title: a.id for a in page.articles if a.id is not None}


async def test_articles_holding_the_words_in_any_form_inside_the_window(repo: ArticleRepo) -> None:
    ids = await stored(
        repo,
        ("Бакаев открыл школу", 2, "Аким Бакаев открыл школу."),  # below the cursor
        ("Старая встреча с Бакаевым", 1, "Встреча прошла давно."),  # before since
        ("Заявление Бакаева", 4, "Бакаев заявил о бюджете."),
        ("Бюджет принят", 5, "Депутаты одобрили бюджет, доложил Бакаеву министр."),  # body only
        ("Погода", 6, "Без осадков."),
        ("Бакаевы в Астане", 7, "Семья Бакаевых приехала."),  # above upto
    )
    after = ids["Бакаев открыл школу"]
    upto = ids["Погода"]
    found = await repo.holding(words("Бакаев"), after=after, upto=upto, since=at(3), limit=10)
    # Newest first; the index holds the whole body, so the last one is a candidate too.
    assert [a.title for a in found] == ["Бюджет принят", "Заявление Бакаева"]


async def test_every_word_of_a_phrase_must_be_held(repo: ArticleRepo) -> None:
    await stored(
        repo,
        ("Бюджет Астаны принят", 3, "Маслихат принял бюджет города."),
        ("Бюджет страны", 4, "Правительство внесло проект."),
        ("Астана готовится к зиме", 5, "Город закупил технику."),
    )
    found = await repo.holding(words("бюджет Астана"), after=0, upto=1_000, since=at(1), limit=10)
    assert [a.title for a in found] == ["Бюджет Астаны принят"]


async def test_the_limit_keeps_the_newest(repo: ArticleRepo) -> None:
    await stored(repo, *((f"Нефть, выпуск {n}", 1 + n, "Цены на нефть.") for n in range(6)))
    found = await repo.holding(words("нефть"), after=0, upto=1_000, since=at(1), limit=3)
    assert [a.title for a in found] == ["Нефть, выпуск 5", "Нефть, выпуск 4", "Нефть, выпуск 3"]


async def test_an_empty_window_or_phrase_finds_nothing(repo: ArticleRepo) -> None:
    ids = await stored(repo, ("Нефть дорожает", 3, "Цены растут."))
    top = ids["Нефть дорожает"]
    assert await repo.holding(words("нефть"), after=top, upto=top, since=at(1), limit=5) == []
    assert await repo.holding((), after=0, upto=top, since=at(1), limit=5) == []
    assert await repo.holding(words("нефть"), after=0, upto=top, since=at(4), limit=5) == []
    assert [
        a.id for a in await repo.holding(words("нефть"), after=0, upto=top, since=at(3), limit=5)
    ] == [top]


async def test_between_reads_every_article_of_an_id_span_newest_first(repo: ArticleRepo) -> None:
    ids = await stored(
        repo,
        ("Первая", 5, "Текст."),  # the cursor
        ("Вторая", 7, "Текст."),
        ("Третья", 3, "Текст."),  # stored later, published earlier
        ("Четвертая", 6, "Текст."),
        ("Пятая", 8, "Текст."),  # above upto
    )
    found = await repo.between(ids["Первая"], ids["Четвертая"])
    assert [a.title for a in found] == ["Вторая", "Четвертая", "Третья"]
    assert (found[0].body, found[0].published) == (("Текст.",), at(7))
    assert await repo.between(ids["Пятая"], ids["Пятая"]) == []


async def test_between_reads_a_wide_span_in_pages(
    repo: ArticleRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(article_storage, "_BETWEEN_PAGE", 2)
    ids = await stored(repo, *((f"Выпуск {n}", 1 + n, "Текст.") for n in range(7)))
    found = await repo.between(ids["Выпуск 0"], ids["Выпуск 6"])
    assert [a.title for a in found] == [f"Выпуск {n}" for n in range(6, 0, -1)]
