"""The digest as a front page: recent news only, each story once and never again, «Главное»
first, sections freshest first, one large link preview; on each backend where it is stored."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.callbacks import TagLink
from bot.config import Settings
from bot.digest.builder import WINDOW, Candidate, candidates, compose
from bot.digest.planner import Planner
from bot.digest.render import render_digest
from bot.ingest import Ingester
from bot.models import Article, Chat, Story, Tag
from bot.render import MESSAGE_LIMIT
from bot.storage import Storage
from tests.botapi.html import parse_html, utf16_len
from tests.digest.conftest import make_settings

POLITICS = Tag("политика", "Политика")
ECONOMY = Tag("экономика", "Экономика")
SPORT = Tag("спорт", "Спорт")
ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 09:00 in Almaty
CHAT = 77


def news(
    title: str,
    hours_ago: float,
    *,
    rubric: str = "Политика",
    outlet: str = "Zakon.kz",
    url: str | None = "",
    lead: str = "Подробности события.",
    story: int | None = None,
    article_id: int | None = None,
) -> Article:
    return Article(
        title=title,
        published=NOW - timedelta(hours=hours_ago),
        lead=lead,
        brief=lead,
        body=(lead,),
        rubric=rubric,
        url=f"https://{outlet.lower()}.example/{abs(hash(title)) % 10**6}" if url == "" else url,
        outlet=outlet,
        date_only=False,
        id=article_id,
        story=story,
    )


def titles(text: str) -> list[str]:
    return re.findall(r"\d+\. <b>(.*?)</b>", text)


# -- the rules, without a database -------------------------------------------------------


def test_only_news_of_the_window_and_of_the_subscription_day_on_counts() -> None:
    found = [
        (news("Сегодня", 1, article_id=5), frozenset({"политика"})),
        (news("Вчера вечером", 20, article_id=4), frozenset({"экономика"})),
        (news("Позавчера", 47, article_id=3), frozenset({"политика"})),
        (news("Три дня назад", 72, article_id=2), frozenset({"политика"})),
        (news("Архив 2008 года", 24 * 365 * 18, article_id=1), frozenset({"политика"})),
    ]
    # Subscribed to «Экономика» this morning (Almaty): yesterday's news of it is older.
    starts = {"экономика": datetime(2026, 3, 10, tzinfo=ALMATY)}
    new = candidates(found, upto=5, since=NOW - WINDOW, starts=starts)
    assert [c.newest.title for c in new] == ["Сегодня", "Позавчера"]


def test_a_story_is_one_candidate_with_every_tag_its_new_articles_matched() -> None:
    found = [
        (news("Перепечатка", 1, article_id=9, story=7), frozenset({"экономика"})),
        (news("Другая", 2, article_id=8), frozenset({"спорт"})),
        (news("Первое сообщение", 3, article_id=7, story=7), frozenset({"политика"})),
    ]
    new = candidates(found, upto=9, since=NOW - WINDOW, starts={})
    assert [(c.story, c.newest.title, sorted(c.keys)) for c in new] == [
        (7, "Перепечатка", ["политика", "экономика"]),
        (8, "Другая", ["спорт"]),
    ]


def told(candidate: Candidate, outlets: int = 1) -> Story:
    others = tuple(news(f"Также {n}", 1, outlet=f"Outlet {n}") for n in range(outlets - 1))
    return Story(candidate.newest, others)


def test_main_holds_the_stories_most_outlets_told_then_sections_freshest_first() -> None:
    chat = Chat(CHAT, subscriptions=[ECONOMY, POLITICS, SPORT])  # alphabetical, as added
    sizes = {"Матч": 1, "Бюджет": 4, "Выборы": 2, "Курс": 1, "Саммит": 3, "Гол": 1}
    rubrics = {"Матч": "спорт", "Курс": "экономика", "Гол": "спорт"}
    found = [
        Candidate(n, news(title, n, article_id=n), frozenset({rubrics.get(title, "политика")}))
        for n, title in enumerate(sizes, start=1)
    ]
    digest = compose(
        chat, found, lambda c: told(c, sizes[c.newest.title]), after=0, upto=9, cap=5, main=2
    )
    assert [s.lead.title for s in digest.main] == ["Бюджет", "Саммит"]
    # Sport has the freshest story of the rest: its section comes first, whatever the alphabet.
    assert [(tag.display, [s.lead.title for s in stories]) for tag, stories in digest.groups] == [
        ("Спорт", ["Матч"]),
        ("Политика", ["Выборы"]),
        ("Экономика", ["Курс"]),
    ]
    assert digest.more == 1  # «Гол», past the cap of five
    assert digest.stories == [2, 5, 1, 3, 4]


def test_a_story_one_outlet_told_is_never_main() -> None:
    chat = Chat(CHAT, subscriptions=[POLITICS])
    found = [Candidate(1, news("Одна", 1, article_id=1), frozenset({"политика"}))]
    digest = compose(chat, found, told, after=0, upto=1, cap=30)
    assert digest.main == []
    assert [s.lead.title for _tag, stories in digest.groups for s in stories] == ["Одна"]


def test_a_front_page_of_thirty_stories_splits_into_valid_messages() -> None:
    chat = Chat(CHAT, subscriptions=[POLITICS, ECONOMY])
    lead = "Очень подробное изложение события, с цифрами и цитатами. " * 8
    found = [
        Candidate(
            n,
            news(f"Событие номер {n} <b>&</b>", n / 10, article_id=n, lead=lead),
            frozenset({"политика" if n % 2 else "экономика"}),
        )
        for n in range(1, 41)
    ]
    digest = compose(chat, found, lambda c: told(c, c.story % 4 + 1), after=0, upto=40, cap=30)
    messages = render_digest(digest, language="ru", tz=ALMATY, day=NOW.date())
    assert len(messages) > 2
    for message in messages:
        parsed = parse_html(message.text)  # what Telegram would refuse raises
        assert utf16_len(parsed.text) <= MESSAGE_LIMIT
        assert any(e["type"] == "expandable_blockquote" for e in parsed.entities)
        buttons = [b for row in json.loads(message.reply_markup or "{}")["inline_keyboard"]
                   for b in row]  # fmt: skip
        assert len(buttons) <= 100
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    shown = [t for m in messages for t in titles(m.text)]
    assert len(shown) == 30
    assert shown[0] == "Событие номер 3 &lt;b&gt;&amp;&lt;/b&gt;"  # four outlets, freshest
    text = parse_html(messages[0].text).text
    assert text.startswith("📰 Сводка за 10 марта\n\n🔥 Главное\n\n1. ")
    assert "+3 источника" in text
    assert messages[-1].text.endswith("И ещё 10 — кнопка «Ещё» ниже.")
    # One large preview, of the top story's link, above the first message; none elsewhere.
    options = json.loads(messages[0].options or "{}")["link_preview_options"]
    assert options == {
        "url": digest.main[0].lead.url,
        "prefer_large_media": True,
        "show_above_text": True,
    }
    assert [m.options for m in messages[1:]] == [None] * (len(messages) - 1)


def test_a_top_story_without_a_link_gets_no_preview() -> None:
    chat = Chat(CHAT, subscriptions=[POLITICS])
    found = [Candidate(1, news("Без ссылки", 1, article_id=1, url=None), frozenset({"политика"}))]
    [message] = render_digest(
        compose(chat, found, told, after=0, upto=1, cap=30),
        language="ru",
        tz=ALMATY,
        day=NOW.date(),
    )
    assert message.options is None


# -- the planner, on each backend --------------------------------------------------------


def settings_for(db_path: Path, **overrides: object) -> Settings:
    return make_settings(db_path, **overrides)  # type: ignore[arg-type]


async def subscribe(storage: Storage, *tags: Tag, on: datetime) -> None:
    await storage.chats.upsert(CHAT)
    await storage.chats.subscribe(CHAT, tags)
    sql = "UPDATE subscriptions SET created_at = $1 WHERE chat_id = $2"
    await storage.db.execute(sql, int(on.timestamp()), CHAT)


async def digest_texts(storage: Storage) -> list[str]:
    rows = await storage.db.fetch("SELECT text FROM outbox WHERE chat_id = $1 ORDER BY id", CHAT)
    return [row[0] for row in rows]


async def test_a_first_digest_brings_todays_news_freshest_first_not_the_archive(
    storage: Storage, db_path: Path
) -> None:
    archive = [news(f"Архив {year}", 24 * 365 * (2026 - year)) for year in range(2008, 2020)]
    await storage.articles.upsert_many(
        [
            *archive,
            news("Утренний курс", 3, rubric="Экономика"),
            news("Вечерние выборы", 15),
            news("Сегодняшний матч", 1, rubric="Спорт"),
        ]
    )
    await subscribe(storage, ECONOMY, POLITICS, SPORT, on=NOW - timedelta(hours=1))
    planned = await Planner(storage, settings_for(db_path)).send_now(CHAT, NOW)
    assert planned is not None
    [text] = await digest_texts(storage)
    # Yesterday evening's is older than the day of the subscription (Almaty): left out.
    assert titles(text) == ["Сегодняшний матч", "Утренний курс"]
    assert text.index("#Спорт") < text.index("#Экономика")


async def test_a_chat_that_subscribed_after_its_digest_time_gets_news_from_digest(
    storage: Storage, db_path: Path
) -> None:
    planner = Planner(storage, settings_for(db_path))
    await storage.chats.upsert(CHAT)
    await storage.articles.upsert_many([news("Утренняя новость", 2)])
    await planner.run_due(NOW - timedelta(hours=1))  # scheduled for 09:00
    run = await planner.run_due(NOW)  # its digest time passes with no subscription
    assert run is not None
    chat = await storage.chats.get(CHAT)
    assert chat is not None
    assert chat.digest_cursor == 0  # an empty run keeps the cursor
    await subscribe(storage, POLITICS, on=NOW + timedelta(minutes=30))
    planned = await planner.send_now(CHAT, NOW + timedelta(hours=1))
    assert planned is not None
    assert planned.messages
    assert titles(planned.messages[0].text) == ["Утренняя новость"]


async def test_an_empty_digest_keeps_the_cursor_for_later_news(
    storage: Storage, db_path: Path
) -> None:
    await subscribe(storage, POLITICS, on=NOW - timedelta(days=30))
    planner = Planner(storage, settings_for(db_path))
    await storage.articles.upsert_many([news("Про спорт", 2, rubric="Спорт")])
    await planner.run_due(NOW - timedelta(hours=1))
    await planner.run_due(NOW)
    chat = await storage.chats.get(CHAT)
    assert chat is not None
    assert chat.digest_cursor == 0
    assert await digest_texts(storage) == []


async def test_a_story_that_grows_is_not_sent_again(storage: Storage, db_path: Path) -> None:
    await subscribe(storage, POLITICS, on=NOW - timedelta(days=30))
    ingester = Ingester(storage)
    planner = Planner(storage, settings_for(db_path))
    first = news("Токаев подписал закон о референдуме по новой конституции", 5)
    await ingester.store([first])
    await planner.run_due(NOW - timedelta(hours=2))
    await planner.run_due(NOW - timedelta(hours=1))  # not yet due: scheduled for 09:00
    await planner.run_due(NOW)
    [sent] = await digest_texts(storage)
    assert titles(sent) == [first.title]
    assert first.story in await storage.received.seen(CHAT, [first.story or 0])

    reprint = news(
        "Касым-Жомарт Токаев подписал закон о референдуме по конституции",
        1,
        outlet="Kazinform",
        lead="Токаев подписал закон о референдуме по новой конституции.",
    )
    await ingester.store([reprint])
    assert reprint.story == first.story
    planned = await planner.send_now(CHAT, NOW + timedelta(hours=2))
    assert planned is not None
    assert planned.messages == []  # nothing new: the story grew, but the chat has it
    assert len(await digest_texts(storage)) == 1


async def test_main_opens_the_digest_with_the_story_most_outlets_told(
    storage: Storage, db_path: Path
) -> None:
    await subscribe(storage, POLITICS, on=NOW - timedelta(days=30))
    ingester = Ingester(storage)
    retellings = [
        ("Zakon.kz", "Токаев подписал закон о референдуме по новой конституции"),
        ("Kazinform", "Президент Токаев подписал закон о референдуме по конституции"),
        ("ТАСС", "Касым-Жомарт Токаев подписал закон о референдуме"),
    ]
    lead = "Касым-Жомарт Токаев подписал закон о референдуме по новой конституции."
    for hours, (outlet, title) in enumerate(retellings, start=3):
        await ingester.store([news(title, 6 - hours, outlet=outlet, lead=lead)])
    await ingester.store([news("Сенат одобрил бюджет на следующий год", 0.5, lead="Бюджет.")])
    await Planner(storage, settings_for(db_path)).send_now(CHAT, NOW)
    [text] = await digest_texts(storage)
    assert titles(text) == [retellings[0][1], "Сенат одобрил бюджет на следующий год"]
    assert "🔥 Главное</b>\n\n1. <b>" + retellings[0][1] in text
    assert "+2 источника" in text
    [row] = await storage.db.fetch("SELECT options FROM outbox WHERE chat_id = $1", CHAT)
    assert json.loads(row[0])["link_preview_options"]["url"].startswith("https://zakon.kz")


async def test_each_tag_section_has_a_link_button_that_subscribes_to_its_tag(
    storage: Storage, db_path: Path
) -> None:
    await subscribe(storage, POLITICS, ECONOMY, on=NOW - timedelta(days=30))
    ingester = Ingester(storage)
    await ingester.store([news("Сенат одобрил бюджет на следующий год", 1, lead="Бюджет.")])
    await ingester.store(
        [news("Нацбанк сохранил базовую ставку", 2, rubric=ECONOMY.display, lead="Ставка.")]
    )
    await Planner(storage, settings_for(db_path)).send_now(CHAT, NOW)
    [row] = await storage.db.fetch("SELECT reply_markup FROM outbox WHERE chat_id = $1", CHAT)
    buttons = [b for line in json.loads(row[0])["inline_keyboard"] for b in line]
    ids = await storage.articles.tag_ids([POLITICS.key, ECONOMY.key])
    links = [b for b in buttons if b["text"].startswith("🔗")]
    assert {b["callback_data"] for b in links} == {
        TagLink(tag=ids[POLITICS.key]).pack(),
        TagLink(tag=ids[ECONOMY.key]).pack(),
    }
    assert {b["text"] for b in links} == {
        f"🔗 Ссылка на #{POLITICS.display}",
        f"🔗 Ссылка на #{ECONOMY.display}",
    }


async def test_the_more_page_marks_what_it_shows_and_numbers_on(
    storage: Storage, db_path: Path
) -> None:
    await subscribe(storage, POLITICS, on=NOW - timedelta(days=30))
    await storage.articles.upsert_many([news(f"Новость {n}", 10 - n) for n in range(7)])
    planner = Planner(storage, settings_for(db_path, digest_max_items=3))
    planned = await planner.send_now(CHAT, NOW)
    assert planned is not None
    chat = await storage.digests.chat(CHAT)
    assert chat is not None
    upto = await storage.articles.max_id()
    page = await planner.page(chat, 0, upto, NOW)
    assert [s.lead.title for _tag, stories in page.groups for s in stories] == [
        "Новость 3",
        "Новость 2",
        "Новость 1",
    ]
    assert page.more == 1
    last = await planner.page(chat, 0, upto, NOW)
    assert [s.lead.title for _tag, stories in last.groups for s in stories] == ["Новость 0"]
    assert (await planner.page(chat, 0, upto, NOW)).empty


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_the_front_page_speaks_the_chats_language(
    storage: Storage, db_path: Path, language: str
) -> None:
    await subscribe(storage, POLITICS, on=NOW - timedelta(days=30))
    await storage.chats.set_language(CHAT, language)
    await storage.articles.upsert_many([news("Первая", 1), news("Вторая", 2, outlet="ТАСС")])
    preview = await Planner(storage, settings_for(db_path)).preview(CHAT, NOW)
    assert preview is not None
    heading = "Сводка за 10 марта" if language == "ru" else "Digest for 10 March"
    assert heading in parse_html(preview.messages[0].text).text
