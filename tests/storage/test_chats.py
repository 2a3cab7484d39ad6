"""The chat store on each backend: chats, subscriptions, settings, migration, refs, stats."""

from __future__ import annotations

import asyncio
from datetime import time

import pytest

from bot.errors import IntegrityError
from bot.models import WEEKDAYS, Tag
from bot.storage import Storage


@pytest.fixture
def store(any_storage: Storage) -> Storage:
    return any_storage


async def run_sql(store: Storage, sql: str) -> None:
    """State no repository method sets; SQL without parameters reads the same on both."""
    await store.db.execute(sql)


POLITICS = Tag(key="политика", display="Политика")
REFERENDUM = Tag(key="референдум_2026", display="Референдум-2026")


async def test_a_new_chat_is_remembered_active_with_default_settings(store: Storage) -> None:
    chat = await store.chats.upsert(42, type="private", language="en")
    assert (chat.id, chat.type, chat.language, chat.active) == (42, "private", "en", True)
    assert (chat.timezone, chat.digest_time, chat.paused) == (None, None, False)
    assert await store.chats.get(43) is None


async def test_upsert_refreshes_title_and_keeps_language_when_none_given(store: Storage) -> None:
    await store.chats.upsert(-5, type="group", title="Old", language="ru")
    chat = await store.chats.upsert(-5, type="supergroup", title="New")
    assert (chat.type, chat.title, chat.language) == ("supergroup", "New", "ru")


async def test_subscriptions_keep_display_form_and_ignore_repeats(store: Storage) -> None:
    await store.chats.upsert(1)
    added = await store.chats.subscribe(1, [POLITICS, REFERENDUM])
    again = await store.chats.subscribe(1, [Tag(key="политика", display="политика")])
    assert added == [POLITICS, REFERENDUM]
    assert again == []
    chat = await store.chats.get(1, with_subscriptions=True)
    assert chat is not None
    assert {t.display for t in chat.subscriptions} == {"Политика", "Референдум-2026"}
    assert await store.chats.subscribed_keys(1) == {"политика", "референдум_2026"}


async def test_unsubscribe_returns_only_what_was_removed(store: Storage) -> None:
    await store.chats.upsert(1)
    await store.chats.subscribe(1, [POLITICS])
    removed = await store.chats.unsubscribe(1, ["политика", "спорт"])
    assert removed == [POLITICS]
    assert await store.chats.subscriptions(1) == []


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("set_timezone", "Europe/Moscow"),
        ("set_digest_time", time(7, 30)),
        ("set_paused", True),
    ],
)
async def test_changing_a_digest_setting_clears_the_next_digest_time(
    store: Storage, change: str, value: object
) -> None:
    await store.chats.upsert(1)
    await run_sql(store, "UPDATE chats SET next_digest_at = 1234 WHERE id = 1")
    assert await getattr(store.chats, change)(1, value)
    chat = await store.chats.get(1)
    assert chat is not None
    assert chat.next_digest_at is None
    assert (chat.timezone, chat.digest_time, chat.paused) != (None, None, False)


async def test_settings_round_trip(store: Storage) -> None:
    await store.chats.upsert(1)
    await store.chats.set_timezone(1, "Asia/Almaty")
    await store.chats.set_digest_time(1, time(8, 5))
    await store.chats.set_paused(1, True)
    chat = await store.chats.get(1)
    assert chat is not None
    assert (chat.timezone, chat.digest_time, chat.paused) == ("Asia/Almaty", time(8, 5), True)
    await store.chats.set_digest_time(1, None)
    chat = await store.chats.get(1)
    assert chat is not None
    assert chat.digest_time is None


async def test_deactivate_reports_whether_the_chat_was_active(store: Storage) -> None:
    await store.chats.upsert(1)
    assert await store.chats.deactivate(1)
    assert not await store.chats.deactivate(1)
    chat = await store.chats.get(1)
    assert chat is not None
    assert not chat.active
    reactivated = await store.chats.upsert(1)
    assert reactivated.active


async def test_migration_moves_subscriptions_and_settings(store: Storage) -> None:
    await store.chats.upsert(-1, type="group", title="G")
    await store.chats.subscribe(-1, [POLITICS])
    await store.chats.set_timezone(-1, "Europe/Moscow")
    assert await store.chats.migrate(-1, -1001)
    assert await store.chats.get(-1) is None
    chat = await store.chats.get(-1001, with_subscriptions=True)
    assert chat is not None
    assert (chat.type, chat.timezone, chat.subscriptions) == (
        "supergroup",
        "Europe/Moscow",
        [POLITICS],
    )
    assert not await store.chats.migrate(-1, -1001)  # the second service message is a no-op


