"""``/top [all] [N]``: today's biggest stories; and the «other outlets» button of a story."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import pages
from bot.callbacks import StoryOutlets
from bot.config import Settings
from bot.handlers.common import answer_to, chat_zone, on_command
from bot.handlers.listings import DEFAULT_COUNT, MAX_COUNT, THROTTLED, send_stories
from bot.models import Article, Chat, Story
from bot.render import echo, escape, link, safe_url, shorten, split_messages
from bot.storage import Storage

EVERYTHING = frozenset({"all", "все", "всё"})  # /top all: overall, whatever the subscriptions
OUTLETS_SHOWN = 30  # other outlets listed by the button; a story's reprints rarely reach it
TITLE_CHARS = 200


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "top", top, flags=THROTTLED)
    routes.callback_query.register(outlets, StoryOutlets.filter(), flags=THROTTLED)
    return routes


def parse_top_args(args: str | None) -> tuple[bool, int] | None:
    """``"all 10"`` → (overall, 10); None when a word is neither «all» nor a count."""
    overall, count = False, DEFAULT_COUNT
    for word in (args or "").split():
        if word.casefold() in EVERYTHING:
            overall = True
        elif word.isdigit() and 1 <= int(word) <= MAX_COUNT:
            count = int(word)
        else:
            return None
    return overall, count


async def top(
    message: Message,
    command: CommandObject,
    store: Storage,
    settings: Settings,
    chat_record: Chat | None = None,
) -> None:
    parsed = parse_top_args(command.args)
    if parsed is None:
        await message.answer(_("top.usage").format(value=echo(command.args or ""), max=MAX_COUNT))
        return
    overall, count = parsed
    now = datetime.now(UTC)
    subscribed = [] if overall else await store.chats.subscriptions(message.chat.id)
    found = []
    if subscribed:
        found = await pages.top(store, [t.key for t in subscribed], limit=count, now=now)
        header = _("top.header_subscriptions")
    if not found:
        found = await pages.top(store, limit=count, now=now)
        header = _("top.header_all")
    if not found:
        await message.answer(_("top.empty"))
        return
    zone = chat_zone(chat_record, settings)
    await send_stories(answer_to(message), found, zone=zone, header=header)


async def outlets(query: CallbackQuery, callback_data: StoryOutlets, store: Storage) -> None:
    story = await pages.story(store, callback_data.story)
    if story is None or not story.others:
        await query.answer(_("button.expired"), show_alert=True)
        return
    await query.answer()
    answer = answer_to(query)
    for text in split_messages(outlet_lines(story), separator="\n"):
        await answer(text, None)


def outlet_lines(story: Story) -> list[str]:
    """The story's headline, then one line per other outlet: its name and linked headline."""
    title = escape(shorten(story.lead.title, TITLE_CHARS))
    lines = [_("story.outlets_header").format(title=title)]
    lines.extend(_outlet_line(article) for article in story.others[:OUTLETS_SHOWN])
    if len(story.others) > OUTLETS_SHOWN:
        lines.append(_("list.more").format(n=len(story.others) - OUTLETS_SHOWN))
    return lines


def _outlet_line(article: Article) -> str:
    title = shorten(article.title, TITLE_CHARS)
    headline = link(article.url, title) if safe_url(article.url) else escape(title)
    name = article.outlet or _("story.unknown_outlet")
    return f"• <b>{escape(shorten(name, 60))}</b> — {headline}"
