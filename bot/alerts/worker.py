"""The alert worker: new articles to instant alerts, through the durable outbox.

Each pass (about every second, on the leader only):

1. the rules — every active chat's instant subscriptions and follows — are read into a
   :class:`bot.follows.MatchIndex` again when meta ``alert_rules`` changed;
2. the articles stored past the cursor are matched once each against all of them, and the
   (chat, article) pairs queued, the cursor moved in the same transaction (a crash repeats
   nothing and loses nothing: the next leader goes on from the cursor);
3. a chat whose oldest queued article has waited :data:`GATHER_SECONDS`, or that has
   :data:`MAX_ITEMS` queued, is flushed in one transaction: its articles checked again
   against its rules and mutes as they are now, the stories it already received (a digest,
   an earlier alert) left out, each story once, up to :data:`MAX_ITEMS` a message; the
   messages enter the outbox, their stories are marked received (so the next digest does
   not repeat them) and the queue rows are deleted.

Delivery then sends them as it sends digests: the same pacing, 429 handling and crash
window. Articles dated more than :data:`MAX_AGE` ago (an archive ingested) alert no one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.alerts.render import render_alert
from bot.config import Settings
from bot.digest.schedule import zone
from bot.errors import StorageError
from bot.follows import MatchIndex, article_words, hides
from bot.models import Article, Chat
from bot.storage import Repositories, Storage
from bot.storage.records import OutboxMessage, PlannedDigest
from bot.text.tags import tag_key

logger = logging.getLogger(__name__)

GATHER_SECONDS = 3.0  # articles for one chat arriving this close together go as one message
MAX_ITEMS = 5  # articles in one alert message
POLL_SECONDS = 0.5
BATCH = 1000  # articles matched per transaction
MAX_AGE = timedelta(days=2)


def _timing(chat: Chat, now: datetime) -> tuple[None, bool]:
    """When a chat's alert may go (None: now) and whether silently."""
    # quiet hours: bot.quiet.alert_timing
    return None, False


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
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.gather = gather
        self.poll = poll
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
        await self.refresh()
        busy = await self.match(moment)
        await self.flush(moment)
        return busy

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
        messages = 0
        for waiting in await self.storage.alerts.waiting():
            if waiting.count < MAX_ITEMS and now - waiting.since < self.gather:
                continue
            async with self.storage.transaction() as tx:
                messages += await self._flush_chat(tx, waiting.chat_id, now)
        if messages:
            self.storage.outbox.notify()
        return messages

    async def _flush_chat(self, tx: Repositories, chat_id: int, now: float) -> int:
        queued = await tx.alerts.queued(chat_id)
        if not queued:
            return 0  # flushed meanwhile
        ids = [article_id for article_id, _at in queued]
        chat = await tx.chats.get(chat_id, with_subscriptions=True)
        moment = datetime.fromtimestamp(now, UTC)
        hold, silent = _timing(chat, moment) if chat is not None else (None, False)
        if hold is not None and hold > moment:
            return 0  # stays queued until then
        items = [] if chat is None or not chat.active else await self._items(tx, chat, ids)
        chunks = [items[i : i + MAX_ITEMS] for i in range(0, len(items), MAX_ITEMS)]
        planned: list[OutboxMessage] = []
        if chat is not None:
            tz = zone(chat.timezone, self.settings.default_timezone)
            for chunk in chunks:
                planned.append(render_alert(chunk, language=chat.language, tz=tz, silent=silent))
        if planned:
            await tx.outbox.enqueue([PlannedDigest(chat_id, planned, 0)], None)
            stories = [article.story or article.id or 0 for article, _m in items]
            await tx.received.mark(chat_id, stories)
        await tx.alerts.clear(chat_id, ids)
        return len(planned)

    async def _items(
        self, tx: Repositories, chat: Chat, ids: Sequence[int]
    ) -> list[tuple[Article, list[str]]]:
        """The queued articles the chat still wants, each story once, with what each
        matched (labels as the chat wrote them)."""
        rules: MatchIndex[str] = MatchIndex()
        modes = await tx.follows.subscription_modes(chat.id)
        for tag in chat.subscriptions:
            if modes.get(tag.key) == "instant":
                rules.add_tag(tag.key, "#" + tag.display)
        for follow in await tx.follows.follows(chat.id):
            if follow.mode == "instant":
                rules.add_phrase(follow.key, follow.phrase.replace('"', ""))
        if not len(rules):
            return []
        mutes = await tx.follows.mutes(chat.id)
        wanted: dict[int, tuple[Article, list[str]]] = {}
        for article in await tx.alerts.articles(ids):
            words = article_words(article.title, article.lead)
            matched = rules.match(words, tag_keys(article))
            if not matched or hides(mutes, article.title, article.lead, article.all_tags):
                continue
            story = article.story or article.id or 0
            if story not in wanted:  # reprints of one event: the first stored stands for it
                wanted[story] = (article, sorted(matched))
        seen = await tx.received.seen(chat.id, list(wanted))
        return [item for story, item in wanted.items() if story not in seen]
