"""An alert message: what it matched, its items, a "read" button for each."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.alerts.render import render_alert
from bot.callbacks import ReadArticle
from bot.models import Article


def article(number: int, title: str) -> Article:
    return Article(
        id=number,
        title=title,
        published=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
        lead=f"{title}. Подробности.",
        brief="Подробности & <детали>.",
        url=f"https://example.kz/{number}",
        date_only=False,
    )


def test_items_rendered_for_one_chat_are_reused_for_the_next_in_the_same_zone() -> None:
    one, two = article(1, "Сенат одобрил закон"), article(2, "Мажилис собрался")
    almaty, moscow = ZoneInfo("Asia/Almaty"), ZoneInfo("Europe/Moscow")
    rendered: dict[tuple[int, object], tuple[str, str]] = {}
    first = render_alert([(one, ["#Политика"]), (two, ["Сенат"])], language="ru", tz=almaty,
                         rendered=rendered)  # fmt: skip
    assert set(rendered) == {(1, almaty), (2, almaty)}
    again = render_alert([(two, ["Сенат"])], language="en", tz=almaty, rendered=rendered)
    other = render_alert([(two, ["Сенат"])], language="en", tz=moscow, rendered=rendered)
    alone = render_alert([(two, ["Сенат"])], language="en", tz=almaty)
    assert again == alone  # the cache changes nothing but the cost
    assert "14:30" in again.text
    assert "12:30" in other.text
    assert "Подробности &amp; &lt;детали&gt;." in first.text
    buttons = json.loads(first.reply_markup or "")["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["📖 1", "📖 2"]
    assert [ReadArticle.unpack(b["callback_data"]).article_id for b in buttons] == [1, 2]
