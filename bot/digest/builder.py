"""What goes into a digest: the chat's new stories, each once, as a front page.

Pure functions over plain data, so the rules are tested without a database: the planner
fetches the new articles of the chat's tags (``ArticleRepo.since``), the stories the chat
was already sent and the articles of each story, and hands them here.

The rules:

* **Recent news only.** An article counts if it was published at most :data:`WINDOW`
  before the digest, and not before the day the chat subscribed to the tag (or followed the
  phrase) it matched (``starts``): a first digest brings today's news, not the archive.
* **Each story once.** The articles of one event make one item, shown by its lead (see
  :func:`bot.pages.tell`); a story the chat was already sent — in a digest, a page of one,
  or an alert — is not sent again, however much it grew since.
* **A front page.** «Главное» opens it: up to :data:`MAIN_STORIES` stories that several
  outlets told, the most outlets first. Then a section per tag or followed phrase (a story in
  the first of the chat's sections it matched: its tags in the order subscribed, then its
  phrases in the order followed), the section with the freshest story first; freshest first
  inside.

A followed phrase's section is a :class:`~bot.models.Tag` whose key is the phrase's key after
:data:`PHRASE` (:func:`phrase_section`), so sections of both kinds share one key space: the
builder, the forum split and the renderer tell them apart by that mark alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.models import Article, Chat, Story, Tag

WINDOW = timedelta(hours=48)
"""How old an article may be to count as news in a digest."""
MAIN_STORIES = 3
"""Stories in «Главное», at most; each told by two outlets or more."""
PHRASE = "\x1f"
"""Opens the section key of a followed phrase: no tag key holds it (``tag_key`` turns it,
whitespace to Python, into ``_``), so a phrase and a tag of one word stay apart."""


def phrase_section(phrase: str, key: str) -> Tag:
    """The section of a followed phrase: shown as written (its quotes dropped, as alerts show
    it), keyed by :data:`PHRASE` and the phrase's key."""
    return Tag(PHRASE + key, phrase.replace('"', ""))


def is_phrase(section: Tag) -> bool:
    """Whether a digest section is a followed phrase's (else a tag's)."""
    return section.key.startswith(PHRASE)


@dataclass(slots=True)
class Digest:
    """A chat's digest: «Главное», then groups by tag or followed phrase (see
    :func:`is_phrase`), with ``more`` stories past the cap.

    ``after`` and ``upto`` bound the article ids it covers (``after < id <= upto``).
    """

    chat_id: int
    after: int
    upto: int
    main: list[Story] = field(default_factory=list)
    groups: list[tuple[Tag, list[Story]]] = field(default_factory=list)
    more: int = 0
    subscribed: bool = True

    @property
    def shown(self) -> int:
        return len(self.main) + sum(len(stories) for _tag, stories in self.groups)

    @property
    def empty(self) -> bool:
        return not self.main and not self.groups

    @property
    def stories(self) -> list[int]:
        """The ids of the stories shown, in reading order."""
        return [story.id for _n, _tag, story in self.numbered()]

    def numbered(self) -> list[tuple[int, Tag | None, Story]]:
        """Stories in reading order with their number (1, 2, …) and their section's tag
        (None for «Главное»)."""
        items: list[tuple[int, Tag | None, Story]] = [
            (number, None, story) for number, story in enumerate(self.main, 1)
        ]
        for tag, stories in self.groups:
            items.extend((len(items) + 1, tag, story) for story in stories)
        return items


Found = Sequence[tuple[Article, frozenset[str]]]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A story with new articles for a chat: its freshest such article and the keys of the
    chat's sections (tags, followed phrases) its new articles matched."""

    story: int
    newest: Article
    keys: frozenset[str]


def candidates(
    found: Found, *, upto: int, since: datetime, starts: Mapping[str, datetime]
) -> list[Candidate]:
    """The stories of ``found`` (new articles, newest first, with the section keys each
    matched) that count as news (see the module docstring), freshest first."""
    stories: dict[int, Candidate] = {}
    latest = max(starts.values(), default=since)  # an article after it counts for every tag
    for article, keys in found:
        if article.id is None or article.id > upto or article.published < since:
            continue
        fresh = keys
        if article.published < latest:
            fresh = frozenset(k for k in keys if article.published >= starts.get(k, since))
        if not fresh:
            continue
        story = article.story or article.id
        known = stories.get(story)
        if known is None:
            stories[story] = Candidate(story, article, fresh)
        elif not fresh <= known.keys:
            stories[story] = Candidate(story, known.newest, known.keys | fresh)
    return list(stories.values())


def compose(
    chat: Chat,
    found: Sequence[Candidate],
    tell: Callable[[Candidate], Story],
    *,
    after: int,
    upto: int,
    cap: int,
    main: int = MAIN_STORIES,
    sections: Sequence[Tag] | None = None,
) -> Digest:
    """The digest of the candidates not yet sent (``found``, freshest first): «Главное»
    (``main`` stories at most), then the freshest others by section, ``cap`` in all.
    ``tell`` makes a candidate the story shown. ``sections``: the chat's tags and followed
    phrases in order (:func:`phrase_section`); its tags when not given."""
    sections = chat.subscriptions if sections is None else sections
    digest = Digest(chat.id, after, upto, subscribed=bool(sections))
    if not sections or not found:
        return digest
    told = [(candidate, tell(candidate)) for candidate in found]
    several = [item for item in told if item[1].outlets > 1]
    # The most outlets first; of equals, the fresher (sorted() keeps the freshest-first order).
    leading = sorted(several, key=lambda item: -item[1].outlets)[: min(main, cap)]
    digest.main = [story for _candidate, story in leading]
    chosen = {candidate.story for candidate, _story in leading}
    rest = [item for item in told if item[0].story not in chosen]
    page = rest[: cap - len(leading)]
    digest.more = len(rest) - len(page)
    order = {section.key: rank for rank, section in enumerate(sections)}
    grouped: dict[int, list[Story]] = {}
    for candidate, story in page:  # freshest first: so are the sections' first stories
        ranks = [order[key] for key in candidate.keys if key in order] or [0]
        grouped.setdefault(min(ranks), []).append(story)
    digest.groups = [(sections[rank], stories) for rank, stories in grouped.items()]
    return digest
