"""The alert worker on each backend: matched once, gathered per chat, into the outbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import GATHER_SECONDS, AlertWorker
from bot.digest.planner import Planner
from bot.follows import parse_follow
from bot.models import Article, Tag
from bot.storage import Storage
from tests.digest.conftest import make_settings, outbox_rows, query

POLITICS = Tag("политика", "Политика")
NOW = time.time()
_serial = iter(range(1, 10_000))


def news(title: str, *tags: str, rubric: str | None = "Политика", lead: str = "") -> Article:
    serial = next(_serial)
    return Article(
        title=title,
        published=datetime.now(UTC) - timedelta(minutes=10) + timedelta(seconds=serial),
        lead=lead or f"{title}. Подробности позже.",
        brief=lead or "Подробности позже.",
        tags=tags,
        rubric=rubric,
        url=f"https://example.kz/a/{serial}",
        date_only=False,
    )


@pytest.fixture
def storage(any_storage: Storage) -> Storage:
    return any_storage


@pytest.fixture
def worker(storage: Storage, tmp_path: Path) -> AlertWorker:
    return AlertWorker(storage, make_settings(tmp_path / "unused.sqlite3"))


async def instant_chat(storage: Storage, chat_id: int, *tags: Tag, follow: str = "") -> None:
    await storage.chats.upsert(chat_id)
    await storage.chats.subscribe(chat_id, tags)
    for tag in tags:
        await storage.follows.set_subscription_mode(chat_id, tag.key, "instant")
    if follow:
        await storage.follows.add(chat_id, parse_follow(follow), limit=100, mode="instant")


async def texts(storage: Storage, chat_id: int) -> list[str]:
    return [row["text"] for row in await outbox_rows(storage) if row["chat_id"] == chat_id]


async def test_alerts_start_with_what_is_stored_from_the_first_run(
    storage: Storage, worker: AlertWorker
) -> None:
    await instant_chat(storage, 1, POLITICS)
    await storage.articles.upsert_many([news("Старая новость")])
    await worker.step(NOW)
    await worker.step(NOW + 60)
    assert await texts(storage, 1) == []
    assert await storage.alerts.cursor() == 1


async def test_articles_close_together_go_as_one_message_each_story_once(
    storage: Storage, worker: AlertWorker
) -> None:
    await instant_chat(storage, 1, POLITICS, follow="Бакаев")
    await instant_chat(storage, 2)  # no instant rules: nothing
    await storage.chats.subscribe(2, [POLITICS])
    await worker.step(NOW)
    await storage.articles.upsert_many(
        [news("Бакаева задержали в аэропорту"), news("Парламент принял бюджет")]
    )
    await worker.step(NOW + 1)
    assert await texts(storage, 1) == []  # still gathering
    await worker.step(NOW + 1 + GATHER_SECONDS)
    [text] = await texts(storage, 1)
    assert text.startswith("⚡ Новое: <b>#Политика, Бакаев</b>")
    assert text.count("Бакаева задержали") == 1  # matched by the tag and the surname: once
    assert "Парламент принял бюджет" in text
    assert await texts(storage, 2) == []
    [row] = [r for r in await outbox_rows(storage) if r["chat_id"] == 1]
    buttons = json.loads(row["reply_markup"])["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["📖 1", "📖 2"]
    assert await storage.alerts.waiting() == []


async def test_a_burst_is_split_into_messages_of_at_most_five(
    storage: Storage, worker: AlertWorker
) -> None:
    await instant_chat(storage, 1, POLITICS)
    await worker.step(NOW)
    await storage.articles.upsert_many([news(f"Новость номер {n}") for n in range(7)])
    await worker.step(NOW + 1)  # five or more queued: no need to wait
    sent = await texts(storage, 1)
    assert [text.count("Новость номер") for text in sent] == [5, 2]


async def test_a_muted_word_suppresses_an_alert_and_a_digest_repeats_nothing(
    storage: Storage, worker: AlertWorker, tmp_path: Path
) -> None:
    await instant_chat(storage, 1, POLITICS)
    await storage.follows.mute(1, "word", "армения", "Армения", None)
    await worker.step(NOW)
    await storage.articles.upsert_many(
        [news("Референдум в Армении"), news("Выборы в маслихаты назначены")]
    )
    await worker.step(NOW + 1)
    await worker.step(NOW + 1 + GATHER_SECONDS)
    [text] = await texts(storage, 1)
    assert "Армении" not in text
    assert "Выборы в маслихаты" in text
    # the next digest leaves out what the alert sent (and what is muted)
    planner = Planner(storage, make_settings(tmp_path / "unused.sqlite3"))
    planned = await planner.send_now(1)
    assert planned is not None
    assert not any("Выборы в маслихаты" in m.text for m in planned.messages)
    assert not any("Армении" in m.text for m in planned.messages)


async def test_a_rule_dropped_before_the_flush_sends_nothing(
    storage: Storage, worker: AlertWorker
) -> None:
    await instant_chat(storage, 1, follow="Токаев")
    await worker.step(NOW)
    await storage.articles.upsert_many([news("Токаеву вручили грамоты", rubric=None)])
    await worker.step(NOW + 1)
    assert [w.chat_id for w in await storage.alerts.waiting()] == [1]
    await storage.follows.set_mode(1, "токай|токаев", "digest")
    await worker.step(NOW + 1 + GATHER_SECONDS)
    assert await texts(storage, 1) == []
    assert await storage.alerts.waiting() == []


async def test_a_story_a_digest_sends_while_an_alert_is_rendered_is_not_sent_twice(
    storage: Storage, worker: AlertWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messages are worked out before the transaction that writes them: one whose story
    was marked received in between is worked out again inside it."""
    await instant_chat(storage, 1, POLITICS)
    await instant_chat(storage, 2, POLITICS)
    await worker.step(NOW)
    newer = news("Мажилис собрался")
    await storage.articles.upsert_many([news("Сенат одобрил закон"), newer])
    await worker.step(NOW + 1)
    assert newer.story is not None
    plan = worker._plan
    plans = 0

    async def digest_meanwhile(*args: object) -> object:
        nonlocal plans
        plans += 1
        planned = await plan(*args)  # type: ignore[arg-type]
        if plans == 1:  # a digest sends chat 1 the newer story before the alert is written
            async with storage.transaction() as tx:
                await tx.received.mark(1, [newer.story])
        return planned

    monkeypatch.setattr(worker, "_plan", digest_meanwhile)
    await worker.step(NOW + 1 + GATHER_SECONDS)
    assert plans == 2
    [one] = await texts(storage, 1)
    assert "Сенат одобрил закон" in one
    assert "Мажилис собрался" not in one
    [two] = await texts(storage, 2)
    assert "Сенат одобрил закон" in two
    assert "Мажилис собрался" in two
    assert await storage.alerts.waiting() == []


