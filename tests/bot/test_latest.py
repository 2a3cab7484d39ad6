"""/latest [TAG] [N], its "more" paging, and what an item looks like."""

from __future__ import annotations

import pytest

from bot.callbacks import MorePage, ReadArticle
from bot.storage import Storage
from tests.bot.conftest import USER_ID, Tg, article, only, sent
from tests.botapi.html import parse_html


def read_ids(buttons: list[tuple[str, str]]) -> list[int]:
    return [ReadArticle.unpack(d).article_id for _l, d in buttons if d.startswith("r:")]


@pytest.fixture
async def twelve(store: Storage) -> list[int]:
    """Twelve articles, "Новость 0" oldest; returns their ids oldest first."""
    items = [
        article(f"Новость {i}", tags=("Выборы",) if i % 2 else (), rubric="Политика")
        for i in range(12)
    ]
    await store.articles.upsert_many(items)
    page = await store.articles.latest(limit=20)
    return [a.id for a in reversed(page.articles) if a.id is not None]


async def test_latest_overall_shows_five_newest_with_read_and_more_buttons(
    tg: Tg, twelve: list[int]
) -> None:
    reply = only(await tg.send("/latest"))
    text = parse_html(reply.text).text
    assert text.startswith("🗞 Свежие новости\n\n1. Новость 11\n")
    assert [line for line in text.splitlines() if line[:2] in ("1.", "5.", "6.")] == [
        "1. Новость 11",
        "5. Новость 7",
    ]
    assert [label for label, _ in reply.buttons] == [
        "📖 1",
        "📖 2",
        "📖 3",
        "📖 4",
        "📖 5",
        "Ещё ⬇️",
    ]
    assert read_ids(reply.buttons) == twelve[:-6:-1]


async def test_more_pages_backwards_and_continues_numbering(tg: Tg, twelve: list[int]) -> None:
    first = only(await tg.send("/latest"))
    calls = await tg.press(first.button("Ещё"), on=first)
    trimmed = only(calls, "editMessageReplyMarkup")
    assert "Ещё ⬇️" not in [label for label, _ in trimmed.buttons]
    second = only(calls)
    assert parse_html(second.text).text.startswith("6. Новость 6\n")
    assert read_ids(second.buttons) == twelve[6:1:-1]
    third = only(await tg.press(second.button("Ещё"), on=second))
    assert parse_html(third.text).text.startswith("11. Новость 1\n")
    assert [label for label, _ in third.buttons] == ["📖 11", "📖 12"]  # no "more" at the end


async def test_latest_for_a_tag_with_a_count(tg: Tg, twelve: list[int]) -> None:
    reply = only(await tg.send("/latest #выборы 2"))
    text = parse_html(reply.text).text
    assert text.startswith("🗞 Свежее по тегу #Выборы\n\n1. Новость 11\n")
    assert "2. Новость 9" in text
    assert read_ids(reply.buttons) == [twelve[11], twelve[9]]


