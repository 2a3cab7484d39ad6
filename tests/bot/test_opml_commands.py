"""OPML in Telegram: «export OPML» under /feeds and /importopml in reply to a file (admins)."""

from __future__ import annotations

import pytest

from bot.callbacks import ExportFeeds
from bot.sources.opml import parse_opml
from bot.storage import Storage
from tests.bot.conftest import ADMIN_ID, USER_ID, Call, Tg, only, sent
from tests.botapi.html import parse_html
from tests.sources.test_opml import READER_EXPORT, opml


async def reply_with(tg: Tg, data: bytes, *, name: str = "feeds.opml", user_id: int = ADMIN_ID,
                     size: int | None = None) -> list[Call]:  # fmt: skip
    """``/importopml`` in reply to a document holding ``data``."""
    tg.session.files["opml-1"] = data
    document = {
        "file_id": "opml-1",
        "file_unique_id": "o1",
        "file_name": name,
        "file_size": len(data) if size is None else size,
    }
    replied = {**tg.message("", user_id=user_id), "document": document}
    return await tg.send("/importopml", user_id=user_id, reply_to_message=replied)


async def test_feeds_has_an_export_button_that_sends_the_feeds_as_opml(
    tg: Tg, store: Storage
) -> None:
    await store.feeds.add("https://www.zakon.kz/rss", now=1, rubric="Казахстан", title="Zakon")
    listing = sent(await tg.send("/feeds", user_id=ADMIN_ID))[-1]
    assert listing.buttons == [("⬇️ Экспорт в OPML", ExportFeeds().pack())]
    document = only(await tg.press(ExportFeeds(), on=listing, user_id=ADMIN_ID), "sendDocument")
    assert document.chat_id == ADMIN_ID
    [data] = document.uploads.values()
    [feed] = parse_opml(data, "export").feeds
    assert (feed.url, feed.title, feed.rubric) == (
        "https://www.zakon.kz/rss",
        "Zakon",
        "Казахстан",
    )


async def test_the_export_button_is_for_bot_admins_only(tg: Tg) -> None:
    calls = await tg.press(ExportFeeds(), user_id=USER_ID)
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_an_import_adds_feeds_and_names_what_it_skipped_line_by_line(
    tg: Tg, store: Storage
) -> None:
    known, _ = await store.feeds.add("http://example.com/feed.xml", now=1)
    reply = only(await reply_with(tg, READER_EXPORT.encode(), name="reader.opml"))
    text = parse_html(reply.text).text
    assert text.startswith("📥 Лент добавлено: 2. Уже были: 2. С ошибками: 2.")
    assert f"reader.opml:10: already present as feed {known.id}" in text  # a feed present
    assert "reader.opml:13: the same feed as line 6" in text
    assert "reader.opml:12: not an http:// or https:// address" in text
    assert len(await store.feeds.all()) == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n not xml", "feeds.opml:1: not XML: not well-formed (invalid token)"),
        (b"<rss><channel/></rss>", "feeds.opml:1: not an OPML file: the root element is <rss>"),
        (
            opml(*(f"https://example.com/{n}.xml" for n in range(5000))),
            "feeds.opml:1002: 5,000 feeds, more than the 1,000 one import takes; split the file",
        ),
    ],
    ids=["not-xml", "not-opml", "5000-outlines"],
)
async def test_a_file_refused_whole_is_named_in_one_line_and_adds_nothing(
    tg: Tg, store: Storage, data: bytes, reason: str
) -> None:
    reply = only(await reply_with(tg, data))
    text = parse_html(reply.text).text
    assert text == f"⚠️ Файл не импортирован, ленты не добавлены:\n{reason}"
    assert await store.feeds.all() == []


async def test_a_file_over_the_limit_is_not_even_downloaded(tg: Tg, store: Storage) -> None:
    calls = await reply_with(tg, b"<opml/>", size=50 * 1024 * 1024)
    assert [c.method for c in calls] == ["sendMessage"]  # no getFile
    assert "larger than 2 MiB" in calls[0].text


async def test_importopml_without_a_replied_file_explains(tg: Tg) -> None:
    assert "/importopml" in only(await tg.send("/importopml", user_id=ADMIN_ID)).text


async def test_importopml_is_for_bot_admins_only(tg: Tg, store: Storage) -> None:
    reply = only(await reply_with(tg, READER_EXPORT.encode(), user_id=USER_ID))
    assert reply.text == "Такой команды нет. Список команд — /help."
    assert await store.feeds.all() == []
