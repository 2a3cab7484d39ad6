"""/search and the "read" button."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.callbacks import ReadArticle
from bot.handlers.read import MAX_MESSAGES
from bot.storage import Storage
from tests.bot.conftest import OTHER_USER_ID, Call, RecordingSession, Tg, article, only, sent
from tests.botapi.html import parse_html
from tests.waiting import until


async def test_search_finds_word_forms_and_pages_like_latest(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many(
        [article(f"Итоги выборов {i}", body=("Подсчёт голосов завершён.",)) for i in range(7)]
        + [article("Погода", body=("Солнечно.",))]
    )
    reply = only(await tg.send("/search выборы"))
    text = parse_html(reply.text).text
    assert text.startswith("🔎 Найдено по запросу «выборы»\n\n1. Итоги выборов 6")
    assert "Погода" not in text
    assert reply.buttons[-1][0] == "Ещё ⬇️"
    more = only(await tg.press(reply.button("Ещё"), on=reply))
    assert parse_html(more.text).text.startswith("6. Итоги выборов 1")
    assert [label for label, _ in more.buttons] == ["📖 6", "📖 7"]


async def test_search_without_words_explains_how(tg: Tg) -> None:
    assert "<code>/search" in only(await tg.send("/search")).text


async def test_search_with_no_results_echoes_the_query_escaped(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many([article("Погода")])
    reply = only(await tg.send("/search <b>нет&такого</b>"))
    assert reply.text == "По запросу «&lt;b&gt;нет&amp;такого&lt;/b&gt;» ничего не нашлось."


async def test_read_shows_the_whole_article(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many(
        [
            article(
                "Сенат <принял> закон",
                body=("Первый абзац & лид.", "Второй абзац."),
                author="Иван Петров",
                url="https://zakon.kz/1",
            )
        ]
    )
    listing = only(await tg.send("/latest"))
    calls = await tg.press(listing.button("📖 1"), on=listing)
    assert only(calls, "answerCallbackQuery")
    message = only(calls)
    assert message.text == (
        "<b>Сенат &lt;принял&gt; закон</b>\n\n"
        f"<i>{message.text.split('<i>')[1].split('</i>')[0]}</i>\n\n"
        "Первый абзац &amp; лид.\n\n"
        "Второй абзац.\n\n"
        "<i>Иван Петров</i>\n\n"
        '<a href="https://zakon.kz/1">Читать в источнике</a>'
    )


async def test_a_long_article_is_split_into_several_messages(tg: Tg, store: Storage) -> None:
    paragraphs = tuple(f"Абзац {i}. " + "Текст & ещё текст. " * 60 for i in range(12))
    await store.articles.upsert_many([article("Большая статья", body=paragraphs)])
    page = await store.articles.latest(limit=1)
    article_id = page.articles[0].id
    assert article_id is not None
    messages = sent(await tg.press(ReadArticle(article_id=article_id)))
    assert len(messages) >= 3
    text = "\n\n".join(parse_html(m.text).text for m in messages)
    for paragraph in paragraphs:
        assert paragraph.strip() in text


async def test_one_huge_paragraph_is_split_at_sentences(tg: Tg, store: Storage) -> None:
    huge = "Предложение номер один. " * 600  # ~14,000 characters, no paragraph break
    await store.articles.upsert_many([article("Стена текста", body=(huge,))])
    page = await store.articles.latest(limit=1)
    assert page.articles[0].id is not None
    messages = sent(await tg.press(ReadArticle(article_id=page.articles[0].id)))
    assert len(messages) >= 4
    assert all(parse_html(m.text).text.rstrip().endswith(".") for m in messages[1:-1])


async def test_reading_a_missing_article(tg: Tg) -> None:
    calls = await tg.press(ReadArticle(article_id=424242))
    assert only(calls, "answerCallbackQuery").params["text"] == "Этой статьи больше нет в базе."
    assert not sent(calls)


async def _read(tg: Tg, store: Storage, **fields: object) -> list[Call]:
    await store.articles.upsert_many([article("Огромная статья", **fields)])  # type: ignore[arg-type]
    page = await store.articles.latest(limit=1)
    article_id = page.articles[0].id
    assert article_id is not None
    return await tg.press(ReadArticle(article_id=article_id))


async def test_a_huge_article_is_sent_in_a_few_messages_then_a_link(
    tg: Tg, store: Storage
) -> None:
    paragraphs = tuple(f"Абзац {i}. " + "Текст статьи. " * 70 for i in range(600))  # ~600 KB
    calls = await _read(tg, store, body=paragraphs, url="https://zakon.kz/huge")
    messages = sent(calls)
    assert len(messages) == MAX_MESSAGES
    assert parse_html(messages[0].text).text.startswith("Огромная статья")
    assert messages[-1].text.endswith(
        "✂️ Статья длиннее, чем помещается здесь. "
        '<a href="https://zakon.kz/huge">Читать целиком в источнике</a>'
    )
    shown = "\n\n".join(parse_html(m.text).text for m in messages)
    assert paragraphs[0].strip() in shown
    assert paragraphs[-1].strip() not in shown


async def test_a_huge_paragraph_without_a_link_is_cut_with_a_note(tg: Tg, store: Storage) -> None:
    wall = "Слово " * 400_000  # 2.4 MB in one paragraph
    messages = sent(await _read(tg, store, body=(wall,), url=None))
    assert len(messages) <= MAX_MESSAGES
    assert messages[-1].text.endswith("✂️ Статья длиннее, чем помещается здесь: выше её начало.")


async def test_one_chat_reads_one_article_at_a_time(
    tg: Tg, store: Storage, session: RecordingSession
) -> None:
    paragraphs = tuple("Текст статьи. " * 250 for _ in range(12))
    await store.articles.upsert_many([article("Длинная", body=paragraphs)])
    page = await store.articles.latest(limit=1)
    assert page.articles[0].id is not None
    press = ReadArticle(article_id=page.articles[0].id)
    session.release = asyncio.Event()
    first = asyncio.create_task(tg.press(press))
    await until(lambda: bool(sent(session.calls)), what="the first message of the article")
    second = await tg.press(press)  # while the first is still being sent
    assert only(second, "answerCallbackQuery").params["text"] == (
        "Статья ещё отправляется — подождите."
    )
    assert not sent(second)
    other = asyncio.create_task(tg.press(press, user_id=OTHER_USER_ID))  # another chat reads
    await until(lambda: len(sent(session.calls)) == 2, what="the other chat's first message")
    session.release.set()
    assert len(sent(await first)) >= 3
    await other
    again = await tg.press(press)  # once it is sent, the chat may read again
    assert len(sent(again)) >= 3


CHANNEL = -1001777


async def test_read_under_a_channel_post_goes_to_the_reader_not_the_channel(
    tg: Tg, store: Storage, session: RecordingSession, caplog: pytest.LogCaptureFixture
) -> None:
    await store.articles.upsert_many([article("Сенат принял закон", url="https://zakon.kz/1")])
    article_id = (await store.articles.latest(limit=1)).articles[0].id
    assert article_id is not None
    press = ReadArticle(article_id=article_id)
    calls = await tg.press(press, chat_id=CHANNEL, chat_kind="channel")
    assert only(calls, "answerCallbackQuery")
    message = only(calls)
    assert message.chat_id == tg.user()["id"]
    assert message.text.startswith("<b>Сенат принял закон</b>")

    # A reader who never started the bot cannot be written to: one line, nothing posted.
    blocked = {"ok": False, "error_code": 403, "description": "Forbidden: bot can't initiate"}
    session.fail("sendMessage", OTHER_USER_ID, blocked)
    with caplog.at_level(logging.INFO, logger="bot.handlers.common"):
        calls = await tg.press(press, chat_id=CHANNEL, chat_kind="channel", user_id=OTHER_USER_ID)
    assert [c.chat_id for c in sent(calls)] == [OTHER_USER_ID]  # tried privately, refused
    assert "has not started the bot" in caplog.text
    assert "Traceback" not in caplog.text
