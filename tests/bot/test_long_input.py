"""Whatever a user types after a command — up to a whole message of it — every reply stays
within Telegram's limits (the recording session refuses what Telegram refuses, and the
error handler's apology would show it): input is quoted only as a short, cut fragment."""

from __future__ import annotations

import pytest

from bot.app import MENU_COMMANDS
from bot.storage import Storage
from tests.bot.conftest import ADMIN_ID, Tg, article, sent

# Every command of every menu (the admins' too), but /addfeed, which would fetch its argument.
COMMANDS = [name for name, *_ in MENU_COMMANDS if name != "addfeed"]
ARGUMENTS = {
    "digits": "9" * 4000,
    "one word": "Я" * 4000,
    "words": "слово " * 660,
    "tags": " ".join(f"#тег{i}" for i in range(700)),
    "list": ", ".join(f"тема номер {i}" for i in range(300)),
    "markup": "<b>&amp;</b>" * 350,
}


@pytest.fixture
async def news(store: Storage) -> None:
    await store.articles.upsert_many(
        [article(f"Новость {i}", tags=("Выборы",), rubric="В мире") for i in range(3)]
    )


@pytest.mark.usefixtures("news")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("argument", list(ARGUMENTS.values()), ids=list(ARGUMENTS))
async def test_a_message_long_argument_gets_replies_telegram_accepts(
    tg: Tg, command: str, argument: str
) -> None:
    text = f"/{command} {argument}"[:4096]
    replies = sent(await tg.send(text, user_id=ADMIN_ID))
    edits = sent(tg.session.calls, "editMessageText")
    assert replies, text[:40]
    for reply in [*replies, *edits]:
        assert not reply.text.startswith("Извините"), (command, reply.text[:200])
        assert len(reply.text) < 4096
