"""Admin feed commands: ``/feeds``, ``/addfeed URL [rubric] [#tag …]``, ``/rmfeed N``,
``/pausefeed N``, ``/resumefeed N``.

Only the ``ADMIN_IDS`` get through this router; for anyone else the commands fall through
to the routers after it as unknown ones. A feed is named by its number in ``/feeds`` or by
its URL.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.handlers.common import BotAdmin, chat_zone, command_filter, zone_name
from bot.ingest import Ingester
from bot.keyboards import feeds_keyboard
from bot.models import Chat
from bot.render import echo, escape, link, shorten, split_messages
from bot.sources.feeds import NotAFeedError
from bot.sources.http import FetchError
from bot.sources.manage import add_feed
from bot.storage import Feed, Storage

NAME_CHARS = 100  # a feed's title, rubric or tag as shown
URL_CHARS = 200  # an address quoted in a reply
MAX_NUMBER_DIGITS = 18  # a feed number the database could hold


def router() -> Router:
    """The feed commands; the filter lets only ``ADMIN_IDS`` in."""
    routes = Router(name=__name__)
    routes.message.filter(BotAdmin())
    routes.message.register(list_feeds, command_filter("feeds"))
    routes.message.register(add, command_filter("addfeed"))
    routes.message.register(remove, command_filter("rmfeed"))
    routes.message.register(pause, command_filter("pausefeed"))
    routes.message.register(resume, command_filter("resumefeed"))
    return routes


def parse_addfeed_args(args: str | None) -> tuple[str, str | None, tuple[str, ...]] | None:
    """``"URL Новости Казахстана #Алматы"`` → ``(URL, "Новости Казахстана", ("Алматы",))``."""
    words = (args or "").split()
    if not words:
        return None
    url, rest = words[0], words[1:]
    tags = tuple(w.lstrip("#") for w in rest if w.startswith("#") and w.lstrip("#"))
    rubric = " ".join(w for w in rest if not w.startswith("#")) or None
    return url, rubric, tags


async def list_feeds(
    message: Message, store: Storage, settings: Settings, chat_record: Chat | None = None
) -> None:
    """Every feed with its state; times on the admin's clock, the zone named in the header."""
    feeds = await store.feeds.all()
    if not feeds:
        await message.answer(_("feeds.empty"))
        return
    zone = chat_zone(chat_record, settings)
    parts = [_("feeds.header").format(count=len(feeds), zone=escape(zone_name(zone)))]
    parts += [_render_feed(feed, zone) for feed in feeds]
    parts.append(_("feeds.hint"))
    texts = split_messages(parts)
    for index, text in enumerate(texts):
        markup = feeds_keyboard() if index == len(texts) - 1 else None  # OPML export
        await message.answer(text, disable_web_page_preview=True, reply_markup=markup)


def _render_feed(feed: Feed, zone: ZoneInfo) -> str:
    if feed.paused:
        icon = "⏸"
    elif feed.last_error:
        icon = "⚠️"
    elif feed.last_ok_at is None:
        icon = "🕓"
    else:
        icon = "✅"
    title = shorten(feed.title, NAME_CHARS) if feed.title else None
    name = link(feed.url, title) or _name(feed)
    lines = [f"{icon} <b>{feed.id}.</b> {name}"]
    labels = [escape(shorten(feed.rubric, NAME_CHARS))] if feed.rubric else []
    labels += [escape("#" + shorten(tag, NAME_CHARS)) for tag in feed.tags]
    if labels:
        lines.append(_("feeds.labels").format(labels=", ".join(labels)))
    if feed.last_polled_at is None:
        lines.append(_("feeds.never_polled"))
    else:
        lines.append(
            _("feeds.stats").format(
                polled=_when(feed.last_polled_at, zone), items=feed.items_ingested
            )
        )
    if feed.paused:
        lines.append(_("feeds.paused_note"))
    else:
        lines.append(_("feeds.next").format(next=_when(feed.next_poll_at, zone)))
    if feed.last_error:
        lines.append(
            _("feeds.error").format(count=feed.error_count, error=echo(feed.last_error, 300))
        )
    return "\n".join(lines)


