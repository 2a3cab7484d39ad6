"""A digest as Telegram messages: a front page split between items, with its buttons.

The first message opens with the header and «Главное», under one large link preview of the
top story (where it has a link); then a section per tag or followed phrase. Each story is one item
(:func:`bot.render.render_front_item`): headline, time and «+N источников», its summary
folded in an expandable blockquote. A section's heading and the digest's header travel in
the same part as the item that follows them, so a split never leaves a heading at the
bottom of a message. Under each message: "read" buttons, one «other outlets» button per
story that has some, and on the last message "more" when stories were left over.
"""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from babel.dates import format_date

from bot.callbacks import DigestPage, ReadArticle, StoryOutlets, TagLink
from bot.digest.builder import Digest, is_phrase
from bot.i18n import LOCALES, Translator, locale_for, translator
from bot.keyboards import OUTLETS_BUTTONS_PER_ROW, READ_BUTTONS_PER_ROW, without_buttons
from bot.models import Story
from bot.render import (
    MESSAGE_LIMIT,
    PART_SEPARATOR,
    escape,
    html_len,
    plan_by_length,
    render_front_item,
    safe_url,
    shorten,
)
from bot.storage.records import OutboxMessage
from bot.text.tags import telegram_hashtag

TAG_LINKS_PER_ROW = 2

SEPARATOR_LENGTH = html_len(PART_SEPARATOR)


class ItemCache:
    """Rendered items, their lengths and button payloads: a pass renders each story once."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._items: dict[tuple[int, int, str, str], tuple[str, int]] = {}
        self._buttons: dict[tuple[str, int], str] = {}
        self._headings: dict[tuple[str, bool], tuple[str, int]] = {}
        self._labels: dict[tuple[str, int, int], str] = {}
        self._headers: dict[tuple[str | None, date], str] = {}
        self._previews: dict[str, str] = {}
        self._links: dict[tuple[str, int], str] = {}
        # Tag ids by key, for the «🔗» buttons of tag sections: whoever renders a pass asks
        # storage once for the keys it lacks (bot.digest.planner), nothing is asked here.
        self.tag_ids: dict[str, int] = {}

    def link(self, template: str, display: str, tag_id: int) -> str:
        """A tag section's «🔗» button (its deep links, :mod:`bot.handlers.links`), as JSON."""
        found = self._links.get((template, tag_id))
        if found is None:
            if len(self._links) >= self.size:
                self._links.clear()
            text = json.dumps(template.format(tag=shorten(telegram_hashtag(display), 40)))
            data = json.dumps(TagLink(tag=tag_id).pack())
            found = self._links[template, tag_id] = f'{{"text":{text},"callback_data":{data}}}'
        return found

    def item(self, story: Story, tz: ZoneInfo, sources: str) -> tuple[str, int]:
        """:func:`bot.render.render_front_item` of the story, and its length for Telegram."""
        key = (story.lead.id or 0, story.outlets, tz.key, sources)
        found = self._items.get(key)
        if found is None:
            if len(self._items) >= self.size:
                self._items.clear()
            body = render_front_item(story.lead, tz=tz, sources=sources)
            found = self._items[key] = (body, html_len(body))
        return found

    def heading(self, text: str, *, tag: bool) -> tuple[str, int]:
        """A section's heading (``<b>#Tag</b>`` for a tag's display form, ``<b>Главное</b>``)
        and its length."""
        found = self._headings.get((text, tag))
        if found is None:
            bold = f"<b>{escape(telegram_hashtag(text) if tag else text)}</b>"
            found = self._headings[text, tag] = (bold, html_len(bold))
        return found

    def header(self, _: Translator, language: str | None, day: date) -> str:
        """:func:`header`, once a pass per language and day."""
        found = self._headers.get((language, day))
        if found is None:
            found = self._headers[language, day] = header(_, language, day)
        return found

    def preview(self, url: str) -> str:
        """The options of a large link preview of ``url``, above the text, as JSON text."""
        found = self._previews.get(url)
        if found is None:
            if len(self._previews) >= self.size:
                self._previews.clear()
            options = {"url": url, "prefer_large_media": True, "show_above_text": True}
            found = json.dumps({"link_preview_options": options}, ensure_ascii=False)
            self._previews[url] = found
        return found

    def label(self, template: str, number: int, count: int = 0) -> str:
        """A button's label (``📖 3``, ``🗞 3 +2``), as JSON text."""
        key = (template, number, count)
        found = self._labels.get(key)
        if found is None:
            text = template.format(n=number, count=count)
            found = self._labels[key] = json.dumps(text, ensure_ascii=False)
        return found

    def data(self, kind: str, value: int) -> str:
        """A "read" (``r``) or «other outlets» (``s``) button's payload, as JSON text."""
        key = (kind, value)
        data = self._buttons.get(key)
        if data is None:
            if len(self._buttons) >= self.size:
                self._buttons.clear()
            payload = ReadArticle(article_id=value) if kind == "r" else StoryOutlets(story=value)
            data = self._buttons[key] = json.dumps(payload.pack())
        return data


