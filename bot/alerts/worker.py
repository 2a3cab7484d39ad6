"""The alert worker: new articles to instant alerts, through the durable outbox.

Each pass (every half second while idle, on the leader only):

1. the rules — every active chat's instant subscriptions and follows — are read into a
   :class:`bot.follows.MatchIndex` again when meta ``alert_rules`` changed;
2. the articles stored past the cursor are matched once each against all of them, and the
   (chat, article) pairs queued, the cursor moved in the same transaction (a crash repeats
   nothing and loses nothing: the next leader goes on from the cursor);
3. a chat whose oldest queued article has waited :data:`GATHER_SECONDS`, or that has
   :data:`MAX_ITEMS` queued, is flushed (up to :data:`FLUSH_BATCH` chats a transaction, all
   of a chat's in one): its articles checked again against its rules and mutes as they are
   now, the stories it already received (a digest, an earlier alert) left out, each story
   once, up to :data:`MAX_ITEMS` a message — worked out before the transaction, so that it
   holds the writer lock for the writing alone; then the messages enter the outbox, their
   stories are marked received (so the next digest does not repeat them) and the queue
   rows are deleted.

Delivery then sends them as it sends digests: the same pacing, 429 handling and crash
window. Articles dated more than :data:`MAX_AGE` ago (an archive ingested) alert no one.
While a bulk load is being stored, passes wait for it to pause, :data:`YIELD_SECONDS` at
most (:meth:`AlertWorker.yielding`): the ingest keeps the CPU and the writer lock, and
alerts fill what it leaves, as digests and alerts fill what replies leave in delivery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo

from bot.alerts.render import render_alert
from bot.config import Settings
from bot.digest.schedule import zone
from bot.errors import StorageError
from bot.follows import MatchIndex, Rules, article_words, muted
from bot.models import Article
from bot.quiet import alert_timing
from bot.storage import Repositories, Storage
from bot.storage.records import PlannedDigest, with_thread
from bot.text.tags import tag_key

logger = logging.getLogger(__name__)

GATHER_SECONDS = 3.0  # articles for one chat arriving this close together go as one message
MAX_ITEMS = 5  # articles in one alert message
POLL_SECONDS = 0.5
BATCH = 1000  # articles matched per transaction
BULK = BATCH // 2  # articles past the cursor, an ingest still storing: a bulk load
YIELD_SECONDS = 20.0  # how long alerts wait for a bulk load, at most
INGEST_QUIET = 2.0  # an ingest that stored nothing for this long has paused
FLUSH_BATCH = 500  # chats flushed per transaction
MAX_AGE = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Flush:
    """Chats' alerts worked out: their queues (article ids by chat, as read), the chats
    whose queue goes (those in quiet hours keep theirs), the messages, and the (chat,
    story) pairs they send."""

    queued: dict[int, list[int]]
    flushed: list[int]
    planned: list[PlannedDigest]
    sent: list[tuple[int, int]]


def tag_keys(article: Article) -> set[str]:
    return {tag_key(tag) for tag in article.all_tags}


class AlertWorker:
    """Matches new articles and enqueues instant alerts (see the module docstring)."""

    name = "alerts"

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        *,
        gather: float = GATHER_SECONDS,
        poll: float = POLL_SECONDS,
        bulk: int = BULK,
        yield_for: float = YIELD_SECONDS,
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.gather = gather
        self.poll = poll
        self.bulk = bulk
        self.yield_for = yield_for
        self._yielded_at: float | None = None  # when it began to wait for a bulk load
        self.index: MatchIndex[int] = MatchIndex()
        self._version: str | None = None
        self.matched = 0  # articles matched, for the benchmark
        self.match_seconds = 0.0  # CPU time matching them took

    async def run(self) -> None:
        while True:
            try:
                busy = await self.step()
            except StorageError:
                logger.exception("alerts failed; retrying in %.0f s", 5 * self.poll)
                busy = False
                await asyncio.sleep(5 * self.poll)
            if not busy:
                await asyncio.sleep(self.poll)

    async def step(self, now: float | None = None) -> bool:
        """One pass; True when there may be more to do at once."""
        moment = time.time() if now is None else now
        if await self.yielding(moment):
            return False
        await self.refresh()
        busy = await self.match(moment)
        await self.flush(moment)
        return busy

    async def yielding(self, now: float) -> bool:
        """Whether to leave the CPU and the writer lock to a bulk load for now.

        While an ingest stores articles faster than they are matched (more than ``bulk`` past
        the cursor, and it stored some in the last :data:`INGEST_QUIET` seconds), the worker
        waits, for ``yield_for`` seconds at most: the bulk load is stored at full speed, and
        its alerts go when it pauses. Having waited that long, the worker works until it has
        caught up. News arriving at the pace of feeds and the inbox never waits.
        """
        last = await self.storage.articles.last_ingest_at()
        storing = last is not None and now - last.timestamp() < INGEST_QUIET
        if not storing and self._yielded_at is None:
            return False  # the usual case, idle or a trickle: one query
        cursor = await self.storage.alerts.cursor()
        if cursor is None:
            return False
        backlog = await self.storage.articles.max_id() - cursor
        if backlog <= self.bulk:
            self._yielded_at = None  # caught up: the next bulk load may be waited for
            return False
        if not storing:
            return False
        if self._yielded_at is None:
            self._yielded_at = now
            logger.info("alerts wait for a bulk load (%d articles past the cursor)", backlog)
        return now - self._yielded_at < self.yield_for

    async def refresh(self) -> None:
        """Read the rules again if they changed since last read."""
        version = await self.storage.follows.rules_version()
        if version == self._version:
            return
        index: MatchIndex[int] = MatchIndex()
        for rule in await self.storage.follows.instant_rules():
            if rule.kind == "tag":
                index.add_tag(rule.key, rule.chat_id)
            else:
                index.add_phrase(rule.key, rule.chat_id)
        self.index, self._version = index, version

    async def match(self, now: float) -> bool:
        """Queue the chats each new article alerts; True if a full batch was read."""
        cursor = await self.storage.alerts.cursor()
        if cursor is None:  # the first run: alerts start with what is stored from now on
            await self.storage.alerts.move(await self.storage.articles.max_id())
            return False
        articles = await self.storage.alerts.articles_after(cursor, BATCH)
        if not articles:
            return False
        oldest = datetime.fromtimestamp(now, UTC) - MAX_AGE
        pairs: list[tuple[int, int]] = []
        started = time.process_time()
        for article in articles:
            if article.published < oldest or article.id is None:
                continue
            words = article_words(article.title, article.lead)
            for chat_id in self.index.match(words, tag_keys(article)):
                pairs.append((chat_id, article.id))
        self.match_seconds += time.process_time() - started
        self.matched += len(articles)
        await self.storage.alerts.queue(pairs, now, max(a.id or 0 for a in articles))
        return len(articles) == BATCH

    async def flush(self, now: float) -> int:
        """Enqueue the alerts of chats whose gathering is over; how many messages."""
        due = [
            w.chat_id
            for w in await self.storage.alerts.waiting()
            if w.count >= MAX_ITEMS or now - w.since >= self.gather
        ]
        messages = 0
        for start in range(0, len(due), FLUSH_BATCH):
            messages += await self._flush_batch(due[start : start + FLUSH_BATCH], now)
        if messages:
            self.storage.outbox.notify()
        return messages

    async def _flush_batch(self, chat_ids: Sequence[int], now: float) -> int:
        """Chats flushed; how many messages.

        The messages are worked out before the transaction that writes them, so the writer
        lock (SQLite's is one for the whole file) is held for the writing alone, and an
        ingest meanwhile does not wait for the rendering. Only this worker queues and
        flushes alerts, but a digest may meanwhile send a story planned here: if one was
        marked received in between, the flush is worked out again inside the transaction.
        """
        plan = await self._plan(self.storage, chat_ids, now)
        if plan is None:
            return 0
        async with self.storage.transaction() as tx:
            if plan.sent and await tx.alerts.received(plan.sent):
                plan = await self._plan(tx, chat_ids, now)
                if plan is None:
                    return 0
            return await self._write(tx, plan, now)

    async def _write(self, tx: Repositories, plan: Flush, now: float) -> int:
        """In a transaction: the messages into the outbox, their stories marked received
        and the flushed chats' queues emptied."""
        result = await tx.outbox.enqueue(plan.planned, None)
        await tx.alerts.mark_received(plan.sent, int(now))
        await tx.alerts.clear_chats(plan.flushed)
        return result.messages

    async def _plan(self, db: Repositories, chat_ids: Sequence[int], now: float) -> Flush | None:
        """The chats' queued articles as messages; None if nothing is queued."""
        queued = await db.alerts.queued_of(chat_ids)
        if not queued:
            return None  # flushed meanwhile
        moment = datetime.fromtimestamp(now, UTC)
        chats = await db.alerts.chats(list(queued))
        held: list[int] = []
        silent: dict[int, bool] = {}
        for chat_id, chat in chats.items():
            hold, silent[chat_id] = alert_timing(
                chat, moment, default_zone=self.settings.default_timezone
            )
            if hold is not None and hold > moment:
                held.append(chat_id)  # stays queued until then
        flushed = [c for c in queued if c not in held]
        wanted = [c for c in flushed if c in chats and chats[c].active]
        items = await self._items(db, wanted, queued)
        planned: list[PlannedDigest] = []
        sent: list[tuple[int, int]] = []
        rendered: dict[tuple[int, tzinfo], tuple[str, str]] = {}
        for chat_id, chosen in items.items():
            chat = chats[chat_id]
            tz = zone(chat.timezone, self.settings.default_timezone)
            # Each article goes to the forum topic of the first rule it matched.
            by_thread: dict[int | None, list[tuple[Article, list[str]]]] = {}
            for article, matched, thread_id in chosen:
                by_thread.setdefault(thread_id, []).append((article, matched))
            messages = []
            for thread_id, group in by_thread.items():
                for i in range(0, len(group), MAX_ITEMS):
                    message = render_alert(
                        group[i : i + MAX_ITEMS],
                        language=chat.language,
                        tz=tz,
                        silent=silent[chat_id],
                        rendered=rendered,
                    )
                    messages.append(
                        replace(message, options=with_thread(message.options, thread_id))
                    )
            planned.append(PlannedDigest(chat_id, messages, 0))
            sent.extend((chat_id, a.story or a.id or 0) for a, _m, _t in chosen)
        return Flush(queued, flushed, planned, sent)

    async def _items(
        self, db: Repositories, chat_ids: Sequence[int], queued: dict[int, list[int]]
    ) -> dict[int, list[tuple[Article, list[str], int | None]]]:
        """Per chat, the queued articles it still wants — its instant rules and mutes as they
        are now, each story once, none it received before — with what each matched (labels
        as the chat wrote them) and the forum topic of the first of them."""
        if not chat_ids:
            return {}
        rules = await db.follows.instant_of(chat_ids)
        mutes = await db.follows.mutes_of(chat_ids, datetime.now(UTC))
        ids = sorted({a for chat_id in chat_ids for a in queued[chat_id]})
        articles = {a.id: a for a in await db.alerts.articles(ids)}
        words = {i: article_words(a.title, a.lead) for i, a in articles.items()}
        tags = {i: tag_keys(a) for i, a in articles.items()}
        found: dict[int, dict[int, tuple[Article, list[str], int | None]]] = {}
        for chat_id in chat_ids:
            own: Rules[str] = Rules()
            threads: dict[str, int | None] = {}
            for kind, key, label, thread_id in rules.get(chat_id, ()):
                threads.setdefault(label, thread_id)
                if kind == "tag":
                    own.add_tag(key, label)
                else:
                    own.add_phrase(key, label)
            if not own:
                continue
            chosen: dict[int, tuple[Article, list[str], int | None]] = {}
            for article_id in queued[chat_id]:
                article = articles.get(article_id)
                if article is None:
                    continue
                matched = own.match(words[article_id], tags[article_id])
                if not matched or muted(
                    mutes.get(chat_id, ()), words[article_id], tags[article_id]
                ):
                    continue
                # Reprints of one event: the first stored stands for it.
                labels = sorted(matched)
                chosen.setdefault(
                    article.story or article_id, (article, labels, threads.get(labels[0]))
                )
            if chosen:
                found[chat_id] = chosen
        if not found:
            return {}
        seen = await db.alerts.received(
            (chat_id, story) for chat_id, chosen in found.items() for story in chosen
        )
        return {
            chat_id: [item for story, item in chosen.items() if (chat_id, story) not in seen]
            for chat_id, chosen in found.items()
            if any((chat_id, story) not in seen for story in chosen)
        }
