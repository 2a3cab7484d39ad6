"""/mute in the digest: a muted tag or word keeps matching articles out of it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.digest.planner import Planner
from bot.follows import mute_key
from bot.storage import Storage
from tests.digest.test_planner import (
    POLITICS,
    article,
    chat_with,
    sent_texts,
    settings_for,
    titles,
    utc,
)


async def test_a_muted_word_or_tag_keeps_articles_out_of_the_digest(
    storage: Storage, db_path: Path
) -> None:
    await chat_with(storage, 1, POLITICS)
    await chat_with(storage, 2, POLITICS)
    await storage.articles.upsert_many(
        [
            article("Референдум в Армении", rubric="Политика"),
            article("Спортсмены в парламенте", "Спорт", rubric="Политика"),
            article("Бюджет принят", rubric="Политика"),
        ]
    )
    key = mute_key("Армения")
    assert key is not None
    now = utc("2026-03-01T09:00+05:00")
    await storage.follows.mute(1, "word", key, "Армения", None)
    await storage.follows.mute(1, "tag", "спорт", "Спорт", now + timedelta(days=7))
    await storage.follows.mute(2, "tag", "спорт", "Спорт", now - timedelta(hours=1))  # expired
    planner = Planner(storage, settings_for(db_path))
    await planner.run_due(utc("2026-03-01T08:00+05:00"))
    await planner.run_due(now)
    [muted] = await sent_texts(storage, 1)
    [other] = await sent_texts(storage, 2)
    assert titles(muted) == ["Бюджет принят"]
    assert titles(other) == ["Бюджет принят", "Спортсмены в парламенте", "Референдум в Армении"]