async def test_latest_uses_the_chat_subscriptions(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many(
        [article("Про спорт", rubric="Спорт"), article("Про политику", rubric="Политика")]
    )
    await tg.send("/subscribe Спорт")
    text = parse_html(only(await tg.send("/latest")).text).text
    assert text.startswith("🗞 Свежее по вашим подпискам\n\n1. Про спорт")
    assert "Про политику" not in text


async def test_an_item_shows_headline_date_hashtags_summary_and_link(
    tg: Tg, store: Storage
) -> None:
    await store.articles.upsert_many(
        [
            article(
                "Сенат принял закон",
                tags=("Референдум-2026",),
                rubric="Политика",
                day=12,
                brief="Сенат одобрил поправки.",
                url="https://www.zakon.kz/a/1",
            )
        ]
    )
    reply = only(await tg.send("/latest 1"))
    assert reply.text == (
        "🗞 <b>Свежие новости</b>\n\n"
        "1. <b>Сенат принял закон</b>\n"
        "<i>2026-01-12 · #Референдум_2026 #Политика</i>\n"
        "Сенат одобрил поправки.\n"
        '🔗 <a href="https://www.zakon.kz/a/1">zakon.kz</a>'
    )
    assert reply.params["link_preview_options"]


@pytest.mark.parametrize("bad", ["0", "21", "-3", "2.5", "100500", "Политика 100"])
async def test_a_bad_count_gets_a_clear_message(tg: Tg, twelve: list[int], bad: str) -> None:
    reply = only(await tg.send(f"/latest {bad}"))
    assert "от 1 до 20" in reply.text
    assert f"«{bad.split()[-1]}»" in reply.text


async def test_unknown_tag_suggests_the_closest_with_buttons(tg: Tg, twelve: list[int]) -> None:
    reply = only(await tg.send("/latest выбры"))
    assert reply.text == "Тега #выбры нет. Может быть, вы имели в виду #Выборы?"
    listing = only(await tg.press(reply.button("#Выборы"), on=reply))
    assert parse_html(listing.text).text.startswith("🗞 Свежее по тегу #Выборы")


async def test_unknown_tag_without_anything_close(tg: Tg, twelve: list[int]) -> None:
    reply = only(await tg.send("/latest Кулинария"))
    assert reply.text == "Тега #Кулинария нет. Все теги — /tags."


async def test_a_tag_followed_before_it_had_news_has_no_news_yet(tg: Tg, store: Storage) -> None:
    await store.articles.upsert_many([article("Новость", tags=("Выборы",))])
    offer = only(await tg.send("/subscribe Кулинария"))
    await tg.press(offer.button("Всё равно"), on=offer)
    assert await store.chats.subscribed_keys(USER_ID) == {"кулинария"}
    reply = only(await tg.send("/latest кулинария"))
    assert reply.text.startswith("По тегу #Кулинария новостей пока нет — вы подписаны")


@pytest.mark.parametrize(
    "typed", ["9" * 4000, "Политика " + "9" * 4000, "#" + "Я" * 4000, "!" * 4000, "ы " * 2000]
)
async def test_a_message_long_argument_gets_a_reply_quoting_a_fragment(
    tg: Tg, twelve: list[int], typed: str
) -> None:
    reply = only(await tg.send(f"/latest {typed}"))
    assert not reply.text.startswith("Извините")
    assert len(reply.text) < 600


async def test_no_articles_at_all(tg: Tg) -> None:
    assert only(await tg.send("/latest")).text == "Новостей пока нет."


HOSTILE_TITLES = [
    '<script>alert("x")</script>',
    "Tom & Jerry & Co",
    '<a href="https://evil.example">Нажми</a>',
    "</b></i><b>",
]


async def test_hostile_article_text_cannot_break_markup_or_inject_links(
    tg: Tg, store: Storage
) -> None:
    await store.articles.upsert_many(
        [
            article(title, brief=title, tags=(title,), url=f"javascript:alert({i})")
            for i, title in enumerate(HOSTILE_TITLES)
        ]
    )
    reply = only(await tg.send("/latest"))  # the session refuses invalid HTML
    parsed = parse_html(reply.text)
    for title in HOSTILE_TITLES:
        assert title in parsed.text
    assert not [e for e in parsed.entities if e["type"] in ("text_link", "url")]


async def test_a_long_page_is_split_between_items_with_buttons_on_each_part(
    tg: Tg, store: Storage
) -> None:
    await store.articles.upsert_many(
        [article(f"Длинная {i}", brief="Очень длинно. " * 100) for i in range(21)]
    )
    calls = sent(await tg.send("/latest 20"))
    assert len(calls) > 1
    numbers = [label for call in calls for label, _ in call.buttons if label.startswith("📖")]
    assert numbers == [f"📖 {i}" for i in range(1, 21)]
    for call in calls:
        shown = {int(line.split(".")[0]) for line in parse_html(call.text).text.splitlines()
                 if line.split(".")[0].isdigit()}  # fmt: skip
        assert shown == {int(label.split()[1]) for label, _ in call.buttons if "📖" in label}
    assert [label for label, _ in calls[-1].buttons][-1] == "Ещё ⬇️"
    assert all("Ещё ⬇️" not in str(c.buttons) for c in calls[:-1])


async def test_an_expired_more_button_says_so(tg: Tg) -> None:
    calls = await tg.press(MorePage(ref=123456, limit=5, shown=5, cursor="abc.1"))
    answer = only(calls, "answerCallbackQuery")
    assert answer.params["text"] == "Эта кнопка устарела — повторите команду."


async def test_more_pages_hide_muted_articles_as_the_first_page_does(
    tg: Tg, twelve: list[int]
) -> None:
    await tg.send("/mute выборы")  # "Выборы" tags the odd ones: 1, 3 … 11
    first = only(await tg.send("/latest"))
    assert parse_html(first.text).text.startswith("🗞 Свежие новости\n\n1. Новость 10\n")
    second = only(await tg.press(first.button("Ещё"), on=first))
    numbered = [line for line in parse_html(second.text).text.splitlines() if ". Новость" in line]
    assert numbered == ["3. Новость 6", "4. Новость 4", "5. Новость 2"]
    assert read_ids(second.buttons) == [twelve[6], twelve[4], twelve[2]]
    third = only(await tg.press(second.button("Ещё"), on=second))
    assert parse_html(third.text).text.startswith("6. Новость 0\n")
    # A page the mutes empty gives way to the next.
    assert parse_html(only(await tg.send("/latest 1")).text).text.startswith(
        "🗞 Свежие новости\n\n1. Новость 10\n"
    )


async def test_more_pages_of_a_tag_asked_for_by_name_show_it_though_muted(
    tg: Tg, twelve: list[int]
) -> None:
    await tg.send("/mute выборы")
    first = only(await tg.send("/latest #выборы 2"))
    assert read_ids(first.buttons) == [twelve[11], twelve[9]]
    second = only(await tg.press(first.button("Ещё"), on=first))
    assert read_ids(second.buttons) == [twelve[7], twelve[5]]
