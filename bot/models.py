"""Plain data passed between the rooms: parse → store → serve → digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

LATEST_YEAR = 2199
"""The last year an article may be dated: storage orders articles by a date it packs into
fixed bits, and a later date is a typo or an attack."""

AHEAD = timedelta(days=2)
"""How far past now an article's date still counts as today's: a file is dated by its
outlet's local day, at most one day ahead of UTC (UTC+14), and clocks drift. An article
dated later is stored, but lists show it only once its date comes, so that a wrong date
cannot keep it on top of every list."""


EVERY_DAY = 0b1111111
"""A chat's digest days as a bit mask: bit 0 is Monday, as ``date.weekday()`` counts."""
WEEKDAYS = 0b0011111  # Monday to Friday
WEEKEND = 0b1100000


def is_ahead(published: datetime, now: datetime | None = None) -> bool:
    """Whether an article's date lies past :data:`AHEAD` of now (lists hold it back)."""
    return published > (now or datetime.now(UTC)) + AHEAD


@dataclass(frozen=True, slots=True)
class Tag:
    """A hashtag or rubric: ``key`` identifies it, ``display`` is how it was written.

    ``display`` carries no leading ``#``. ``count`` is filled by queries that count articles.
    """

    key: str
    display: str
    count: int = 0


@dataclass(slots=True)
class Article:
    """One news article after parsing and cleaning.

    ``lead`` is the first real sentence of the lead paragraph (captions, datelines and the
    carrying outlet's attribution removed); ``brief`` is the cleaned lead shortened to the
    summary length; ``summary`` is the headline plus ``brief``. ``body`` holds the cleaned
    paragraphs (the lead paragraph first) without caption, "read also" lines or author.
    """

    title: str
    published: datetime  # timezone-aware, UTC
    lead: str
    brief: str
    body: tuple[str, ...] = ()
    rubric: str | None = None
    tags: tuple[str, ...] = ()  # hashtags as written, without '#'
    url: str | None = None
    author: str | None = None
    source: str | None = None  # file name, feed URL or other origin (``file`` in JSON)
    # The outlet that published it (``source`` in JSON): the one its text credits, else the
    # feed's title or host, else the folder or inbox it came from.
    outlet: str | None = None
    date_only: bool = True  # the source gave a date without a time of day
    id: int | None = None  # set once stored
    ingested_at: datetime | None = None
    # The event the article reports, shared by its reprints in other outlets: the id of the
    # story's first article (an article alone is its own story).
    story: int | None = None

    @property
    def summary(self) -> str:
        return f"{self.title}\n{self.brief}" if self.brief else self.title

    @property
    def date(self) -> str:
        """``YYYY-MM-DD`` for date-only sources, full ISO 8601 in UTC otherwise."""
        if self.date_only:
            return self.published.date().isoformat()
        return self.published.astimezone(UTC).isoformat()

    @property
    def all_tags(self) -> tuple[str, ...]:
        """Hashtags and the rubric (the rubric is a tag too), as written."""
        return (*self.tags, self.rubric) if self.rubric else self.tags


@dataclass(slots=True)
class Chat:
    """A Telegram chat the bot serves, with its digest settings.

    ``timezone`` and ``digest_time`` are ``None`` while the chat uses the defaults. The
    digest comes at each of ``digest_times`` (``digest_time`` is the first of them) on the
    weekdays of ``digest_days`` (see :mod:`bot.digest.schedule`). Quiet hours run from
    ``quiet_start`` to ``quiet_end``, local time, across midnight when the end comes first;
    alerts then wait for the end, or arrive silently if ``quiet_silent`` (see
    :mod:`bot.quiet`).
    """

    id: int
    type: str = "private"  # private, group, supergroup, channel
    title: str | None = None
    language: str | None = None
    timezone: str | None = None
    digest_time: time | None = None
    paused: bool = False
    active: bool = True
    next_digest_at: datetime | None = None  # UTC
    digest_cursor: int = 0  # highest article id already sent in a digest
    subscriptions: list[Tag] = field(default_factory=list)
    digest_times: tuple[time, ...] = ()
    digest_days: int = EVERY_DAY
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_silent: bool = False
    # When each subscription (by tag key) was made, where the digest planner needs it.
    subscribed_at: dict[str, datetime] = field(default_factory=dict)
    # The forum topic (message_thread_id) of each subscription bound to one, by tag key,
    # where the digest planner needs it: its section goes there.
    threads: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of articles and the cursor of the next (older) page, if any."""

    articles: list[Article]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Story:
    """One event as a list shows it: the article that tells it (``lead``), and an article of
    each other outlet that told it too (``others``, earliest first)."""

    lead: Article
    others: tuple[Article, ...] = ()

    @property
    def id(self) -> int:
        return self.lead.story or self.lead.id or 0

    @property
    def outlets(self) -> int:
        return 1 + len(self.others)


@dataclass(frozen=True, slots=True)
class StoryPage:
    """One page of stories and the cursor of the next (older) page, if any."""

    stories: list[Story]
    next_cursor: str | None
