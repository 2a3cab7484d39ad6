"""Articles built directly as dataclasses, so storage tests do not depend on the parser."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import Article

DAY = datetime(2026, 3, 3, tzinfo=UTC)


def article(
    title: str,
    *,
    published: datetime = DAY,
    tags: tuple[str, ...] = (),
    rubric: str | None = None,
    body: tuple[str, ...] | None = None,
    url: str | None = None,
    lead: str | None = None,
    source: str | None = "test.txt",
) -> Article:
    """A plausible article; the body defaults to one paragraph made from the title."""
    lead = lead if lead is not None else f"{title}: подробности."
    return Article(
        title=title,
        published=published,
        lead=lead,
        brief=lead,
        body=body if body is not None else (lead,),
        rubric=rubric,
        tags=tags,
        url=url,
        source=source,
    )


def at(day: int, hour: int = 0) -> datetime:
    """A moment in March 2026, for ordering tests."""
    return datetime(2026, 3, day, hour, tzinfo=UTC)
