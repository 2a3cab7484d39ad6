"""One event from three outlets is one item everywhere a list is shown; /top; /tags rising."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.callbacks import ReadArticle, StoryOutlets
from bot.ingest import Ingester
from bot.models import Article
from bot.storage import Storage
from tests.bot.conftest import GROUP_ID, USER_ID, Call, Tg, only, sent
from tests.botapi.html import parse_html

NOW = datetime.now(UTC)

# One event told by three outlets in their own words, and unrelated news around it.
REFERENDUM = [
    (
        "Zakon.kz",
        "Токаев подписал закон о референдуме по новой конституции",
        "Президент Казахстана Касым-Жомарт Токаев подписал закон о проведении "
        "республиканского референдума по новой конституции 15 марта.",
    ),
    (
        "Kazinform",
        "Президент подписал закон о республиканском референдуме",
        "Глава государства Касым-Жомарт Токаев подписал закон о референдуме по проекту "
        "новой конституции.",
    ),
    (
        "ТАСС",
        "Касым-Жомарт Токаев утвердил закон о референдуме по конституции",
        "Токаев подписал закон, назначающий референдум по новой конституции на 15 марта.",
    ),
]
OTHERS = [
    ("Tengrinews.kz", "В Алматы открылся новый парк на берегу реки", "Акимат открыл парк."),
    ("Zakon.kz", "Курс тенге укрепился на утренних торгах биржи", "Доллар подешевел."),
    ("Kazinform", "В Астане прошёл турнир юных шахматистов", "Победил ученик из Караганды."),
]


def news(
    outlet: str, title: str, lead: str, *, hours_ago: float, tags: tuple[str, ...] = ()
) -> Article:
    slug = abs(hash((outlet, title))) % 10**8
    return Article(
        title=title,
        published=NOW - timedelta(hours=hours_ago),
        lead=lead,
        brief=lead,
        body=(lead,),
        rubric="Политика",
        tags=tags,
        url=f"https://{outlet.lower().replace(' ', '')}.example/{slug}",
        outlet=outlet,
        date_only=False,
    )


@pytest.fixture
async def stored(store: Storage) -> dict[str, int]:
    """The three retellings (the first the earliest) among other news, through the ingest
    that finds stories; the story's id and the others' count by title."""
    ingester = Ingester(store)
    items = [
        news(*REFERENDUM[0], hours_ago=5, tags=("Референдум",)),
        news(*OTHERS[0], hours_ago=4),
        news(*REFERENDUM[1], hours_ago=3, tags=("Референдум",)),
        news(*OTHERS[1], hours_ago=2),
        news(*REFERENDUM[2], hours_ago=1),
        news(*OTHERS[2], hours_ago=0.5),
    ]
    for item in items:  # one at a time, as feeds bring them
        await ingester.store([item])
    return {item.title: item.story or 0 for item in items}


def headlines(call: Call) -> list[str]:
    return re.findall(r"\d+\. <b>(.*?)</b>", call.text)


async def test_the_ingest_gives_three_retellings_one_story_and_the_rest_their_own(
    stored: dict[str, int],
) -> None:
    stories = [stored[title] for _outlet, title, _lead in REFERENDUM]
    assert len(set(stories)) == 1
    assert len({stored[title] for _o, title, _l in OTHERS} | set(stories)) == 4


async def test_latest_shows_the_story_once_by_its_first_report_with_plus_two(
    tg: Tg, stored: dict[str, int]
) -> None:
    reply = only(await tg.send("/latest 10"))
    assert headlines(reply) == [
        OTHERS[2][1],
        OTHERS[1][1],
        OTHERS[0][1],
        REFERENDUM[0][1],  # when it was news: where its first report is, and told by it
    ]
    text = parse_html(reply.text).text
    assert text.count("+2 источника") == 1
    assert [text.count(title) for _outlet, title, _lead in REFERENDUM] == [1, 0, 0]
    story = stored[REFERENDUM[0][1]]
    assert ("🗞 4 +2", StoryOutlets(story=story).pack()) in reply.buttons
    assert ReadArticle(article_id=story).pack() in [data for _label, data in reply.buttons]


async def test_search_shows_the_story_once(tg: Tg, stored: dict[str, int]) -> None:
    reply = only(await tg.send("/search референдум конституции"))
    assert headlines(reply) == [REFERENDUM[0][1]]
    assert "+2 источника" in parse_html(reply.text).text


async def test_a_tag_only_some_retellings_carry_still_shows_the_story_once(
    tg: Tg, stored: dict[str, int]
) -> None:
    reply = only(await tg.send("/latest Референдум"))
    assert headlines(reply) == [REFERENDUM[0][1]]


async def test_the_other_outlets_button_lists_their_headlines_and_links(
    tg: Tg, stored: dict[str, int]
) -> None:
    listing = only(await tg.send("/latest"))
    reply = only(await tg.press(listing.button("🗞"), on=listing))
    text = parse_html(reply.text).text
    assert text.startswith(f"🗞 {REFERENDUM[0][1]}\n")
    assert f"• Kazinform — {REFERENDUM[1][1]}" in text
    assert f"• ТАСС — {REFERENDUM[2][1]}" in text
    assert "Zakon.kz" not in text
    assert reply.text.count('<a href="https://') == 2


async def test_an_unknown_story_button_says_it_is_stale(tg: Tg, stored: dict[str, int]) -> None:
    calls = await tg.press(StoryOutlets(story=999_999))
    assert only(calls, "answerCallbackQuery").params.get("show_alert")
    assert not sent(calls)


async def test_paging_never_shows_a_story_twice(
    tg: Tg, store: Storage, stored: dict[str, int]
) -> None:
    first = only(await tg.send("/latest 2"))
    assert headlines(first) == [OTHERS[2][1], OTHERS[1][1]]
    second = only(await tg.press(first.button("Ещё"), on=first))
    assert headlines(second) == [OTHERS[0][1], REFERENDUM[0][1]]
    assert "3. " in second.text
    assert not [label for label, _data in second.buttons if "Ещё" in label]


async def test_the_digest_shows_the_story_once_with_plus_two(
    tg: Tg, store: Storage, stored: dict[str, int]
) -> None:
    await tg.send("/subscribe Политика")
    await tg.send("/digest")
    [row] = await store.db.fetch("SELECT text FROM outbox WHERE chat_id = $1", USER_ID)
    text = parse_html(row[0]).text
    assert [text.count(title) for _outlet, title, _lead in REFERENDUM] == [1, 0, 0]
    assert text.count("+2 источника") == 1
    assert "🔥 Главное\n\n1. " + REFERENDUM[0][1] in text


async def test_top_puts_the_story_most_outlets_told_first(tg: Tg, stored: dict[str, int]) -> None:
    reply = only(await tg.send("/top"))
    assert parse_html(reply.text).text.startswith("🔥 Главное за сутки")
    assert headlines(reply)[0] == REFERENDUM[0][1]
    assert len(headlines(reply)) == 4
    assert headlines(only(await tg.send("/top 2"))) == [REFERENDUM[0][1], OTHERS[2][1]]


async def test_top_keeps_to_the_subscriptions_unless_asked_for_all(
    tg: Tg, stored: dict[str, int]
) -> None:
    await tg.send("/subscribe Референдум")
    reply = only(await tg.send("/top"))
    assert "по вашим подпискам" in parse_html(reply.text).text
    assert headlines(reply) == [REFERENDUM[0][1]]
    assert len(headlines(only(await tg.send("/top все")))) == 4


@pytest.mark.parametrize("bad", ["0", "21", "вчера", "5 5.5"])
async def test_top_with_a_bad_argument_says_what_it_takes(
    tg: Tg, stored: dict[str, int], bad: str
) -> None:
    reply = only(await tg.send(f"/top {bad}"))
    assert "<code>/top 10</code>" in reply.text


async def test_top_of_a_quiet_day_says_so(tg: Tg, store: Storage) -> None:
    old = news(*OTHERS[0], hours_ago=50)
    await store.articles.upsert_many([old])
    assert "новостей нет" in only(await tg.send("/top")).text


async def test_tags_marks_a_tag_rising_against_its_two_weeks(tg: Tg, store: Storage) -> None:
    items = [  # «Выборы»: five today, one a day before; «Спорт»: one a day, as usual
        news("Zakon.kz", f"Выборы: новость {n}", "Лид.", hours_ago=n, tags=("Выборы",))
        for n in range(5)
    ]
    items += [
        news("Zakon.kz", f"Выборы: старая {d}", "Лид.", hours_ago=24 * d + 2, tags=("Выборы",))
        for d in range(1, 8)
    ]
    items += [
        news("Zakon.kz", f"Спорт {d}", "Лид.", hours_ago=24 * d + 1, tags=("Спорт",))
        for d in range(0, 14)
    ]
    await store.articles.upsert_many(items)
    reply = only(await tg.send("/tags"))
    labels = [label for label, _data in reply.buttons]
    assert "📈 #Выборы · 12" in labels
    assert "#Спорт · 14" in labels
    assert "📈" in parse_html(reply.text).text  # the header says what the mark means


async def test_a_story_shown_in_a_group_lists_its_outlets_there(
    tg: Tg, stored: dict[str, int]
) -> None:
    listing = only(await tg.send("/latest", chat_id=GROUP_ID))
    reply = only(await tg.press(listing.button("🗞"), on=listing))
    assert reply.chat_id == GROUP_ID