def header(_: Translator, language: str | None, day: date) -> str:
    """``Сводка за 25 ноября`` in the chat's language."""
    locale = language if language in LOCALES else locale_for(language)
    return _("digest.header").format(date=escape(format_date(day, "d MMMM", locale=locale)))


def sources(_: Translator, story: Story) -> str:
    """«+2 источника», or empty for a story one outlet told."""
    others = story.outlets - 1
    return _("story.sources", "story.sources", others).format(n=others) if others else ""


def render_digest(
    digest: Digest,
    *,
    language: str | None,
    tz: ZoneInfo,
    day: date | None = None,
    cache: ItemCache | None = None,
    offset: int = 0,
    send_empty: bool = False,
    limit: int = MESSAGE_LIMIT,
) -> list[OutboxMessage]:
    """The digest's messages; none when it is empty and ``send_empty`` is off.

    ``day`` (the local date) makes it a front page: a header on top and the top story's link
    preview; pages shown by the "more" button have neither and number their items from
    ``offset + 1``. ``limit``: the characters a message may hold.
    """
    _ = translator(language)
    if digest.empty:
        return [OutboxMessage(_("digest.empty"))] if send_empty and digest.subscribed else []
    cache = cache or ItemCache()
    parts: list[str] = []
    lengths: list[int] = []
    buttons: list[tuple[int, Story] | None] = []  # per part: the numbered story, if any
    sections: list[str | None] = []  # per part: the link button of the tag section it opens
    top = cache.header(_, language, day) if day is not None else ""
    section: object = ()
    for number, tag, story in digest.numbered():
        number += offset
        body, length = cache.item(story, tz, sources(_, story))
        prefix = f"{number}. "
        pieces = [prefix, body]
        length += len(prefix)
        opens = None
        if tag != section:
            section = tag
            title = _("digest.main") if tag is None else tag.display
            hashtag = tag is not None and not is_phrase(tag)  # a phrase is shown as written
            heading, heading_length = cache.heading(title, tag=hashtag)
            pieces[:0] = [heading, PART_SEPARATOR]
            length += heading_length + SEPARATOR_LENGTH
            tag_id = cache.tag_ids.get(tag.key) if tag is not None else None
            if tag is not None and tag_id:
                opens = cache.link(_("button.tag_link"), tag.display, tag_id)
        if top:
            pieces[:0] = [top, PART_SEPARATOR]
            length += html_len(top) + SEPARATOR_LENGTH
            top = ""
        parts.append("".join(pieces))
        lengths.append(length)
        buttons.append((number, story) if story.lead.id is not None else None)
        sections.append(opens)
    more = ""
    if digest.more:
        line = _("digest.more").format(n=digest.more)
        parts.append(line)
        lengths.append(html_len(line))
        buttons.append(None)
        sections.append(None)
        page = DigestPage(after=digest.after, upto=digest.upto, offset=offset + digest.shown)
        label = json.dumps(_("button.more"), ensure_ascii=False)
        more = f'{{"text":{label},"callback_data":{json.dumps(page.pack())}}}'
    read, outlets = _("button.read"), _("button.outlets")
    top_url = _top_url(digest) if day is not None else None
    preview = cache.preview(top_url) if top_url is not None else None
    plan = plan_by_length(lengths, limit)
    messages: list[OutboxMessage] = []
    for index, group in enumerate(plan):
        # The keyboard of /latest (bot.keyboards.items_keyboard), written as JSON text: a
        # hundred thousand digests cannot afford a pydantic model per button.
        items = [pair for i in group if (pair := buttons[i]) is not None]
        reads = [
            f'{{"text":{cache.label(read, n)},"callback_data":{cache.data("r", s.lead.id or 0)}}}'
            for n, s in items
        ]
        others = [
            f'{{"text":{cache.label(outlets, n, s.outlets - 1)},'
            f'"callback_data":{cache.data("s", s.id)}}}'
            for n, s in items
            if s.others
        ]
        links = [link for i in group if (link := sections[i]) is not None]
        rows = _rows(reads, READ_BUTTONS_PER_ROW) + _rows(others, OUTLETS_BUTTONS_PER_ROW)
        rows += _rows(links, TAG_LINKS_PER_ROW)
        if more and index == len(plan) - 1:
            rows.append(f"[{more}]")
        markup = '{"inline_keyboard":[' + ",".join(rows) + "]}" if rows else None
        options = preview if index == 0 else None
        text = PART_SEPARATOR.join(parts[i] for i in group)
        messages.append(OutboxMessage(text, markup, options))
    return messages


def _rows(buttons: list[str], width: int) -> list[str]:
    return ["[" + ",".join(buttons[i : i + width]) + "]" for i in range(0, len(buttons), width)]


def _top_url(digest: Digest) -> str | None:
    """The link of the top story (of its first report, else of another outlet's), if any."""
    story = digest.main[0] if digest.main else digest.groups[0][1][0]
    return next((url for a in (story.lead, *story.others) if (url := safe_url(a.url))), None)


def without_more(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The keyboard without its digest "more" button, once the next page is shown."""
    return without_buttons(markup, DigestPage)
