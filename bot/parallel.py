"""Parsing article files on every core, for a large ingest.

Parsing a text, naming its outlet and computing its search words and story features
(:func:`analyse`) are pure functions of the text, and most of an ingest's work. :class:`Parser`
runs them in worker processes while the caller stores the batch before::

    main process                                  workers (one a core)
    read files, hash, skip known texts    ──►     parse, outlet, search words, features
    dedup, stories, SQL, print            ◄──     (article, analysis) or the error

A batch goes out as one chunk of texts (the bytes read) a worker and comes back as plain
tuples, which pickle faster than the dataclasses. The workers are forked when the parser is
made, once per ingest: make it before the process has other threads (a database
connection's, an executor's), so that no child copies a lock held half-way; forked, they
start at once, with nothing to import again (``spawn`` would import the command line anew in
each). They are used only when they can pay: for many texts and more than one core. With few
texts, where processes cannot be forked, or when a worker dies, the same work is done in this
process, and the articles are the same.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
import signal
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from bot.errors import ArticleFormatError
from bot.models import Article
from bot.stories import Features, article_features, file_outlet
from bot.text import parse_article
from bot.text.stem import article_search_words

logger = logging.getLogger(__name__)

__all__ = ["PARALLEL_FROM", "Analysis", "Parsed", "Parser", "Text", "analyse", "parse_text"]

PARALLEL_FROM = 2000
"""Texts an ingest must have for worker processes to pay: each loads the dictionaries and
fills its own word caches."""

_ARTICLE_FIELDS = tuple(field.name for field in dataclasses.fields(Article))


@dataclass(frozen=True, slots=True)
class Analysis:
    """What storing an article derives from its text: its search words and story features."""

    words: str
    features: Features


def analyse(article: Article) -> Analysis:
    """The :class:`Analysis` of a parsed article, as :meth:`bot.ingest.Ingester.store` would
    make it."""
    return Analysis(article_search_words(article), article_features(article))


class Text(NamedTuple):
    """An article file's text as read, where it came from, and the folder naming its outlet."""

    source: str
    data: bytes
    folder: Path | None


Parsed = tuple[Article, Analysis | None] | ArticleFormatError
"""A text's article and, when a worker parsed it, its analysis; or why it is no article."""


def parse_text(text: Text, summary_chars: int) -> Article:
    """The article of a file's text with its outlet; raises :class:`ArticleFormatError`, also
    for a parser bug, which costs this text and not the run."""
    try:
        article = parse_article(text.data, text.source, summary_chars=summary_chars)
    except ArticleFormatError:
        raise
    except Exception as exc:
        logger.debug("parsing %s failed", text.source, exc_info=True)
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
        raise ArticleFormatError(text.source, 1, reason) from exc
    article.outlet = file_outlet(article, text.data, text.folder)
    return article


def _start(workers: int) -> Executor | None:
    """``workers`` processes, forked now; None where that cannot be done."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_leave_interrupts)
    try:
        pool.submit(_ready)  # the first task forks every worker, before any thread starts
    except OSError as exc:  # no more processes or memory for them
        logger.warning("cannot start worker processes (%s); parsing in this process", exc)
        pool.shutdown(wait=False, cancel_futures=True)
        return None
    return pool


def _cores() -> int:
    """The cores this process may run on (fewer than the machine's under an affinity mask)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _leave_interrupts() -> None:
    """In a worker: Ctrl-C reaches the whole process group, and the main process alone
    answers it (it stops the ingest and the workers with it), in one line, not one
    traceback a process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> None:
    """The first task: none, the workers exist."""


# What a worker sends back for a text: the article's fields and its analysis's, as tuples.
_Packed = tuple[tuple[Any, ...], str, dict[str, float], frozenset[str], frozenset[tuple[int, int]]]


def _parse_chunk(texts: Sequence[Text], summary_chars: int) -> list[_Packed | ArticleFormatError]:
    """In a worker: each text's article with its analysis, packed, or its error.

    One step at a time over the whole chunk (parse all, then stem all, then features), as
    the ingest does in one process: each step's code and dictionaries stay in the CPU's
    caches, which saves about a tenth of the time.
    """
    parsed: list[Article | ArticleFormatError] = []
    for text in texts:
        try:
            parsed.append(parse_text(text, summary_chars))
        except ArticleFormatError as exc:
            parsed.append(exc)
    articles = [item for item in parsed if isinstance(item, Article)]
    words = iter([article_search_words(article) for article in articles])
    found = iter([article_features(article) for article in articles])
    packed: list[_Packed | ArticleFormatError] = []
    for item in parsed:
        if isinstance(item, ArticleFormatError):
            packed.append(item)
            continue
        features = next(found)
        fields = tuple(getattr(item, name) for name in _ARTICLE_FIELDS)
        packed.append((fields, next(words), features.headline, features.text, features.dates))
    return packed


def _unpack(packed: _Packed | ArticleFormatError) -> Parsed:
    if isinstance(packed, ArticleFormatError):
        return packed
    fields, words, headline, text, dates = packed
    return Article(*fields), Analysis(words, Features(headline, text, dates))


class Parser:
    """Parses batches of texts, in worker processes when it is given some.

    :meth:`parse` starts a batch and returns at once; the batch's result is awaited later, so
    the caller can store the previous batch meanwhile. Close the parser (``with``) to stop
    the workers.
    """

    def __init__(self, summary_chars: int, *, workers: int = 0) -> None:
        """``workers`` processes, forked now (0: parse in this process)."""
        self.summary_chars = summary_chars
        self._workers = workers
        self._pool = _start(workers) if workers > 0 else None

    @classmethod
    def for_texts(cls, count: int, summary_chars: int) -> Parser:
        """A parser for an ingest of about ``count`` texts: with a worker a core when they
        are many (:data:`PARALLEL_FROM`) and there is more than one core."""
        cores = _cores()
        return cls(summary_chars, workers=cores if cores > 1 and count >= PARALLEL_FROM else 0)

    @property
    def parallel(self) -> bool:
        """Whether texts are parsed in worker processes."""
        return self._pool is not None

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (after the work they were given)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown()

    def parse(self, texts: Sequence[Text]) -> asyncio.Future[list[Parsed]]:
        """Start parsing ``texts``; the future gives one :data:`Parsed` per text, in order.

        In this process the work is done before this returns.
        """
        if self._pool is not None and texts:
            return asyncio.ensure_future(self._in_workers(self._pool, texts))
        done: asyncio.Future[list[Parsed]] = asyncio.get_running_loop().create_future()
        done.set_result(self._here(texts))
        return done

    async def _in_workers(self, pool: Executor, texts: Sequence[Text]) -> list[Parsed]:
        loop = asyncio.get_running_loop()
        size = -(-len(texts) // self._workers)  # one chunk a worker
        chunks = [
            loop.run_in_executor(
                pool, _parse_chunk, texts[start : start + size], self.summary_chars
            )
            for start in range(0, len(texts), size)
        ]
        try:
            done = await asyncio.gather(*chunks)
        except BrokenProcessPool as exc:
            # A worker died (out of memory, killed): this batch and the next are parsed here.
            logger.warning("a worker process failed (%s); parsing in this process instead", exc)
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            return self._here(texts)
        return [_unpack(packed) for chunk in done for packed in chunk]

    def _here(self, texts: Sequence[Text]) -> list[Parsed]:
        parsed: list[Parsed] = []
        for text in texts:
            try:
                parsed.append((parse_text(text, self.summary_chars), None))
            except ArticleFormatError as exc:
                parsed.append(exc)
        return parsed
