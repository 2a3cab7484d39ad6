"""The record types storage exchanges with the rest of the bot, on the core's side of the seam.

Plain dataclasses: every backend returns them and every caller imports them from here (or
from :mod:`bot.storage`), never from a backend's module.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.models import EVERY_DAY


@dataclass(slots=True)
class IngestResult:
    """What one ingest did; ``failed`` counts articles skipped as invalid or refused."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class StoryText:
    """What story detection reads of a stored article: its headline and the start of its
    text (the first paragraphs, or the brief when it has no body)."""

    id: int
    published: datetime
    title: str
    text: str
    story: int


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts for the admin's /stats."""

    chats: int
    active_chats: int
    private_chats: int
    group_chats: int
    subscriptions: int  # in active chats
    articles: int
    tags: int
    last_ingest_at: datetime | None
    last_run_started_at: datetime | None
    last_run_finished_at: datetime | None
    last_run_sent: int
    last_run_failed: int
    outbox_pending: int
    outbox_failed: int


@dataclass(slots=True)
class Feed:
    """One feed row; ``tags`` and ``rubric`` are given to every article the feed brings."""

    id: int
    url: str
    title: str | None = None
    rubric: str | None = None
    tags: tuple[str, ...] = ()
    paused: bool = False
    interval_s: int | None = None  # None: the configured default interval
    ttl_s: int | None = None  # the feed's own <ttl>, in seconds
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: int = 0
    last_polled_at: int | None = None
    last_ok_at: int | None = None
    last_error: str | None = None
    error_count: int = 0
    items_ingested: int = 0
    created_at: int = 0

    @property
    def name(self) -> str:
        """The title when the feed gave one, else its URL."""
        return self.title or self.url


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message of a digest as it will be sent: HTML and the inline keyboard as JSON."""

    text: str
    reply_markup: str | None = None
    options: str | None = None  # further sendMessage parameters, a JSON object


@dataclass(slots=True)
class PlannedDigest:
    """What claiming a chat produces: its messages and the chat's new bookkeeping.

    ``next_digest_at`` ``None`` keeps the schedule (``/digest``).
    """

    chat_id: int
    messages: list[OutboxMessage]
    cursor: int
    next_digest_at: datetime | None = None
    stories: list[int] = field(default_factory=list)  # what it sends, marked as received


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """A chat without a due instant, with what computing one needs."""

    id: int
    timezone: str | None
    digest_time: str | None  # 'HH:MM', or several: '08:00,19:00'
    updated_at: datetime
    digest_days: int = EVERY_DAY  # a mask, bit 0 Monday


@dataclass(slots=True)
class ClaimResult:
    chats: int = 0
    digests: int = 0
    messages: int = 0
    chat_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class OutboxRow:
    """A pending message with what pacing it needs (the chat's type)."""

    id: int
    run_id: int | None
    chat_id: int
    chat_type: str
    text: str
    reply_markup: str | None
    attempts: int
    failures: int
    not_before: int  # Unix seconds
    options: str | None = None  # further sendMessage parameters, a JSON object
    language: str | None = None  # the chat's, for a line delivery adds (a topic gone)


@dataclass(slots=True)
class Outcomes:
    """Outcomes of sends, recorded together in one transaction (a group commit).

    ``marks`` are the frequent ones, ``(status, row, run, message_id)`` with status
    ``sending`` or ``sent``; ``finish`` names runs that may have sent their last message.
    """

    marks: list[tuple[str, int, int | None, int | None]] = field(default_factory=list)
    retry: list[tuple[int, int | None, int, str, bool]] = field(default_factory=list)
    failed: list[tuple[int, int | None, str]] = field(default_factory=list)
    release: list[int] = field(default_factory=list)  # marked sending, then not sent
    # ``(row, text, options, error)``: back to pending with another text and options (a
    # message for a forum topic that is gone, sent to the general topic instead)
    redirect: list[tuple[int, str, str | None, str]] = field(default_factory=list)
    finish: set[int] = field(default_factory=set)

    # The parameters of the outbox's statements (bot.storage.outbox), in their order.

    def mark_params(self, now: int) -> list[tuple[str, int | None, int, int]]:
        """``(status, message_id, now, row)`` for each mark."""
        return [(status, message_id, now, row) for status, row, _, message_id in self.marks]

    def retry_params(self) -> list[tuple[int, str, int, int]]:
        """``(not_before, error, failures to add, row)`` for each retry."""
        return [(at, err, int(counts), row) for row, _, at, err, counts in self.retry]

    def redirect_params(self) -> list[tuple[str, str | None, str, int]]:
        """``(text, options, error, row)`` for each redirect."""
        return [(text, options, err, row) for row, text, options, err in self.redirect]

    def failed_params(self) -> list[tuple[str, int]]:
        return [(error, row_id) for row_id, _, error in self.failed]

    def run_counts(self) -> list[tuple[int, int, int, int]]:
        """``(sent, retried, failed, run)`` for each run touched, by run id."""
        sent = Counter(run for status, _, run, _ in self.marks if status == "sent" and run)
        retried = Counter(run for _, run, *_ in self.retry if run is not None)
        failed = Counter(run for _, run, _ in self.failed if run is not None)
        runs = sorted(set(sent) | set(retried) | set(failed))
        return [(sent[run], retried[run], failed[run], run) for run in runs]


@dataclass(frozen=True, slots=True)
class Lease:
    """The answer to a lease request: held or not, and what a takeover recovered."""

    held: bool
    holder: str | None = None
    recovered: int = 0  # rows that were 'sending' under a previous holder


@dataclass(slots=True)
class DigestRun:
    """A digest run's counters, as /stats and the logs show them."""

    id: int
    due_at: datetime
    started_at: datetime
    planned_at: datetime | None = None
    finished_at: datetime | None = None
    chats_due: int = 0
    digests: int = 0
    messages: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    deactivated: int = 0

    def summary(self) -> str:
        """The run's figures in one line, for the log and the command line."""
        return (
            f"{self.chats_due} chats due, {self.digests} digests, {self.messages} messages, "
            f"{self.sent} sent, {self.retried} retried, {self.failed} failed, "
            f"{self.dropped} dropped, {self.deactivated} chats deactivated, "
            f"{self.duration or 0.0:.1f} s"
        )

    @property
    def duration(self) -> float | None:
        """Seconds from the start to the last message, while known."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


# The option of an outbox row that sends it to a forum topic.
THREAD = "message_thread_id"
# Characters a message for a forum topic keeps free for the line added should the topic be
# closed or deleted by the time it is sent (bot.delivery.topics).
NOTE_ROOM = 200


def thread_of_options(options: str | None) -> int | None:
    """The topic a row's options send it to, if any."""
    if not options or THREAD not in options:
        return None
    value = json.loads(options).get(THREAD)
    return int(value) if isinstance(value, int) else None


def with_thread(options: str | None, thread_id: int | None) -> str | None:
    """Options that send the message to a topic (``None``: to the general topic)."""
    parsed = json.loads(options) if options else {}
    parsed.pop(THREAD, None)
    if thread_id is not None:
        parsed[THREAD] = thread_id
    return json.dumps(parsed, ensure_ascii=False) if parsed else None