async def test_migration_merges_into_an_already_seen_supergroup(store: Storage) -> None:
    await store.chats.upsert(-1, type="group")
    await store.chats.subscribe(-1, [POLITICS])
    await store.chats.set_digest_time(-1, time(7, 0))
    await store.chats.upsert(-1001, type="supergroup")
    await store.chats.subscribe(-1001, [REFERENDUM])
    assert await store.chats.migrate(-1, -1001)
    chat = await store.chats.get(-1001, with_subscriptions=True)
    assert chat is not None
    assert {t.key for t in chat.subscriptions} == {POLITICS.key, REFERENDUM.key}
    assert chat.digest_time == time(7, 0)
    assert await store.chats.get(-1) is None


async def test_refs_are_stable_and_resolve_back(store: Storage) -> None:
    first = await store.chats.refs(["tag:Политика", "page:{}"])
    again = await store.chats.ref("tag:Политика")
    assert again == first[0]
    assert await store.chats.deref(first[1]) == "page:{}"
    assert await store.chats.deref(999_999) is None
    assert await store.chats.prune_refs(older_than=-10) == 2


async def test_stats_count_chats_and_subscriptions_of_active_chats(store: Storage) -> None:
    await store.chats.upsert(1)
    await store.chats.upsert(2)
    await store.chats.upsert(-3, type="group")
    await store.chats.subscribe(1, [POLITICS])
    await store.chats.subscribe(2, [POLITICS, REFERENDUM])
    await store.chats.deactivate(2)
    await run_sql(
        store,
        "INSERT INTO outbox (chat_id, text, status, created_at) VALUES "
        "(1, 'a', 'failed', 0), (1, 'b', 'pending', 0), (1, 'c', 'sent', 0)",
    )
    await run_sql(
        store,
        "INSERT INTO digest_runs (due_at, started_at, finished_at, sent, failed) "
        "VALUES (90, 100, 160, 7, 1)",
    )
    stats = await store.chats.stats()
    assert (stats.chats, stats.active_chats, stats.private_chats, stats.group_chats) == (
        3,
        2,
        1,
        1,
    )
    assert stats.subscriptions == 1
    assert (stats.outbox_pending, stats.outbox_failed) == (1, 1)
    assert (stats.last_run_sent, stats.last_run_failed) == (7, 1)
    assert stats.last_run_started_at is not None
    assert stats.last_run_started_at.timestamp() == 100
    assert stats.articles == 0
    assert stats.last_ingest_at is None


async def test_settings_of_an_unknown_chat_change_nothing(store: Storage) -> None:
    assert not await store.chats.set_language(7, "en")
    assert not await store.chats.set_timezone(7, "Europe/Moscow")
    assert not await store.chats.set_digest_time(7, time(9, 0))
    assert not await store.chats.set_paused(7, True)
    assert not await store.chats.deactivate(7)
    assert await store.chats.get(7) is None


async def test_subscribing_needs_the_chat_to_exist(store: Storage) -> None:
    with pytest.raises(IntegrityError):
        await store.chats.subscribe(7, [POLITICS])
    assert await store.chats.subscriptions(7) == []


async def test_subscriptions_added_together_list_by_code_point(store: Storage) -> None:
    # Not the dictionary order of a locale: "Я" (U+042F) comes before "ё" (U+0451).
    tree, apple = Tag(key="ёлка", display="ёлка"), Tag(key="яблоко", display="Яблоко")
    await store.chats.upsert(1)
    assert await store.chats.subscribe(1, [tree, apple, tree]) == [tree, apple]
    assert await store.chats.subscriptions(1) == [apple, tree]


async def test_migration_merge_keeps_the_further_digest_cursor(store: Storage) -> None:
    await store.chats.upsert(-1, type="group", language="en")
    await store.chats.upsert(-1001, type="supergroup")
    await run_sql(store, "UPDATE chats SET digest_cursor = 50 WHERE id = -1")
    await run_sql(
        store, "UPDATE chats SET digest_cursor = 10, next_digest_at = 99 WHERE id = -1001"
    )
    assert await store.chats.migrate(-1, -1001)
    chat = await store.chats.get(-1001)
    assert chat is not None
    assert (chat.type, chat.language, chat.digest_cursor, chat.next_digest_at) == (
        "supergroup",
        "en",
        50,
        None,
    )


async def test_two_migration_messages_at_once_move_the_chat_once(store: Storage) -> None:
    await store.chats.upsert(-1, type="group")
    await store.chats.subscribe(-1, [POLITICS])
    moved = await asyncio.gather(*(store.chats.migrate(-1, -1001) for _ in range(4)))
    assert sorted(moved) == [False, False, False, True]
    assert await store.chats.subscriptions(-1001) == [POLITICS]
    assert await store.chats.get(-1) is None


