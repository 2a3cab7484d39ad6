"""A flood of commands to one chat is answered less, not more: through the real dispatcher,
paced on the process's pacer, with Telegram refusing some of the replies."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.delivery.pacing import Pacer
from bot.metrics import Metrics
from bot.middlewares import ThrottleMiddleware
from bot.storage import Storage
from tests.bot.conftest import USER_ID, RecordingSession, Tg, article, sent
from tests.bot.test_robustness import flood
from tests.waiting import until

pytestmark = pytest.mark.slow

COMMANDS = ["/start", "/help", "/tags", "/latest", "/settings", "/subscriptions", "/search А"]
FLOOD = 200
SECONDS = 10.0
# The instant a command of the flood was sent, as the throttle reads it: each command's task
# carries its own, so a machine too busy to run the tasks on time does not stretch the flood
# into quiet gaps (which would rightly start a new window, and a second warning).
SENT_AT: contextvars.ContextVar[float] = contextvars.ContextVar("sent_at")


def sent_at() -> float:
    return SENT_AT.get(time.monotonic())


@pytest.fixture
def real(settings: Settings) -> Settings:
    return settings.model_copy(update={"throttle_seconds": 1.0})  # the default


@pytest.fixture
def pacer(real: Settings) -> Pacer:
    return Pacer.from_settings(real)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def paced(
    real: Settings, pacer: Pacer, metrics: Metrics, store: Storage, session: RecordingSession
) -> AsyncIterator[Tg]:
    """The bot as ``run`` builds it: throttled and paced on the process's pacer."""
    bot = create_bot(real, session=session, pacer=pacer, metrics=metrics)
    throttle = ThrottleMiddleware(real.throttle_seconds, clock=sent_at)
    yield Tg(create_dispatcher(settings=real, storage=store, throttle=throttle), bot, session)
    await bot.session.close()


async def test_a_429_on_a_reply_pauses_digests_too_then_the_reply_goes_again(
    paced: Tg, pacer: Pacer, metrics: Metrics
) -> None:
    paced.session.fail("sendMessage", USER_ID, flood(1))
    reply = asyncio.create_task(paced.send("/help"))
    await until(lambda: pacer.paused_until > pacer.clock(), what="the pacer to pause")
    paused_until = pacer.paused_until
    await pacer.acquire()  # a digest's turn
    assert pacer.clock() >= paused_until
    calls = await asyncio.wait_for(reply, 30)
    assert [c.method for c in calls] == ["sendMessage", "sendMessage"]  # refused, then sent
    assert metrics.registry.get_sample_value("svodka_replies_rate_limited_total") == 1


async def test_two_hundred_commands_in_ten_seconds_get_a_bounded_answer_and_no_traceback(
    paced: Tg, store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await store.articles.upsert_many([article("А")])
    # Telegram refuses two replies with 429 during the flood.
    paced.session.fail("sendMessage", USER_ID, None, None, flood(1), None, flood(1))
    commands = itertools.cycle(COMMANDS)
    tasks = []
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG):
        for n in range(FLOOD):  # as polling hands them over: each update its own task
            at = started + n * SECONDS / FLOOD
            if at > time.monotonic():
                await asyncio.sleep(at - time.monotonic())
            SENT_AT.set(at)  # copied into the task's context as it is created
            tasks.append(asyncio.create_task(paced.send(next(commands))))
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    answers = sent(paced.session.calls)
    warnings = [c for c in answers if c.text.startswith("Не так быстро")]
    apologies = [c for c in answers if c.text.startswith("Извините")]
    # A burst of 5, then one a second for ten seconds: the rest are dropped unanswered.
    assert 10 <= len(answers) - len(warnings) <= 5 + 2 * int(SECONDS) + 2, len(answers)
    assert len(warnings) == 1  # the flood is told once
    assert apologies == []  # a refused reply gets no apology
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
