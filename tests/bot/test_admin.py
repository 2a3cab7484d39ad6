"""Bot administrators: /stats and /ingest (by reply to a text or a document)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.storage import Storage
from tests.bot.conftest import ADMIN_ID, USER_ID, Tg, article, only, sent
from tests.botapi.html import parse_html

SEED_TEXT = """\
 date 2026-03-04
Экономика

Нацбанк сохранил базовую ставку

Национальный банк сохранил базовую ставку на уровне 16,5%.
"""
ARTICLE = """\
 date 2026-03-03 #Референдум-2026
Политика

Сенат <одобрил> закон & поправки

АСТАНА. KAZINFORM – Сенат одобрил закон о референдуме, передает корреспондент Zakon.kz.

Второй абзац.
"""


def replied(tg: Tg, **content: object) -> dict[str, object]:
    return {**tg.message("", user_id=ADMIN_ID), **content}


async def test_stats_for_an_admin(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many([article("А", tags=("Выборы",)), article("Б")])
    await tg.send("/start")
    await tg.send("/subscribe Выборы")
    text = parse_html(only(await tg.send("/stats", user_id=ADMIN_ID)).text).text
    assert "Чаты: 2, активных 2 (личных 2, групп и каналов 0)" in text
    assert "Активных подписок: 1" in text
    assert "Статей: 2, тегов: 2" in text
    assert "Дайджест ещё ни разу не запускался" in text
    assert "Очередь отправки: ждут 0, не доставлено 0" in text


async def test_admin_commands_are_unknown_to_everyone_else(tg: Tg, store: Storage) -> None:
    for command in ("/stats", "/ingest"):
        reply = only(await tg.send(command, user_id=USER_ID))
        assert reply.text == "Такой команды нет. Список команд — /help."
    assert await store.articles.count() == 0


async def test_ingest_a_replied_text(tg: Tg, store: Storage) -> None:
    calls = await tg.send("/ingest", user_id=ADMIN_ID, reply_to_message=replied(tg, text=ARTICLE))
    reply = only(calls)
    assert reply.text.startswith("📥 Сохранено: новых 1, обновлено 0, без изменений 0.")
    assert "<b>Сенат &lt;одобрил&gt; закон &amp; поправки</b>" in reply.text
    tag = await store.articles.tag("референдум_2026")
    assert tag is not None
    assert tag.display == "Референдум-2026"


async def test_ingest_a_bad_text_says_file_line_reason(tg: Tg, store: Storage) -> None:
    bad = replied(tg, text="просто текст")
    reply = only(await tg.send("/ingest", user_id=ADMIN_ID, reply_to_message=bad))
    message_id = bad["message_id"]
    assert reply.text == (
        "⚠️ Не удалось разобрать (1):\n"
        f"<code>message-{message_id}.txt:1: expected &#x27; date YYYY-MM-DD&#x27; "
        "on the first line</code>"
    )
    assert await store.articles.count() == 0


async def test_ingest_a_replied_document(tg: Tg, store: Storage) -> None:
    tg.session.files["doc-1"] = SEED_TEXT.encode()
    document = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "senate.txt"}
    calls = await tg.send(
        "/ingest", user_id=ADMIN_ID, reply_to_message=replied(tg, document=document)
    )
    assert [c.method for c in calls] == ["getFile", "sendMessage"]
    assert "новых 1" in calls[-1].text
    assert await store.articles.count() == 1


async def test_ingest_without_a_reply_explains(tg: Tg) -> None:
    assert "/ingest" in only(await tg.send("/ingest", user_id=ADMIN_ID)).text


MOSCOW = ZoneInfo("Europe/Moscow")


async def test_stats_times_are_on_the_admins_clock_with_the_zone_named(
    tg: Tg, store: Storage
) -> None:
    await store.articles.upsert_many([article("А")])
    await tg.send("/timezone Москва", user_id=ADMIN_ID)
    run = await store.digests.start_run(datetime.now(UTC))
    await store.digests.finish_planning(run)
    figures = await store.chats.stats()
    assert figures.last_ingest_at is not None
    assert figures.last_run_started_at is not None
    text = parse_html(only(await tg.send("/stats", user_id=ADMIN_ID)).text).text
    ingest = figures.last_ingest_at.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M")
    started = figures.last_run_started_at.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M")
    assert f"Последняя загрузка: {ingest}\n" in text
    assert f"Последний запуск дайджеста: {started} — " in text
    assert "UTC\n" not in text
    assert text.endswith("Время — Москва (UTC+03:00)")
    english = parse_html(only(await tg.send("/stats", user_id=ADMIN_ID, language="en")).text)
    assert english.text.endswith("Times: Moscow (UTC+03:00)")


async def test_feeds_show_times_on_the_admins_clock_with_the_zone_named(
    tg: Tg, store: Storage
) -> None:
    feed, _ = await store.feeds.add("https://stepnews.example.kz/rss", now=1_772_600_000)
    await store.feeds.record_success(feed.id, now=1_772_600_000, next_poll_at=1_772_600_600)
    await tg.send("/timezone Москва", user_id=ADMIN_ID)
    text = parse_html(only(await tg.send("/feeds", user_id=ADMIN_ID)).text).text
    assert text.startswith("Ленты (1), время — Москва (UTC+03:00):")
    polled = datetime.fromtimestamp(1_772_600_000, MOSCOW).strftime("%d.%m %H:%M")
    upcoming = datetime.fromtimestamp(1_772_600_600, MOSCOW).strftime("%d.%m %H:%M")
    assert f"опрошена {polled}" in text
    assert f"следующий опрос {upcoming}" in text


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Не удалось загрузить {url}: сервер недоступен"),
        ("en", "Could not fetch {url}: the server cannot be reached"),
    ],
)
async def test_an_unreachable_feed_is_explained_in_the_admins_language(
    tg: Tg, store: Storage, closed_port: int, language: str, expected: str
) -> None:
    url = f"http://127.0.0.1:{closed_port}/rss"
    calls = await tg.send(f"/addfeed {url}", user_id=ADMIN_ID, language=language)
    [edited] = sent(calls, "editMessageText")
    assert edited.text == expected.format(url=url)
    assert await store.feeds.all() == []


async def test_a_message_long_feed_reference_is_quoted_cut(tg: Tg) -> None:
    reply = only(await tg.send("/rmfeed " + "x" * 4000, user_id=ADMIN_ID))
    assert reply.text.startswith("Ленты «" + "x" * 63 + "…» нет.")
    checking = await tg.send("/addfeed http://127.0.0.1:1/" + "x" * 4000, user_id=ADMIN_ID)
    assert all(len(call.text) < 600 for call in checking)