async def test_refs_handed_out_at_once_agree(store: Storage) -> None:
    values = [f"page:{n}" for n in range(200)]
    batches = await asyncio.gather(
        *(store.chats.refs(values if n % 2 else values[::-1]) for n in range(6))
    )
    first = batches[0][::-1]
    assert all(batch == (first if n % 2 else first[::-1]) for n, batch in enumerate(batches))
    assert len(set(first)) == len(values)
    assert [await store.chats.deref(ref) for ref in first] == values


async def test_a_ref_in_use_is_touched_and_survives_pruning(store: Storage) -> None:
    ref = await store.chats.ref("tag:Политика")
    await run_sql(store, "UPDATE button_refs SET used_at = 0")
    assert await store.chats.prune_refs() == 1
    ref = await store.chats.ref("tag:Политика")  # a new one, after pruning
    await run_sql(store, "UPDATE button_refs SET used_at = 0")
    assert await store.chats.ref("tag:Политика") == ref  # old: marked as used again
    assert await store.chats.prune_refs() == 0
    assert await store.chats.deref(ref) == "tag:Политика"


async def test_stats_count_tags_with_articles_and_read_the_last_ingest(store: Storage) -> None:
    await run_sql(
        store,
        "INSERT INTO tags (key, display, article_count) VALUES "
        "('политика', 'Политика', 2), ('спорт', 'Спорт', 0)",
    )
    await run_sql(store, "INSERT INTO meta (key, value) VALUES ('last_ingest_at', '1772500000')")
    stats = await store.chats.stats()
    assert stats.tags == 1
    assert stats.last_ingest_at is not None
    assert stats.last_ingest_at.timestamp() == 1_772_500_000
    assert (stats.last_run_started_at, stats.last_run_sent) == (None, 0)


async def test_a_supergroup_seen_during_migration_is_merged_into(store: Storage) -> None:
    if store.backend != "postgresql":
        pytest.skip("SQLite serialises writers: no chat can appear while a migration runs")
    await store.chats.upsert(-1, type="group")
    await store.chats.subscribe(-1, [POLITICS])
    async with store.db.transaction() as other:
        await other.execute(
            "INSERT INTO chats (id, type, title, created_at, updated_at) "
            "VALUES (-1001, 'supergroup', 'S', 0, 0)"
        )
        migration = asyncio.create_task(store.chats.migrate(-1, -1001))
        # Wait until the move of the row stands behind the uncommitted supergroup.
        for _ in range(500):
            waiting = await store.db.fetchval(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE chats SET id = %'"
            )
            if waiting:
                break
            await asyncio.sleep(0.01)
        assert waiting
    assert await migration
    chat = await store.chats.get(-1001, with_subscriptions=True)
    assert chat is not None
    assert (chat.title, chat.subscriptions) == ("S", [POLITICS])
    assert await store.chats.get(-1) is None


async def test_a_schedule_and_quiet_hours_round_trip(store: Storage) -> None:
    await store.chats.upsert(1)
    await run_sql(store, "UPDATE chats SET next_digest_at = 1234 WHERE id = 1")
    assert await store.chats.set_schedule(1, [time(19), time(8), time(19)], WEEKDAYS)
    await store.chats.set_quiet_hours(1, (time(23), time(7, 30)))
    await store.chats.set_quiet_silent(1, True)
    chat = await store.chats.get(1)
    assert chat is not None
    assert chat.next_digest_at is None
    assert (chat.digest_time, chat.digest_times, chat.digest_days) == (
        time(8),
        (time(8), time(19)),
        WEEKDAYS,
    )
    assert (chat.quiet_start, chat.quiet_end, chat.quiet_silent) == (time(23), time(7, 30), True)
    # Times alone keep the days; days alone keep the times.
    await store.chats.set_schedule(1, [time(9)])
    await store.chats.set_digest_days(1, 1 << 6)
    await store.chats.set_quiet_hours(1, None)
    chat = await store.chats.get(1)
    assert chat is not None
    assert (chat.digest_times, chat.digest_days) == ((time(9),), 1 << 6)
    assert (chat.quiet_start, chat.quiet_end) == (None, None)


async def test_migration_merge_brings_the_old_groups_schedule_and_quiet_hours(
    store: Storage,
) -> None:
    await store.chats.upsert(-1, type="group")
    await store.chats.set_schedule(-1, [time(8), time(19)], WEEKDAYS)
    await store.chats.set_quiet_hours(-1, (time(22), time(6)))
    await store.chats.set_quiet_silent(-1, True)
    await store.chats.upsert(-1001, type="supergroup")
    assert await store.chats.migrate(-1, -1001)
    chat = await store.chats.get(-1001)
    assert chat is not None
    assert (chat.digest_times, chat.digest_days) == ((time(8), time(19)), WEEKDAYS)
    assert (chat.quiet_start, chat.quiet_end, chat.quiet_silent) == (time(22), time(6), True)
