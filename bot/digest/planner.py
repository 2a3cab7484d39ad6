"""The digest planner: gives chats a due instant, claims the due ones, builds their digests.

A pass at instant ``now``:

1. chats whose ``next_digest_at`` was cleared (new chat; schedule, zone or pause changed) get
   one (:func:`bot.digest.schedule.first_due`);
2. due chats (active, not paused, ``next_digest_at <= now``) are claimed in batches, one
   transaction each, which the planner owns: it claims the chats
   (:meth:`bot.storage.digests.DigestRepo.claim_due`), builds their digests, writes them to
   the outbox and moves the chats' cursor and schedule on, or none of it.

A chat's sections are its tags and its followed phrases in digest mode; phrases in instant
mode are the alert worker's and stay out of the digest. Paused and inactive chats are never
due. A chat without sections, or with nothing new, gets no message (unless
``DIGEST_SEND_EMPTY``) and its schedule moves on; its cursor moves only with a digest that
has news, so news that comes in later still finds its way into the next one. The stories a
digest sends are marked as received in the same transaction, and no digest sends a story the
chat received before (see :mod:`bot.digest.builder`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.digest.builder import (
    MAIN_STORIES,
    WINDOW,
    Candidate,
    Digest,
    candidates,
    compose,
    is_phrase,
    phrase_section,
)
from bot.digest.fresh import MAX_BACKLOG, WINDOW_AFTER, NewArticles
from bot.digest.render import ItemCache, render_digest
from bot.digest.schedule import (
    chat_schedule,
    first_due,
    interval,
    next_after,
    stored_schedule,
    zone,
)
from bot.digest.topics import in_thread, limit_for, split_by_thread
from bot.follows import Follow, Mute, hides
from bot.models import Article, Chat, Story, Tag
from bot.pages import tell
from bot.storage import ArticleRepo, Repositories, Storage
from bot.storage.records import ClaimResult, DigestRun, OutboxMessage, PlannedDigest
from bot.storage.rows import times_from_text

logger = logging.getLogger(__name__)

BATCH = 200  # chats per claiming transaction: short enough not to hold up handlers
# New articles read for one digest at most: far more than a day's news of a chat's tags.
MAX_CANDIDATES = 2_000


@dataclass(slots=True)
class PassContext:
    """What the chats of one planning pass share: its instant, article snapshot, caches."""

    now: datetime
    upto: int  # the highest article id the pass covers
    fresh: NewArticles
    items: ItemCache = field(default_factory=ItemCache)
    told: dict[int, Story] = field(default_factory=dict)  # stories as shown, by id


@dataclass(slots=True)
class Preview:
    """What a chat would get now, without anything being stored."""

    chat: Chat
    digest: Digest
    messages: list[OutboxMessage]


class Planner:
    """Turns due chats into outbox rows; shared by the worker, the CLI and ``/digest``.

    ``window_after``: see :class:`~bot.digest.fresh.NewArticles`.
    """

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        *,
        batch: int = BATCH,
        window_after: int = WINDOW_AFTER,
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.batch = batch
        self.window_after = window_after

    async def schedule(self, now: datetime) -> int:
        """Give every chat without a due instant its next one; returns how many."""
        done = 0
        seen: set[int] = set()
        while True:
            chats = [c for c in await self.storage.digests.unscheduled() if c.id not in seen]
            if not chats:
                return done
            seen.update(c.id for c in chats)
            planned = []
            for chat in chats:
                tz = zone(chat.timezone, self.settings.default_timezone)
                times = times_from_text(chat.digest_time)
                at = stored_schedule(times, chat.digest_days, self.settings.digest_time)
                planned.append((chat, first_due(now, chat.updated_at, at, tz)))
            await self.storage.digests.schedule(planned)
            done += len(planned)

    async def run_due(self, now: datetime) -> DigestRun | None:
        """One planning pass at ``now``; the run, or ``None`` when no chat was due."""
        await self.schedule(now)
        if await self.storage.digests.count_due(now) == 0:
            return None
        run_id = await self.storage.digests.start_run(now)
        # One article snapshot for the whole pass: what is ingested meanwhile has higher
        # ids and waits for the next digest (the cursors stop at ``upto``).
        context = PassContext(
            now, await self.storage.articles.max_id(), self._fresh(self.storage.articles)
        )

        claimed = digests = messages = 0
        while True:
            async with self.storage.transaction() as tx:
                chats = await tx.digests.claim_due(now, self.batch)
                planned = await self.build(chats, context, scheduled=True, repos=tx)
                result = await self._enqueue(tx, planned, run_id) if chats else ClaimResult()
            claimed += result.chats
            digests += result.digests
            messages += result.messages
            if result.messages:
                self.storage.outbox.notify()
            if result.chats < self.batch:
                break
        logger.info(
            "digest run %d planned for %s: %d chats due, %d digests, %d messages",
            run_id,
            now.isoformat(timespec="seconds"),
            claimed,
            digests,
            messages,
        )
        finished = await self.storage.digests.finish_planning(run_id)
        if finished is not None:  # nothing to send
            logger.info("digest run %d finished: %s", run_id, finished.summary())
            return finished
        return await self.storage.digests.run(run_id)

    async def send_now(self, chat_id: int, now: datetime | None = None) -> PlannedDigest | None:
        """``/digest``: enqueue what the chat would get next; its schedule stays as it is."""
        moment = now or datetime.now(UTC)

        async with self.storage.transaction() as tx:
            chat = await tx.digests.claim_chat(chat_id)
            if chat is None:
                return None
            # Inside the claiming transaction: nothing is ingested between these reads.
            upto = await tx.articles.max_id()
            context = PassContext(moment, upto, self._fresh(tx.articles))
            [planned] = await self.build([chat], context, scheduled=False, repos=tx)
            await self._enqueue(tx, [planned], None)
        if planned.messages:
            self.storage.outbox.notify()
        return planned

    @staticmethod
    async def _enqueue(
        tx: Repositories, planned: list[PlannedDigest], run_id: int | None
    ) -> ClaimResult:
        """The digests into the outbox, their stories marked as received and their chats
        moved on, in the claim's transaction."""
        result = await tx.outbox.enqueue(planned, run_id)
        result.chats = len(planned)
        for digest in planned:
            if digest.messages:
                await tx.received.mark(digest.chat_id, digest.stories)
        await tx.digests.advance(planned, run_id, result)
        return result

    async def preview(self, chat_id: int, now: datetime | None = None) -> Preview | None:
        """The digest the chat would get now; nothing is stored."""
        chat = await self.storage.digests.chat(chat_id)
        if chat is None:
            return None
        moment = now or datetime.now(UTC)
        upto = await self.storage.articles.max_id()
        context = PassContext(moment, upto, self._fresh(self.storage.articles))
        phrases = await digest_phrases(self.storage, [chat.id])
        digest = await self.digest(chat, context, self.storage, phrases=phrases[chat.id])
        await _know_tags(self.storage, digest, context.items)
        day = moment.astimezone(self.zone(chat)).date()
        threads = _threads(chat, phrases[chat.id])
        messages = self.render(
            chat, digest, day, scheduled=True, cache=context.items, threads=threads
        )
        return Preview(chat, digest, messages)

    async def page(self, chat: Chat, after: int, upto: int, now: datetime | None = None) -> Digest:
        """The next page of a digest past its cap ("more"): the stories of its articles
        (``after < id <= upto``) the chat has not received yet, marked as received now."""
        chat.digest_cursor = after
        context = PassContext(now or datetime.now(UTC), upto, self._fresh(self.storage.articles))
        digest = await self.digest(chat, context, self.storage, main=0)
        await self.storage.received.mark(chat.id, digest.stories)
        return digest

    async def digest(
        self,
        chat: Chat,
        context: PassContext,
        repos: Repositories,
        *,
        main: int = MAIN_STORIES,
        phrases: list[Follow] | None = None,
    ) -> Digest:
        """The chat's new stories (articles ``cursor < id <= upto`` of its tags and followed
        phrases in digest mode, recent, not received before), as a front page of at most
        ``DIGEST_MAX_ITEMS``. ``phrases``: the chat's digest-mode follows, when read already."""
        upto = context.upto
        if phrases is None:
            phrases = (await digest_phrases(repos, [chat.id]))[chat.id]
        followed = {phrase_section(f.phrase, f.key): f for f in phrases}
        sections: list[Tag] = [*chat.subscriptions, *followed]
        if not sections:
            return Digest(chat.id, chat.digest_cursor, upto, subscribed=False)
        keys = [tag.key for tag in chat.subscriptions]
        after = max(chat.digest_cursor, upto - MAX_BACKLOG)
        since = context.now - self.window(chat, context.now)
        found = await context.fresh.recent(
            after,
            keys,
            upto=upto,
            since=since,
            cap=MAX_CANDIDATES,
            phrases={section.key: f.key for section, f in followed.items()},
        )
        tz = self.zone(chat)
        starts = {key: _day_start(at, tz) for key, at in chat.subscribed_at.items()}
        for section, follow in followed.items():
            if follow.created_at is not None:
                starts[section.key] = _day_start(follow.created_at, tz)
        new = candidates(found, upto=upto, since=since, starts=starts)
        received = await repos.received.seen(chat.id, [c.story for c in new])
        new = [c for c in new if c.story not in received]
        if mutes := await repos.follows.mutes(chat.id, context.now):
            new = [c for c in new if not _hidden(mutes, c.newest)]
        missing = [c.story for c in new if c.story not in context.told]
        for story, members in (await repos.stories.members(missing)).items():
            if members:
                context.told[story] = tell(members)

        def shown(candidate: Candidate) -> Story:
            return context.told.get(candidate.story) or Story(candidate.newest)

        cap = self.settings.digest_max_items
        return compose(
            chat, new, shown, after=after, upto=upto, cap=cap, main=main, sections=sections
        )

    async def build(
        self, chats: list[Chat], context: PassContext, *, scheduled: bool, repos: Repositories
    ) -> list[PlannedDigest]:
        """Digests for claimed chats; runs inside the claiming transaction (``repos``)."""
        planned = []
        followed = await digest_phrases(repos, [chat.id for chat in chats])
        for chat in chats:
            tz = self.zone(chat)
            due = chat.next_digest_at if scheduled and chat.next_digest_at else context.now
            phrases = followed[chat.id]
            digest = await self.digest(chat, context, repos, phrases=phrases)
            await _know_tags(repos, digest, context.items)
            day = due.astimezone(tz).date()
            messages = self.render(
                chat,
                digest,
                day,
                scheduled=scheduled,
                cache=context.items,
                threads=_threads(chat, phrases),
            )
            following = None
            if scheduled:
                at = chat_schedule(chat, self.settings.digest_time)
                following = next_after(due, context.now, at, tz)
            # Only news moves the cursor: what an empty run skipped may still be recent later.
            cursor = chat.digest_cursor if digest.empty else context.upto
            planned.append(
                PlannedDigest(chat.id, messages, cursor, following, stories=digest.stories)
            )
        return planned

    def _fresh(self, articles: ArticleRepo) -> NewArticles:
        return NewArticles(articles, window_after=self.window_after)

    def zone(self, chat: Chat) -> ZoneInfo:
        return zone(chat.timezone, self.settings.default_timezone)

    def window(self, chat: Chat, now: datetime) -> timedelta:
        """How far back a digest reads news: :data:`WINDOW`, or the time since the schedule's
        previous digest when that is longer (a weekly digest carries its week). With several
        digests a day the cursor does the rest: each carries what came since the last."""
        due = chat.next_digest_at or now
        schedule = chat_schedule(chat, self.settings.digest_time)
        return max(WINDOW, interval(due, schedule, self.zone(chat)))

    def render(
        self,
        chat: Chat,
        digest: Digest,
        day: date,
        *,
        scheduled: bool,
        cache: ItemCache,
        threads: Mapping[str, int] | None = None,
    ) -> list[OutboxMessage]:
        """The digest's messages; ``threads``: the forum topic of each section bound to one
        (the chat's tags' when not given)."""
        tz = zone(chat.timezone, self.settings.default_timezone)
        try:
            messages: list[OutboxMessage] = []
            bound = chat.threads if threads is None else threads
            for thread, part in split_by_thread(digest, bound):
                rendered = render_digest(
                    part,
                    language=chat.language,
                    tz=tz,
                    day=day,
                    cache=cache,
                    send_empty=scheduled and self.settings.digest_send_empty and digest.empty,
                    limit=limit_for(thread),
                )
                messages += in_thread(rendered, thread)
            return messages
        except ValueError:
            # An item too long for one message: never cut inside one, so skip this digest
            # rather than block every later one.
            logger.exception("cannot render the digest of chat %d; skipped", chat.id)
            return []


