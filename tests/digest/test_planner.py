"""The planner on each backend: who is due, what their digest holds, what is stored."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.digest.planner import Planner
from bot.digest.render import DigestPage
from bot.i18n import translator
from bot.models import Article, Chat, Tag
from bot.render import html_len
from bot.storage import Storage, open_url
from bot.storage.records import OutboxMessage, PlannedDigest
from tests.digest.conftest import Builder, claim, make_settings, outbox_rows

POLITICS = Tag("политика", "Политика")
ELECTIONS = Tag("выборы_2026", "Выборы-2026")
SPORT = Tag("спорт", "Спорт")
DAY = timedelta(days=1)
_serial = itertools.count(1)


def article(title: str, *tags: str, rubric: str | None = None, brief: str = "Кратко.") -> Article:
    """An article published on the eve of the tests' digests (within their window)."""
    serial = next(_serial)
    return Article(
        title=title,
        published=datetime(2026, 2, 28, 12, tzinfo=UTC) + timedelta(minutes=serial),
        lead=brief,
        brief=brief,
        tags=tags,
        rubric=rubric,
        url=f"https://example.kz/{serial}",
        date_only=False,
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def settings_for(db_path: Path, **overrides: object) -> Settings:
    return make_settings(db_path, **overrides)  # type: ignore[arg-type]


def titles(text: str) -> list[str]:
    return re.findall(r"\d+\. <b>(.*?)</b>", text)


async def chat_with(storage: Storage, chat_id: int, *tags: Tag, tz: str | None = None) -> None:
    """A chat subscribed to ``tags`` long before the digests these tests plan."""
    await storage.chats.upsert(chat_id, type="private" if chat_id > 0 else "group")
    if tags:
        await storage.chats.subscribe(chat_id, tags)
        await subscribed_on(storage, chat_id, datetime(2026, 1, 1, tzinfo=UTC))
    if tz:
        await storage.chats.set_timezone(chat_id, tz)


async def subscribed_on(storage: Storage, chat_id: int, when: datetime) -> None:
    sql = "UPDATE subscriptions SET created_at = $1 WHERE chat_id = $2"
    await storage.db.execute(sql, int(when.timestamp()), chat_id)


async def sent_texts(storage: Storage, chat_id: int) -> list[str]:
    return [row["text"] for row in await outbox_rows(storage) if row["chat_id"] == chat_id]


async def test_a_digest_holds_each_new_article_once_grouped_by_tag_newest_first(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 1, POLITICS, ELECTIONS)
    await storage.articles.upsert_many([article("Вчерашняя", "Выборы-2026")])
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await planner.run_due(utc("2026-03-01T09:00+05:00"))  # yesterday's digest
    await storage.articles.upsert_many(
        [
            article("Первая", rubric="Политика"),
            article("Вторая", "Выборы-2026", rubric="Политика"),  # both tags: shown once
            article("Третья", "Выборы-2026"),
            article("Чужая", rubric="Спорт"),
        ]
    )
    run = await planner.run_due(utc("2026-03-02T09:00+05:00"))

    assert run is not None
    assert (run.chats_due, run.digests, run.messages) == (1, 1, 1)
    _yesterday, text = await sent_texts(storage, 1)
    # The group of the freshest story first, a story in the first of the chat's tags it
    # matched (added together: alphabetical), newest first; yesterday's is not repeated.
    assert titles(text) == ["Третья", "Вторая", "Первая"]
    assert text.index("<b>#Выборы_2026</b>") < text.index("<b>#Политика</b>")
    assert text.index("Вторая") < text.index("<b>#Политика</b>")
    chat = await storage.chats.get(1)
    assert chat is not None
    assert chat.digest_cursor == await storage.articles.max_id()
    assert chat.next_digest_at == utc("2026-03-03T09:00+05:00")


async def test_the_first_digest_of_a_new_chat_covers_what_is_already_stored(
    storage: Storage, db_path: Path
) -> None:
    await storage.articles.upsert_many([article("Уже было", rubric="Спорт")])
    await chat_with(storage, 2, SPORT)
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await planner.run_due(utc("2026-03-01T09:00+05:00"))
    [text] = await sent_texts(storage, 2)
    assert titles(text) == ["Уже было"]


async def test_a_first_digest_reads_only_the_newest_backlog_of_the_archive(
    storage: Storage, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.digest.planner.MAX_BACKLOG", 4)
    await storage.articles.upsert_many([article(f"Архив {n}", rubric="Спорт") for n in range(10)])
    await chat_with(storage, 4, SPORT)
    planner = Planner(storage, settings_for(db_path, digest_max_items=30))
    preview = await planner.preview(4, now=utc("2026-03-01T09:00+05:00"))
    assert preview is not None
    digest = preview.digest
    shown = [story.lead.title for _tag, items in digest.groups for story in items]
    assert shown == ["Архив 9", "Архив 8", "Архив 7", "Архив 6"]
    assert digest.more == 0
    assert digest.after == await storage.articles.max_id() - 4


async def test_a_cap_shows_the_newest_and_says_how_many_more_with_a_button(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 3, POLITICS)
    await storage.articles.upsert_many(
        [article(f"Новость {n}", rubric="Политика") for n in range(7)]
    )
    planner = Planner(storage, settings_for(db_path, digest_max_items=3))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await planner.run_due(utc("2026-03-01T09:00+05:00"))

    [row] = [r for r in await outbox_rows(storage) if r["chat_id"] == 3]
    assert titles(row["text"]) == ["Новость 6", "Новость 5", "Новость 4"]
    more_line = translator(None)("digest.more").format(n=4)
    assert row["text"].endswith(more_line)
    buttons = [b for line in json.loads(row["reply_markup"])["inline_keyboard"] for b in line]
    pages = [
        DigestPage.unpack(b["callback_data"])
        for b in buttons
        if b["callback_data"].startswith("dg:")
    ]
    assert pages == [DigestPage(after=0, upto=await storage.articles.max_id(), offset=3)]
    # The page behind the button holds the next three: those the chat did not receive.
    chat = await storage.digests.chat(3)
    assert chat is not None
    page = await planner.page(chat, pages[0].after, pages[0].upto, utc("2026-03-01T09:05+05:00"))
    assert [s.lead.title for _t, items in page.groups for s in items] == [
        "Новость 3",
        "Новость 2",
        "Новость 1",
    ]
    assert page.more == 1


async def test_long_digests_split_between_items_never_inside_one(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 4, POLITICS)
    brief = "Очень длинное изложение события. " * 40
    await storage.articles.upsert_many(
        [article(f"Большая новость {n}", rubric="Политика", brief=brief) for n in range(30)]
    )
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await planner.run_due(utc("2026-03-01T09:00+05:00"))

    texts = await sent_texts(storage, 4)
    assert len(texts) > 3
    assert all(html_len(text) <= 4096 for text in texts)  # as Telegram counts
    shown = [title for text in texts for title in titles(text)]
    assert shown == [f"Большая новость {n}" for n in range(29, -1, -1)]
    for text in texts:  # every item whole: its link closes it
        assert text.count("<b>Большая") == text.count("🔗")


async def test_nothing_new_sends_nothing_but_moves_the_schedule(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 5, SPORT)
    await chat_with(storage, 6)  # no subscriptions at all
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    run = await planner.run_due(utc("2026-03-01T09:00+05:00"))

    assert run is not None
    assert (run.chats_due, run.messages) == (2, 0)
    assert run.finished_at is not None
    assert await outbox_rows(storage) == []
    for chat_id in (5, 6):
        chat = await storage.chats.get(chat_id)
        assert chat is not None
        assert chat.next_digest_at == utc("2026-03-02T09:00+05:00")


async def test_digest_send_empty_says_so_but_not_to_chats_without_subscriptions(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 5, SPORT)
    await chat_with(storage, 6)
    planner = Planner(storage, settings_for(db_path, digest_send_empty=True))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await planner.run_due(utc("2026-03-01T09:00+05:00"))
    assert len(await sent_texts(storage, 5)) == 1
    assert await sent_texts(storage, 6) == []


async def test_a_paused_chat_is_skipped(storage: Storage, db_path: Path) -> None:
    await chat_with(storage, 7, SPORT)
    await storage.articles.upsert_many([article("Матч", rubric="Спорт")])
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await storage.chats.set_paused(7, True)
    assert await planner.run_due(utc("2026-03-01T09:00+05:00")) is None
    assert await outbox_rows(storage) == []
    await storage.chats.set_paused(7, False)  # resumed at 09:30: tomorrow's digest
    await planner.run_due(utc("2026-03-01T09:30+05:00"))
    chat = await storage.chats.get(7)
    assert chat is not None
    assert chat.next_digest_at is not None


async def test_chats_in_different_zones_are_due_at_their_own_nine_oclock(
    storage: Storage, db_path: Path
) -> None:
    zones = {11: "Asia/Almaty", 12: "Europe/Moscow", 13: "America/New_York"}
    for chat_id, tz in zones.items():
        await chat_with(storage, chat_id, SPORT, tz=tz)
    planner = Planner(storage, settings_for(db_path, digest_send_empty=True))
    start = utc("2026-03-06T00:00Z")
    await planner.run_due(start)
    sent_at: dict[int, list[datetime]] = {chat_id: [] for chat_id in zones}
    # Every 15 minutes for five days, across New York's change to summer time (8 March).
    for step in range(1, 5 * 96):
        now = start + timedelta(minutes=15 * step)
        before = {chat_id: len(await sent_texts(storage, chat_id)) for chat_id in zones}
        await planner.run_due(now)
        for chat_id in zones:
            if len(await sent_texts(storage, chat_id)) > before[chat_id]:
                sent_at[chat_id].append(now)
    for chat_id, tz in zones.items():
        local = [moment.astimezone(ZoneInfo(tz)) for moment in sent_at[chat_id]]
        assert [m.time() for m in local] == [time(9, 0)] * len(local), (tz, local)
        days = [m.date() for m in local]
        assert days == sorted(set(days))
        assert len(days) >= 4
    new_york = [m.astimezone(ZoneInfo("America/New_York")) for m in sent_at[13]]
    assert {m.tzname() for m in new_york} == {"EST", "EDT"}


async def test_a_changed_digest_time_takes_effect_and_sends_no_second_digest(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 14, SPORT, tz="Europe/Moscow")
    planner = Planner(storage, settings_for(db_path, digest_send_empty=True))
    await planner.run_due(utc("2026-03-01T08:00+03:00"))
    await planner.run_due(utc("2026-03-01T09:00+03:00"))
    assert len(await sent_texts(storage, 14)) == 1
    await storage.chats.set_digest_time(14, time(7, 30))  # after today's digest
    await planner.run_due(utc("2026-03-01T12:00+03:00"))
    chat = await storage.chats.get(14)
    assert chat is not None
    assert chat.next_digest_at == utc("2026-03-02T07:30+03:00")
    await planner.run_due(utc("2026-03-02T07:30+03:00"))
    assert len(await sent_texts(storage, 14)) == 2


async def test_send_now_delivers_what_is_new_and_keeps_the_schedule(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 15, SPORT)
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    chat = await storage.chats.get(15)
    assert chat is not None
    scheduled = chat.next_digest_at
    await storage.articles.upsert_many([article("Гол", rubric="Спорт")])

    planned = await planner.send_now(15, utc("2026-03-01T08:30+05:00"))
    assert planned is not None
    assert len(planned.messages) == 1
    chat = await storage.chats.get(15)
    assert chat is not None
    assert chat.next_digest_at == scheduled
    assert chat.digest_cursor == await storage.articles.max_id()
    # The daily digest does not repeat it.
    await storage.articles.upsert_many([article("Второй гол", rubric="Спорт")])
    await planner.run_due(utc("2026-03-01T09:00+05:00"))
    texts = await sent_texts(storage, 15)
    assert [titles(t) for t in texts] == [["Гол"], ["Второй гол"]]


async def test_two_planners_at_once_claim_each_chat_once(storage_url: str, db_path: Path) -> None:
    first, second = await open_url(storage_url), await open_url(storage_url)
    try:
        for chat_id in range(100, 400):
            await chat_with(first, chat_id, SPORT)
        await first.articles.upsert_many([article("Матч", rubric="Спорт")])
        settings = settings_for(db_path)
        await Planner(first, settings).schedule(utc("2026-03-01T08:00+05:00"))
        now = utc("2026-03-01T09:00+05:00")
        runs = await asyncio.gather(
            Planner(first, settings, batch=20).run_due(now),
            Planner(second, settings, batch=20).run_due(now),
        )
        rows = await outbox_rows(first)
        assert sorted(row["chat_id"] for row in rows) == list(range(100, 400))
        assert sum(run.chats_due for run in runs if run is not None) == 300
    finally:
        await first.close()
        await second.close()


async def test_a_second_planner_passes_over_the_chats_the_first_is_building(
    pg_url: str, db_path: Path
) -> None:
    """PostgreSQL: claims lock their chats' rows, so another process claims the next ones."""
    first, second = await open_url(pg_url), await open_url(pg_url)
    try:
        for chat_id in range(1, 11):
            await chat_with(first, chat_id, SPORT)
        settings = settings_for(db_path, digest_send_empty=True)
        await Planner(first, settings).schedule(utc("2026-03-01T08:00+05:00"))
        now = utc("2026-03-01T09:00+05:00")
        building, go_on = asyncio.Event(), asyncio.Event()
        claimed: dict[str, list[int]] = {}

        def builder(name: str, *, wait: bool) -> Builder:
            async def build(chats: list[Chat]) -> list[PlannedDigest]:
                claimed[name] = [chat.id for chat in chats]
                if wait:
                    building.set()
                    await go_on.wait()
                return [PlannedDigest(c.id, [OutboxMessage(name)], 0, now + DAY) for c in chats]

            return build

        runs = [await first.digests.start_run(now), await second.digests.start_run(now)]
        slow = asyncio.create_task(claim(first, now, 4, runs[0], builder("first", wait=True)))
        await asyncio.wait_for(building.wait(), 10)
        # The first still holds chats 1-4: the second takes the rest without waiting.
        quick = await asyncio.wait_for(
            claim(second, now, 100, runs[1], builder("second", wait=False)), 10
        )
        go_on.set()
        await slow
        assert claimed == {"first": [1, 2, 3, 4], "second": list(range(5, 11))}
        assert quick.chats == 6
        assert await second.digests.count_due(now) == 0
        texts = {row["chat_id"]: row["text"] for row in await outbox_rows(first)}
        assert texts == {c: "first" if c <= 4 else "second" for c in range(1, 11)}
    finally:
        await first.close()
        await second.close()


async def test_two_digests_a_day_each_carry_what_came_since_the_other(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 16, SPORT)
    await storage.chats.set_schedule(16, [time(8), time(19)])
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T07:00+05:00"))
    await storage.articles.upsert_many([article("Утренняя", rubric="Спорт")])
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await storage.articles.upsert_many([article("Дневная", rubric="Спорт")])
    await planner.run_due(utc("2026-03-01T12:00+05:00"))  # nothing due between the two
    await planner.run_due(utc("2026-03-01T19:00+05:00"))
    morning, evening = await sent_texts(storage, 16)
    assert (titles(morning), titles(evening)) == (["Утренняя"], ["Дневная"])
    chat = await storage.chats.get(16)
    assert chat is not None
    assert chat.next_digest_at == utc("2026-03-02T08:00+05:00")


async def test_a_weekly_digest_carries_the_news_of_its_week(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 17, SPORT)
    await storage.chats.set_schedule(17, [time(10)], 1 << 6)  # Sundays; 2026-03-01 is one
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T10:00+05:00"))
    wednesday = article("В среду", rubric="Спорт")
    wednesday.published = utc("2026-03-04T12:00+05:00")  # four days before the next digest
    await storage.articles.upsert_many([wednesday])
    assert await planner.run_due(utc("2026-03-07T10:00+05:00")) is None  # Saturday
    await planner.run_due(utc("2026-03-08T10:00+05:00"))
    [text] = await sent_texts(storage, 17)
    assert titles(text) == ["В среду"]
    chat = await storage.chats.get(17)
    assert chat is not None
    assert chat.next_digest_at == utc("2026-03-15T10:00+05:00")
