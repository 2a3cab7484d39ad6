"""Pacing: token buckets that keep every Telegram limit, and never spin while waiting."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import deque

import pytest

from bot.delivery.pacing import Pacer, TokenBucket
from bot.delivery.telegram import request_body


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def max_in_window(times: list[float], period: float) -> int:
    window: deque[float] = deque()
    most = 0
    for moment in sorted(times):
        window.append(moment)
        while window[0] <= moment - period:
            window.popleft()
        most = max(most, len(window))
    return most


def test_a_bucket_of_one_spaces_tokens_by_the_interval() -> None:
    bucket = TokenBucket(rate=10.0)
    slots = [bucket.book(0.0) for _ in range(5)]
    assert slots == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_a_bucket_lets_its_capacity_through_at_once_then_paces() -> None:
    bucket = TokenBucket(rate=10.0, capacity=3)
    slots = [bucket.book(0.0) for _ in range(5)]
    assert slots == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_an_idle_bucket_does_not_save_up_more_than_its_capacity() -> None:
    bucket = TokenBucket(rate=10.0, capacity=2)
    bucket.book(0.0)
    slots = [bucket.book(100.0) for _ in range(4)]
    assert slots == pytest.approx([100.0, 100.0, 100.1, 100.2])


@pytest.mark.parametrize("rate", [25.0, 30.0, 100.0, 1000.0])
def test_global_pacing_never_exceeds_the_limit_in_any_sliding_second(rate: float) -> None:
    clock = FakeClock()
    pacer = Pacer(global_per_second=rate, chat_per_second=1, group_per_minute=20, clock=clock)
    rng = random.Random(7)
    sends = []
    for _ in range(int(rate * 5)):
        # Many senders book ahead; each wakes up to 3 ms late, at random.
        slot = pacer.global_bucket.book(clock.now)
        sends.append(slot + rng.uniform(0, 0.003))
        clock.now = max(clock.now, slot - 0.05)
    # The test server refuses a send when `rate` were accepted in the last 1 s - 20 ms.
    assert max_in_window(sends, 1.0 - 0.02) <= rate  # this send included
    achieved = (len(sends) - 1) / (max(sends) - min(sends))
    assert achieved >= 0.96 * rate


def test_a_lone_late_sender_still_keeps_the_limit() -> None:
    clock = FakeClock()
    pacer = Pacer(global_per_second=1000, chat_per_second=1, group_per_minute=20, clock=clock)
    rng = random.Random(3)
    sends = []
    for _ in range(5000):
        slot = pacer.global_bucket.book(clock.now)
        clock.now = slot + rng.uniform(0, 0.002)
        sends.append(clock.now)
    assert max_in_window(sends, 1.0 - 0.02) <= 1000


def test_one_chat_gets_a_message_a_second_and_a_group_twenty_a_minute() -> None:
    clock = FakeClock()
    pacer = Pacer(global_per_second=30, chat_per_second=1, group_per_minute=20, clock=clock)
    pacer.book_chat(1, "private")
    pacer.book_chat(-2, "supergroup")
    assert 1.0 < pacer.chat_ready_at(1) - clock.now < 1.1
    assert 3.0 < pacer.chat_ready_at(-2) - clock.now < 3.2
    assert pacer.chat_ready_at(3) == clock.now  # a chat never sent to is ready


def test_twenty_one_group_messages_take_more_than_a_minute() -> None:
    clock = FakeClock()
    pacer = Pacer(global_per_second=30, chat_per_second=1, group_per_minute=20, clock=clock)
    sends = []
    for _ in range(21):
        clock.now = pacer.chat_ready_at(-5)
        pacer.book_chat(-5, "group")
        sends.append(clock.now)
    assert max_in_window(sends, 60.0 - 0.02) <= 20


def test_a_pause_holds_every_chat_and_the_global_bucket() -> None:
    clock = FakeClock()
    pacer = Pacer(global_per_second=30, chat_per_second=1, group_per_minute=20, clock=clock)
    pacer.pause(5.0)
    assert pacer.chat_ready_at(42) == pytest.approx(clock.now + 5.0)
    assert pacer.global_bucket.book(clock.now) >= clock.now + 5.0


def test_forgetting_idle_chats_keeps_memory_bounded() -> None:
    clock = FakeClock()
    pacer = Pacer(global_per_second=30, chat_per_second=1, group_per_minute=20, clock=clock)
    for chat in range(1000):
        pacer.book_chat(chat, "private")
    clock.now += 2
    assert pacer.forget_idle() == 1000
    assert pacer.chat_ready_at(5) == clock.now


async def test_waiting_for_tokens_sleeps_instead_of_spinning() -> None:
    pacer = Pacer(global_per_second=100, chat_per_second=1, group_per_minute=20, headroom=0)
    cpu, wall = time.process_time(), time.monotonic()
    await asyncio.gather(*(pacer.acquire() for _ in range(31)))
    wall = time.monotonic() - wall
    cpu = time.process_time() - cpu
    assert 0.28 <= wall < 0.6  # 30 intervals of 10 ms after the first token
    assert cpu < wall / 2


async def test_a_pause_during_the_wait_moves_later_slots_after_it() -> None:
    pacer = Pacer(global_per_second=100, chat_per_second=1, group_per_minute=20, headroom=0)
    started = time.monotonic()
    waiting = asyncio.gather(*(pacer.acquire() for _ in range(5)))
    await asyncio.sleep(0.015)
    pacer.pause(0.2)
    times = await waiting
    assert times[-1] - started >= 0.2


async def test_replies_are_granted_before_the_digests_already_waiting() -> None:
    # 20 a second: slots 50 ms apart, so no digest is granted ahead (GRANT_AHEAD) but the first.
    pacer = Pacer(global_per_second=20, chat_per_second=1, group_per_minute=20, headroom=0)
    order: list[str] = []

    async def take(name: str, *, reply: bool) -> None:
        await pacer.acquire(reply=reply)
        order.append(name)

    digests = [asyncio.create_task(take(f"d{n}", reply=False)) for n in range(4)]
    await asyncio.sleep(0)  # the digests queue first
    replies = [asyncio.create_task(take(f"r{n}", reply=True)) for n in range(4)]
    await asyncio.gather(*digests, *replies)
    # The first digest found the bucket full; every reply then went before the rest. (A
    # sender woken too late for its slot asks again, so the order within each may vary.)
    assert order[0] == "d0"
    assert set(order[1:5]) == {"r0", "r1", "r2", "r3"}
    assert set(order[5:]) == {"d1", "d2", "d3"}


async def test_a_cancelled_wait_gives_its_turn_to_the_next() -> None:
    pacer = Pacer(global_per_second=100, chat_per_second=1, group_per_minute=20, headroom=0)
    await pacer.acquire()
    gone = asyncio.create_task(pacer.acquire(reply=True))
    kept = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    started = time.monotonic()
    await asyncio.wait_for(kept, 5)
    assert time.monotonic() - started < 1.0  # not stuck behind the cancelled reply
    assert pacer.waiting == 0


def test_a_reply_may_burst_to_a_private_chat_but_a_digest_and_a_group_may_not() -> None:
    clock = FakeClock()
    pacer = Pacer(global_per_second=30, chat_per_second=1, group_per_minute=20, clock=clock)
    for _ in range(3):  # a /latest answer of three messages goes at once
        assert pacer.chat_ready_at(7, reply=True) == clock.now
        pacer.book_chat(7, "private")
    assert pacer.chat_ready_at(7, reply=True) > clock.now  # then the chat's pace
    assert pacer.chat_ready_at(7) - clock.now > 3.0  # digests never use the burst
    pacer.book_chat(-8, "group")
    assert pacer.chat_ready_at(-8, reply=True) - clock.now > 3.0  # 20 a minute, strictly


def test_a_digest_message_carries_its_further_parameters() -> None:
    plain = json.loads(request_body(7, "<b>x</b>", None))
    assert plain == {
        "chat_id": 7,
        "text": "<b>x</b>",
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    markup = '{"inline_keyboard":[]}'
    options = '{"message_thread_id": 42, "disable_notification": true}'
    body = json.loads(request_body(7, "x", markup, options))
    assert body["message_thread_id"] == 42
    assert body["disable_notification"] is True
    assert body["reply_markup"] == {"inline_keyboard": []}
    assert body["link_preview_options"] == {"is_disabled": True}
    preview = '{"link_preview_options": {"url": "https://e.kz/a", "prefer_large_media": true}}'
    body = json.loads(request_body(7, "x", None, preview))
    assert body["link_preview_options"] == {"url": "https://e.kz/a", "prefer_large_media": True}
