"""Stories end to end: ``python -m bot ingest --json`` finds them, and the real bot process
sends a front-page digest that the Bot API test server accepts as Telegram would."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.storage import SqliteStorage
from tests.botapi import BotAPIServer
from tests.botapi.html import utf16_len
from tests.botapi.models import StoredMessage
from tests.e2e.conftest import PROJECT_ROOT, BotProcess, bot_env, running_bot
from tests.e2e.test_bot_process import press, say
from tests.waiting import until

pytestmark = pytest.mark.e2e

USER = 1002
CITIES = (
    "Алматы", "Астане", "Шымкенте", "Караганде", "Актобе", "Таразе", "Павлодаре", "Семее",
    "Атырау", "Костанае", "Кызылорде", "Уральске", "Петропавловске", "Актау", "Темиртау",
    "Туркестане", "Кокшетау", "Талдыкоргане", "Экибастузе", "Жезказгане",
)  # fmt: skip
# Unrelated events: each names its own actor, action and object (one city may recur).
ACTORS = (
    "Минздрав", "Минфин", "Минтранс", "Минэнерго", "Минсельхоз", "Минтруда", "Минкультуры",
    "Минюст", "Минцифры", "Акимат", "Маслихат", "Сенат", "Мажилис", "Нацбанк", "Прокуратура",
    "Казпочта", "Казахтелеком", "КТЖ", "Самрук", "Казмунайгаз", "Kaspi", "Халык", "Байтерек",
    "Атамекен", "Казгидромет", "Казавтожол", "Казводхоз", "Казатомпром", "Казахмыс",
    "Евразийский банк", "Фонд развития", "Полиция", "Таможня", "Налоговая",
)  # fmt: skip
ACTIONS = (
    "объявил", "запустил", "закрыл", "отменил", "продлил", "утвердил", "расширил", "сократил",
    "приостановил", "возобновил", "модернизировал", "проверил", "оштрафовал", "наградил",
    "пригласил", "поддержал", "профинансировал", "построил", "отремонтировал", "перенёс",
    "ускорил", "упростил", "ограничил", "разрешил", "запретил", "выкупил", "продал",
    "арендовал", "застраховал", "оцифровал", "озеленил", "очистил", "осветил", "подключил",
)  # fmt: skip
THINGS = (
    "тариф", "программу", "проект", "конкурс", "тендер", "фестиваль", "маршрут", "терминал",
    "завод", "рудник", "скважину", "трубопровод", "аэропорт", "вокзал", "рынок", "порт",
    "склад", "элеватор", "теплицу", "ферму", "плотину", "канал", "котельную", "подстанцию",
    "трассу", "тоннель", "бассейн", "колледж", "университет", "лабораторию", "поликлинику",
    "хоспис", "приют", "заповедник",
)  # fmt: skip
# One event told by three outlets in their own words: the digest's top story.
REFERENDUM = [
    ("Zakon.kz", "Токаев подписал закон о референдуме по новой конституции"),
    ("Kazinform", "Президент Токаев подписал закон о референдуме по конституции"),
    ("ТАСС", "Касым-Жомарт Токаев подписал закон о референдуме"),
]
REFERENDUM_LEAD = (
    "Президент Казахстана Касым-Жомарт Токаев подписал закон о проведении республиканского "
    "референдума по новой конституции. "
)


def records(day: str) -> list[dict[str, Any]]:
    """Thirty-odd events of one day, one of them retold twice, with long leads."""
    found = [
        {
            "title": title,
            "date": day,
            "rubric": "Политика",
            "body": [REFERENDUM_LEAD * 3, "Подробности позже."],
            "url": f"https://{outlet.lower()}.example/referendum",
            "source": outlet,
        }
        for outlet, title in REFERENDUM
    ]
    for n in range(34):
        event = f"{ACTORS[n]} {ACTIONS[n]} {THINGS[n]} в {CITIES[n % len(CITIES)]}"
        lead = f"{event}, сообщили в ведомстве. " * 6
        found.append(
            {
                "title": event,
                "date": day,
                "rubric": "Политика" if n % 2 else "Экономика",
                "body": [lead, "Строительство шло два года."],
                "url": f"https://news.example/{n}",
                "source": "Tengrinews.kz",
            }
        )
    return found


@pytest.fixture
def stories_db(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A database filled by the real command line from JSON Lines, and what it printed."""
    day = datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()  # the chats' today
    source = tmp_path / "news" / "today.jsonl"
    source.parent.mkdir()
    source.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records(day)), encoding="utf-8"
    )
    database = tmp_path / "svodka.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "--json", str(source)],
        cwd=PROJECT_ROOT,
        env=bot_env(database, "http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return database, [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture
async def bot(
    server: BotAPIServer, stories_db: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    async with running_bot(server, stories_db[0], tmp_path / "bot.log") as process:
        yield process


def test_ingest_json_prints_each_article_with_its_story_and_outlet(
    stories_db: tuple[Path, list[dict[str, Any]]],
) -> None:
    _database, printed = stories_db
    assert len(printed) == 37
    by_title = {record["title"]: record for record in printed}
    stories = {by_title[title]["story"] for _outlet, title in REFERENDUM}
    assert len(stories) == 1
    assert [by_title[title]["source"] for _outlet, title in REFERENDUM] == [
        outlet for outlet, _title in REFERENDUM
    ]
    others = [r["story"] for r in printed if r["title"] not in dict(map(reversed, REFERENDUM))]
    assert len(set(others)) == len(others) == 34
    assert all(isinstance(r["story"], int) for r in printed)


async def test_the_front_page_digest_is_accepted_as_telegram_would(
    server: BotAPIServer, bot: BotProcess, stories_db: tuple[Path, list[dict[str, Any]]]
) -> None:
    server.add_user(USER)
    await say(server, USER, "/subscribe Политика, Экономика")
    server.send_text(USER, None, "/digest")
    store = await SqliteStorage.open(stories_db[0])
    try:

        async def delivered() -> bool:
            rows = await store.db.fetch("SELECT status FROM outbox WHERE chat_id = $1", USER)
            return bool(rows) and all(row[0] in ("sent", "failed") for row in rows)

        await until(delivered, timeout=60, what="the digest to be sent")
        statuses = await store.db.fetch("SELECT status FROM outbox WHERE chat_id = $1", USER)
    finally:
        await store.close()
    assert {row[0] for row in statuses} == {"sent"}, bot.log  # none refused by the server
    digest = [m for m in server.messages_for(USER) if "📰" in (m.text or "") or m.buttons]
    digest = digest[digest.index(next(m for m in digest if (m.text or "").startswith("📰"))) :]
    assert len(digest) == len(statuses) > 1
    for message in digest:
        assert utf16_len(message.text or "") <= 4096
        assert "expandable_blockquote" in {e["type"] for e in message.entities}
    top = digest[0]
    assert (top.text or "").startswith("📰 Сводка за")
    assert "🔥 Главное\n\n1. " + REFERENDUM[0][1] in (top.text or "")
    assert top.options["link_preview_options"] == {
        "url": "https://zakon.kz.example/referendum",
        "prefer_large_media": True,
        "show_above_text": True,
    }
    for message in digest[1:]:  # one large preview: the others have none
        assert message.options["link_preview_options"] == {"is_disabled": True}
    assert any("Ещё" in b["text"] for b in digest[-1].buttons)
    await other_outlets(server, top)


async def other_outlets(server: BotAPIServer, message: StoredMessage) -> None:
    _answer, [reply] = await press(server, USER, message, "🗞 1", replies=1)
    text = reply.text or ""
    assert text.startswith(f"🗞 {REFERENDUM[0][1]}")
    assert [line.split(" — ")[0] for line in text.splitlines()[2:]] == ["• Kazinform", "• ТАСС"]