async def digest_phrases(repos: Repositories, chat_ids: list[int]) -> dict[int, list[Follow]]:
    """The chats' followed phrases in digest mode, each chat's in the order followed."""
    found = await repos.follows.of_chats(chat_ids)
    return {
        chat_id: [f for f in found.get(chat_id, []) if f.mode == "digest"] for chat_id in chat_ids
    }


def _threads(chat: Chat, phrases: list[Follow]) -> dict[str, int]:
    """The forum topic of each of the chat's sections bound to one: its tags', and its
    phrases' (a phrase followed inside a topic has its section there, as a tag does)."""
    bound = dict(chat.threads)
    for follow in phrases:
        if follow.thread_id is not None:
            bound[phrase_section(follow.phrase, follow.key).key] = follow.thread_id
    return bound


async def _know_tags(repos: Repositories, digest: Digest, cache: ItemCache) -> None:
    """The ids of the digest's tags (its sections' «🔗» buttons name them), once a pass."""
    missing = [
        tag.key
        for tag, _stories in digest.groups
        if tag.key not in cache.tag_ids and not is_phrase(tag)
    ]
    if missing:
        found = await repos.articles.tag_ids(missing)
        cache.tag_ids.update({key: found.get(key, 0) for key in missing})  # 0: no such tag


def _hidden(mutes: list[Mute], article: Article) -> bool:
    """Whether the chat muted the article's tags or words (``/mute``)."""
    return hides(mutes, article.title, article.lead, article.all_tags)


def _day_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """The start of the local day ``moment`` falls on."""
    return datetime.combine(moment.astimezone(tz).date(), time.min, tz)
