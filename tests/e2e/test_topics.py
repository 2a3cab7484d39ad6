"""Forum topics end to end: the real bot process binds a tag to the topic it was subscribed
in, sends that tag's digest section there, and a deleted topic's section to the general
topic with one line saying so."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.storage import SqliteStorage
from tests.botapi import BotAPIServer
from tests.botapi.models import StoredMessage
from tests.e2e.conftest import ADMIN_ID, PROJECT_ROOT, BotProcess, bot_env, running_bot
from tests.waiting import until

pytestmark = pytest.mark.e2e

FORUM = -1003003
GONE = "Темы больше нет, поэтому сообщение пришло в общую тему."
NEWS = [("Экономика", "Нефть подорожала на два процента"),
        ("Спорт", "Сборная выиграла отборочный матч"),
        ("Политика", "Парламент принял закон о бюджете")]  # fmt: skip


@pytest.fixture
def today_db(tmp_path: Path) -> Path:
    """Today's news of three rubrics, stored by the real command line."""
    day = datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()  # the chat's today
    source = tmp_path / "news" / "today.jsonl"
    source.parent.mkdir()
    lines = [
        {"title": title, "date": day, "rubric": rubric, "body": [f"{title}. Подробности."],
         "url": f"https://example.kz/{n}", "source": "Zakon.kz"}
        for n, (rubric, title) in enumerate(NEWS)
    ]  # fmt: skip
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), "utf-8")
    database = tmp_path / "svodka.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(source)],
        cwd=PROJECT_ROOT, env=bot_env(database, "http://127.0.0.1:9"), capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return database


@pytest.fixture
async def bot(server: BotAPIServer, today_db: Path, tmp_path: Path) -> AsyncIterator[BotProcess]:
    server.add_chat(
        FORUM, "supergroup", title="Редакция", members={ADMIN_ID: "creator"},
        bot_status="administrator", is_forum=True,
    )  # fmt: skip
    async with running_bot(server, today_db, tmp_path / "bot.log") as process:
        yield process


async def ask(server: BotAPIServer, text: str, thread: int | None) -> StoredMessage:
    """The admin writes in a topic of the forum (or its general topic); the bot's reply."""
    asked = server.send_text(ADMIN_ID, FORUM, text, thread=thread)
    [reply] = await server.wait_for_messages(FORUM, 1, after_id=asked.message_id, timeout=10)
    return reply


async def test_a_forum_topic_receives_its_tags_digest_section_and_a_deleted_one_falls_back(
    server: BotAPIServer, bot: BotProcess, today_db: Path
) -> None:
    economy = server.create_topic(FORUM, "Экономика")
    sport = server.create_topic(FORUM, "Спорт")
    reply = await ask(server, "/subscribe Экономика", economy)
    assert reply.thread_id == economy  # answered where it was asked
    assert (await ask(server, "/subscribe Спорт", sport)).thread_id == sport
    assert (await ask(server, "/subscribe Политика", None)).thread_id is None
    server.delete_topic(FORUM, sport)

    server.send_text(ADMIN_ID, FORUM, "/digest")
    store = await SqliteStorage.open(today_db)
    try:

        async def delivered() -> bool:
            rows = await store.db.fetch("SELECT status FROM outbox WHERE chat_id = $1", FORUM)
            return len(rows) >= 3 and all(row[0] in ("sent", "failed") for row in rows)

        await until(delivered, timeout=60, what="the forum's digest to be sent")
        statuses = await store.db.fetch("SELECT status FROM outbox WHERE chat_id = $1", FORUM)
    finally:
        await store.close()
    assert [row[0] for row in statuses] == ["sent"] * 3, bot.log
    digest = [m for m in server.messages_for(FORUM) if (m.text or "").count("Сводка за")]
    by_text = {m.text or "": m for m in digest}
    [in_economy] = [m for text, m in by_text.items() if NEWS[0][1] in text]
    [fallen] = [m for text, m in by_text.items() if NEWS[1][1] in text]
    [general] = [m for text, m in by_text.items() if NEWS[2][1] in text]
    assert in_economy.thread_id == economy
    assert NEWS[2][1] not in (in_economy.text or "")
    assert general.thread_id is None
    assert NEWS[0][1] not in (general.text or "")
    assert fallen.thread_id is None
    assert (fallen.text or "").startswith(f"{GONE}\n\n📰 Сводка за")
    refused = server.calls("sendMessage", status=400)
    assert [c.description for c in refused] == ["Bad Request: message thread not found"]