def _when(timestamp: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(timestamp, zone).strftime("%d.%m %H:%M")


def _name(feed: Feed) -> str:
    return escape(shorten(feed.name, NAME_CHARS))


def _url(url: str) -> str:
    return echo(url, URL_CHARS)


async def add(
    message: Message,
    command: CommandObject,
    store: Storage,
    settings: Settings,
    ingester: Ingester,
) -> None:
    parsed = parse_addfeed_args(command.args)
    if parsed is None:
        await message.answer(_("feeds.usage_add"))
        return
    url, rubric, tags = parsed
    progress = await message.answer(_("feeds.checking").format(url=_url(url)))
    try:
        added = await add_feed(
            store,
            url,
            rubric=rubric,
            tags=tags,
            interval_s=settings.feed_interval_seconds,
            zone=ZoneInfo(settings.default_timezone),
            summary_chars=settings.summary_chars,
            ingester=ingester,
        )
    except NotAFeedError as exc:
        text = _not_a_feed_text(url, exc)
    except FetchError as exc:
        text = _("feeds.fetch_failed").format(url=_url(url), reason=_fetch_failure(exc))
    else:
        feed = added.feed
        if not added.created:
            text = _("feeds.exists").format(id=feed.id, name=_name(feed))
        else:
            minutes = max(settings.feed_interval_seconds, feed.ttl_s or 0) // 60
            text = _("feeds.added").format(
                id=feed.id,
                name=_name(feed),
                added=added.result.added,
                minutes=minutes,
            )
    await progress.edit_text(text, disable_web_page_preview=True)


def _fetch_failure(error: FetchError) -> str:
    """Why a fetch failed, in one line of the admin's language."""
    if error.kind == "http" and error.status is not None:
        return _("feeds.failure.http").format(status=error.status)
    reasons = {
        "timeout": _("feeds.failure.timeout"),
        "redirects": _("feeds.failure.redirects"),
        "address": _("feeds.failure.address"),
        "dns": _("feeds.failure.dns"),
        "connect": _("feeds.failure.connect"),
        "tls": _("feeds.failure.tls"),
        "too_large": _("feeds.failure.too_large"),
    }
    return reasons.get(error.kind, _("feeds.failure.network"))


def _not_a_feed_text(url: str, error: NotAFeedError) -> str:
    if error.kind == "address":
        return _("feeds.usage_add")
    if error.kind == "page" and error.found:
        return _("feeds.page_names_feed").format(url=_url(url), found=_url(error.found))
    if error.kind == "page":
        return _("feeds.page").format(url=_url(url))
    if error.kind == "empty":
        return _("feeds.empty_answer").format(url=_url(url))
    return _("feeds.not_a_feed").format(url=_url(url))


async def remove(
    message: Message, command: CommandObject, store: Storage, settings: Settings
) -> None:
    feed = await _feed_or_answer(message, command, store)
    if feed is None:
        return
    await store.feeds.remove(feed.id)
    text = _("feeds.removed").format(id=feed.id, name=_name(feed))
    if any(spec.url == feed.url for spec in settings.feeds):
        text += "\n" + _("feeds.removed_configured")
    await message.answer(text, disable_web_page_preview=True)


async def pause(message: Message, command: CommandObject, store: Storage) -> None:
    feed = await _feed_or_answer(message, command, store)
    if feed is not None:
        await store.feeds.set_paused(feed.id, True, now=int(time.time()))
        await message.answer(_("feeds.paused").format(id=feed.id, name=_name(feed)))


async def resume(message: Message, command: CommandObject, store: Storage) -> None:
    feed = await _feed_or_answer(message, command, store)
    if feed is not None:
        await store.feeds.set_paused(feed.id, False, now=int(time.time()))
        await message.answer(_("feeds.resumed").format(id=feed.id, name=_name(feed)))


async def _feed_or_answer(message: Message, command: CommandObject, store: Storage) -> Feed | None:
    """The feed the command names, or None after telling the admin what was wrong."""
    ref = (command.args or "").strip()
    if not ref:
        await message.answer(_("feeds.usage_ref").format(command=command.command.lower()))
        return None
    number = ref.removeprefix("#")
    beyond = number.isdigit() and (not number.isascii() or len(number) > MAX_NUMBER_DIGITS)
    feed = None if beyond else await store.feeds.find(ref)  # no feed has such a number
    if feed is None:
        await message.answer(_("feeds.not_found").format(ref=echo(ref)))
    return feed
