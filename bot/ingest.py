"""Storing articles with their stories: the one way articles enter the database.

Every ingest path (feeds, the inbox, ``python -m bot ingest``, the admin's ``/ingest``)
stores through an :class:`Ingester`, which owns the transaction and calls storage in steps
(see :mod:`bot.storage.writer`)::

    prepare (checks, stemming, story features)            no transaction
    ┌ claim: the ingest lock; new articles get their ids
    │ catch up: articles others stored since we looked     one transaction
    │ assign: each new article its story (StoryIndex)
    └ write

The ingest lock (:meth:`~bot.storage.sql.Database.serialize`, which the writer takes anyway)
makes assignment race-free across processes: ids rise in commit order, so under the lock
the articles above the highest id this process has seen are exactly those the others stored
meanwhile, and the index reads them before it assigns. The bot and a command-line ingest, or
several instances on PostgreSQL, thus give the stories one process would.

The index is warmed on first use from the stored articles of the last window (see
:class:`bot.stories.StoryIndex`); the CPU work of features runs in a worker thread, so the
bot keeps answering while a batch is read. One :class:`Ingester` per process: its index is
shared by every path, and its lock lets one batch in at a time.

An article's search words and story features are pure functions of its text
(:func:`bot.parallel.analyse`): a large ingest computes them in worker processes with the
parsing and hands them over with the articles, so that this process only dedupes, assigns
stories and writes.

The outlet of an article (``Article.outlet``) is settled before it gets here, by its
source (:func:`bot.stories.file_outlet`, :func:`bot.stories.feed_outlet`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from bot.models import AHEAD, Article
from bot.parallel import Analysis
from bot.storage import IngestResult, Storage
from bot.storage.records import StoryText
from bot.storage.rows import Prepared
from bot.storage.writer import Batch, looks_new
from bot.stories import DEFAULT_WINDOW, Features, StoryIndex, article_features, features

logger = logging.getLogger(__name__)

__all__ = ["Ingester"]


class Ingester:
    """Stores batches of articles, each new one with its story."""

    def __init__(self, storage: Storage, *, window: timedelta = DEFAULT_WINDOW) -> None:
        self.storage = storage
        self.window = window
        self._index: StoryIndex | None = None
        self._seen = 0  # the highest article id the index has looked at
        self._lock = asyncio.Lock()

    @property
    def examined(self) -> int:
        """Candidates the story index has scored so far: what its search cost, for benchmarks."""
        return self._index.examined if self._index is not None else 0

    async def store(
        self,
        articles: Iterable[Article],
        *,
        source_hashes: Iterable[bytes | None] | None = None,
        analyses: Sequence[Analysis | None] | None = None,
    ) -> IngestResult:
        """Store the articles (dedup, updates: see :meth:`ArticleRepo.upsert_many`); new ones
        join the story of a stored article they report, or start their own. Afterwards each
        stored article carries its ``id`` and ``story``.

        ``analyses``, one per article (None where there is none), are their
        :func:`bot.parallel.analyse` done beforehand; the rest is done here.
        """
        listed = list(articles)
        words = None if analyses is None else [a.words if a else None for a in analyses]
        batch = await self.storage.articles.prepare(
            listed, source_hashes=source_hashes, words=words
        )
        if not batch.items:
            return batch.result
        found: dict[bytes, Features] = {}
        if analyses is not None:
            # A dedup key repeated within the batch keeps its last article, as the batch does.
            found = {
                key: analysis.features
                for key, analysis in zip(batch.keys, analyses, strict=True)
                if key is not None and analysis is not None
            }
        missing = [item for item in looks_new(batch) if item.dedup_key not in found]
        if missing:
            found.update(await asyncio.to_thread(_features, missing))
        async with self._lock:
            index = await self._warm()
            try:
                async with self.storage.transaction() as tx:
                    await tx.articles.claim(batch)
                    if batch.new:
                        first = batch.new[0].id
                        await self._catch_up(index, await tx.articles.story_texts(
                            after=self._seen, upto=first - 1
                        ))  # fmt: skip
                        self._assign(index, batch, found)
                    await tx.articles.write(batch)
            except BaseException:
                self._index = None  # it may hold articles that were not stored: warm again
                raise
            for item in batch.new:
                self._seen = max(self._seen, item.id)
                if item.dedup_key in batch.failed:
                    index.remove(item.id)
        return batch.result

    async def _warm(self) -> StoryIndex:
        """The index, warmed from the stored articles of the last window on first use."""
        if self._index is not None:
            return self._index
        index = StoryIndex(window=self.window)
        upto = await self.storage.articles.max_id()
        newest = await self.storage.articles.newest_published()
        if newest is not None:
            # Not behind an article dated ahead of today: the window is today's.
            newest = min(newest, datetime.now(UTC) + AHEAD)
            texts = await self.storage.articles.story_texts(upto=upto, since=newest - self.window)
            await self._catch_up(index, texts)
            logger.info("stories: %d articles of the last %s read", len(texts), self.window)
        self._index, self._seen = index, upto
        return index

    @staticmethod
    async def _catch_up(index: StoryIndex, texts: Sequence[StoryText]) -> None:
        """Put stored articles in the index with the stories they have."""
        if not texts:
            return
        found = await asyncio.to_thread(
            lambda: [features(text.title, text.text) for text in texts]
        )
        for text, item in zip(texts, found, strict=True):
            index.add(text.id, text.published, item, text.story)

    @staticmethod
    def _assign(index: StoryIndex, batch: Batch, found: dict[bytes, Features]) -> None:
        """Stories for the batch's new articles, in order of publication: a folder read in
        name order finds the stories its dates make, and a story's id is its first's."""
        for item in sorted(batch.new, key=lambda item: (item.article.published, item.id)):
            item_features = found.get(item.dedup_key)
            if item_features is None:  # claimed new though it looked stored a moment ago
                item_features = article_features(item.article)
            item.article.story = index.assign(item.id, item.article.published, item_features)


def _features(items: Sequence[Prepared]) -> dict[bytes, Features]:
    return {item.dedup_key: article_features(item.article) for item in items}