async def test_a_new_worker_goes_on_from_the_cursor_and_the_queue(
    storage: Storage, worker: AlertWorker, tmp_path: Path
) -> None:
    await instant_chat(storage, 1, POLITICS)
    await worker.step(NOW)
    await storage.articles.upsert_many([news("Первая"), news("Вторая")])
    await worker.step(NOW + 1)  # matched and queued, then the leader dies
    successor = AlertWorker(storage, make_settings(tmp_path / "unused.sqlite3"))
    await storage.articles.upsert_many([news("Третья")])
    await successor.step(NOW + 2)
    await successor.step(NOW + 2 + GATHER_SECONDS)
    [text] = await texts(storage, 1)
    assert [t in text for t in ("Первая", "Вторая", "Третья")] == [True, True, True]


async def test_old_articles_alert_no_one(storage: Storage, worker: AlertWorker) -> None:
    await instant_chat(storage, 1, POLITICS)
    await worker.step(NOW)
    archive = news("Архивная новость")
    archive.published = datetime(2020, 1, 1, tzinfo=UTC)
    await storage.articles.upsert_many([archive])
    await worker.step(NOW + 1)
    assert await storage.alerts.waiting() == []


def _local(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


async def options_of(storage: Storage, chat_id: int) -> list[dict[str, object]]:
    rows = await query(storage, "SELECT chat_id, options FROM outbox ORDER BY id")
    return [json.loads(r["options"] or "{}") for r in rows if r["chat_id"] == chat_id]


async def test_quiet_hours_hold_an_alert_until_they_end(
    storage: Storage, worker: AlertWorker
) -> None:
    await instant_chat(storage, 1, POLITICS)
    await storage.chats.set_timezone(1, "UTC")
    start, end = _local(NOW - 3600), _local(NOW + 3600)
    await storage.chats.set_quiet_hours(1, (start.time(), end.time()))
    await worker.step(NOW)
    await storage.articles.upsert_many([news("Ночная новость о бюджете")])
    await worker.step(NOW + 1)
    await worker.step(NOW + 1 + GATHER_SECONDS)
    assert await texts(storage, 1) == []  # held: the quiet hours last another hour
    assert [w.chat_id for w in await storage.alerts.waiting()] == [1]
    await worker.step(NOW + 3600 + 60)
    [text] = await texts(storage, 1)
    assert "Ночная новость о бюджете" in text
    assert await options_of(storage, 1) == [{}]  # not silent


async def test_quiet_hours_chosen_silent_send_at_once_without_a_sound(
    storage: Storage, worker: AlertWorker
) -> None:
    await instant_chat(storage, 1, POLITICS)
    await storage.chats.set_timezone(1, "UTC")
    await storage.chats.set_quiet_hours(1, (_local(NOW - 3600).time(), _local(NOW + 3600).time()))
    await storage.chats.set_quiet_silent(1, True)
    await worker.step(NOW)
    await storage.articles.upsert_many([news("Тихая новость о бюджете")])
    await worker.step(NOW + 1)
    await worker.step(NOW + 1 + GATHER_SECONDS)
    [text] = await texts(storage, 1)
    assert "Тихая новость" in text
    assert await options_of(storage, 1) == [{"disable_notification": True}]


async def test_alerts_go_to_the_forum_topic_their_rule_is_bound_to(
    storage: Storage, worker: AlertWorker
) -> None:
    await storage.chats.upsert(-100, type="supergroup")
    await storage.chats.subscribe(-100, [POLITICS])
    await storage.follows.set_subscription_mode(-100, POLITICS.key, "instant")
    await storage.chats.bind(-100, [POLITICS.key], 7)
    await storage.follows.add(-100, parse_follow("Токаев"), limit=100, mode="instant")
    await worker.step(NOW)
    await storage.articles.upsert_many(
        [news("Бюджет принят парламентом"), news("Токаеву вручили грамоты", rubric=None)]
    )
    await worker.step(NOW + 1)
    await worker.step(NOW + 1 + GATHER_SECONDS)
    rows = await query(storage, "SELECT text, options FROM outbox ORDER BY id")
    placed = {
        ("Бюджет" in r["text"], json.loads(r["options"] or "{}").get("message_thread_id"))
        for r in rows
    }
    assert placed == {(True, 7), (False, None)}


async def storing(storage: Storage, at: float) -> None:
    """An ingest stores a batch at ``at``."""
    await storage.db.execute(
        "UPDATE meta SET value = $1 WHERE key = 'last_ingest_at'", str(int(at))
    )


async def test_alerts_wait_for_a_bulk_load_at_most_a_while(
    storage: Storage, tmp_path: Path
) -> None:
    worker = AlertWorker(storage, make_settings(tmp_path / "unused.sqlite3"), bulk=3, yield_for=20)
    await instant_chat(storage, 1, POLITICS)
    now = time.time()
    await worker.step(now)
    await storage.articles.upsert_many([news(f"Новость номер {n}") for n in range(4)])
    assert not await worker.step(now + 0.5)  # an ingest is storing more than three at once
    assert await storage.alerts.cursor() == 0
    await storing(storage, now + 18.5)  # the ingest goes on
    assert not await worker.step(now + 19)
    assert await storage.alerts.cursor() == 0
    await worker.step(now + 21)  # waited long enough: it works until it has caught up
    assert await storage.alerts.cursor() == 4
    await worker.step(now + 21 + GATHER_SECONDS)
    assert sum(text.count("Новость номер") for text in await texts(storage, 1)) == 4


async def test_news_at_the_pace_of_feeds_never_waits(storage: Storage, tmp_path: Path) -> None:
    worker = AlertWorker(storage, make_settings(tmp_path / "unused.sqlite3"), bulk=3)
    await instant_chat(storage, 1, POLITICS)
    now = time.time()
    await worker.step(now)
    await storage.articles.upsert_many([news(f"Новость номер {n}") for n in range(3)])
    await worker.step(now + 0.5)
    assert await storage.alerts.cursor() == 3
    await storage.articles.upsert_many([news(f"Новость номер {n}") for n in range(3, 8)])
    await worker.step(now + 60)  # more than three past the cursor, but stored a minute ago
    assert await storage.alerts.cursor() == 8
