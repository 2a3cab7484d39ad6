"""Bot administrators: /stats and /ingest (by reply to a text or a document)."""

from __future__ import annotations

from bot.storage import Storage
from tests.bot.conftest import ADMIN_ID, USER_ID, Tg, article, only
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
    assert "Последний запуск дайджеста: — — —, отправлено 0, ошибок 0" in text
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
