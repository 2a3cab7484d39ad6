"""Builders of synthetic articles in the text format, for tests that vary one part."""

from __future__ import annotations

from collections.abc import Sequence

LEAD = "Парламент принял закон о местных выборах в первом чтении."
TITLE = "Парламент принял закон о местных выборах"


def article_text(
    *,
    date: str = "2024-05-06",
    tags: Sequence[str] = ("Выборы-2024",),
    rubric: str | None = "Политика",
    title: str = TITLE,
    body: Sequence[str] = (LEAD, "Документ вступит в силу осенью."),
) -> str:
    """One article laid out as the format says: date line, rubric, headline, paragraphs."""
    header = " ".join([f" date {date}", *(f"#{tag}" for tag in tags)])
    lines = [header, rubric if rubric is not None else "", "", title, ""]
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"
