"""Button payloads stay within Telegram's 64 bytes, whatever they carry."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.callbacks import (
    MAX_COUNT,
    MAX_ID,
    ChannelAction,
    ChannelPanel,
    ConfirmTag,
    DigestPage,
    ExportFeeds,
    FollowLink,
    LatestForTag,
    MorePage,
    ReadArticle,
    SetPaused,
    SetTimezone,
    TagLink,
    TagsPage,
    ToggleTag,
    View,
)
from bot.handlers.listings import LATEST, SEARCH, Listing, more_button
from bot.keyboards import COMMON_TIMEZONES
from bot.storage import SqliteStorage

BIG = MAX_ID  # the largest SQLite integer: ids and refs never exceed it

LARGEST: list[CallbackData] = [
    ReadArticle(article_id=BIG),
    MorePage(ref=BIG),
    MorePage(ref=2**31, limit=20, shown=9980, cursor="-zzzzzzzzzzzzz.zzzzzzzzzzzzz"),
    TagsPage(offset=MAX_COUNT),
    ToggleTag(ref=BIG, view=View.SUBSCRIPTIONS, offset=MAX_COUNT),
    ConfirmTag(ref=BIG),
    LatestForTag(ref=BIG),
    SetPaused(paused=True),
    DigestPage(after=BIG, upto=BIG, offset=MAX_COUNT),
    *[SetTimezone(zone=zone) for zone in COMMON_TIMEZONES],
    SetTimezone(zone="America/Argentina/ComodRivadavia"),  # the longest IANA name
    FollowLink(tag=BIG),
    TagLink(tag=BIG),
    ChannelPanel(channel=-BIG, action=ChannelAction.REMOVE_CONFIRMED),
    ExportFeeds(),
]


@pytest.mark.parametrize("payload", LARGEST, ids=lambda p: type(p).__name__)
def test_every_payload_fits_64_bytes_and_round_trips(payload: CallbackData) -> None:
    packed = payload.pack()
    assert len(packed.encode()) <= 64
    assert type(payload).unpack(packed) == payload


def test_prefixes_are_unique() -> None:
    from bot.callbacks import ALL_CALLBACKS

    prefixes = [cls.__prefix__ for cls in ALL_CALLBACKS]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize(
    "listing",
    [
        Listing(kind=LATEST, limit=20, tags=("референдум_2026",) * 50, cursor="1x2y3z.abc"),
        Listing(kind=SEARCH, limit=5, query="очень длинный запрос " * 10, cursor="9.9", shown=15),
        Listing(kind=LATEST, limit=5, cursor="x" * 500, shown=10),  # an unusually long cursor
        Listing(kind=LATEST, limit=5, cursor="a:b", shown=10),  # the payload separator
    ],
)
async def test_more_buttons_fit_64_bytes_whatever_the_query_and_cursor(
    tmp_path: Path, listing: Listing
) -> None:
    store = await SqliteStorage.open(tmp_path / "db.sqlite3")
    try:
        button = await more_button(store, listing)
        assert len(button.pack().encode()) <= 64
        restored = Listing.load(
            await store.chats.deref(button.ref), MorePage.unpack(button.pack())
        )
        assert restored == listing
    finally:
        await store.close()
