"""``/settings``, ``/time``, ``/timezone``, ``/quiet``, ``/pause``, ``/resume`` and their buttons.

Only the settings are stored here; changing the schedule, zone or pause clears the chat's
next digest time so that the digest planner computes it again. What people may type for a
time or a zone is :mod:`bot.handlers.clock`'s, for a schedule or quiet hours
:mod:`bot.handlers.schedule_text`'s. Each acts for ``target``: the chat it is used in, or
the channel that chat runs (:mod:`bot.channels`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from babel.dates import format_skeleton

from bot.callbacks import SetDays, SetPaused, SetQuietSilent, SetTimezone
from bot.config import Settings
from bot.digest.schedule import MAX_TIMES, chat_schedule, next_digest, zone
from bot.handlers.clock import resolve_timezone
from bot.handlers.common import CHANGES_CHAT, SHOWS_CHAT, edit, on_command, zone_name
from bot.handlers.schedule_text import (
    OFF,
    Problem,
    describe,
    describe_days,
    parse_quiet,
    parse_schedule,
    week,
)
from bot.i18n import current_locale
from bot.keyboards import COMMON_TIMEZONES, settings_keyboard
from bot.models import Chat
from bot.render import echo, escape
from bot.storage import Storage


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "settings", show_settings, flags=SHOWS_CHAT)
    on_command(routes, "time", set_time, flags=CHANGES_CHAT)
    on_command(routes, "timezone", set_timezone, flags=CHANGES_CHAT)
    on_command(routes, "quiet", set_quiet, flags=CHANGES_CHAT)
    on_command(routes, "pause", pause, flags=CHANGES_CHAT)
    on_command(routes, "resume", resume, flags=CHANGES_CHAT)
    routes.callback_query.register(timezone_button, SetTimezone.filter(), flags=CHANGES_CHAT)
    routes.callback_query.register(pause_button, SetPaused.filter(), flags=CHANGES_CHAT)
    routes.callback_query.register(days_button, SetDays.filter(), flags=CHANGES_CHAT)
    routes.callback_query.register(quiet_button, SetQuietSilent.filter(), flags=CHANGES_CHAT)
    return routes


def _quiet_line(chat: Chat) -> str:
    if chat.quiet_start is None or chat.quiet_end is None:
        return _("settings.quiet_none")
    mode = _("settings.quiet_silent") if chat.quiet_silent else _("settings.quiet_hold")
    window = f"{chat.quiet_start:%H:%M}–{chat.quiet_end:%H:%M}"
    return _("settings.quiet").format(window=window, mode=mode)


def _when(due: datetime, tz: ZoneInfo, now: datetime) -> str:
    """``сегодня в 09:00``, ``завтра в 09:00`` or ``5 марта в 09:00``, in ``tz``."""
    if due <= now:
        return _("settings.next_now")
    local = due.astimezone(tz)
    at = local.strftime("%H:%M")
    days = (local.date() - now.astimezone(tz).date()).days
    if days == 0:
        return _("settings.next_today").format(time=at)
    if days == 1:
        return _("settings.next_tomorrow").format(time=at)
    day = format_skeleton("MMMMd", local.date(), locale=current_locale())
    return _("settings.next_date").format(date=day, time=at)


async def settings_view(
    store: Storage, chat_id: int, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """The settings message: values (defaults marked), when the next digest comes, buttons."""
    chat = await store.chats.get(chat_id, with_subscriptions=True)
    assert chat is not None  # the chat middleware remembered it
    default = " " + _("settings.default")
    tz = zone(chat.timezone, settings.default_timezone)
    schedule = chat_schedule(chat, settings.digest_time)
    digest_time = ", ".join(at.strftime("%H:%M") for at in schedule.times)
    lines = [
        _("settings.title"),
        _("settings.time").format(time=digest_time + ("" if chat.digest_time else default)),
        _("settings.days").format(days=describe_days(schedule.days)),
        _("settings.zone").format(
            zone=escape(zone_name(tz.key)) + ("" if chat.timezone else default)
        ),
        _quiet_line(chat),
        _("settings.status_paused") if chat.paused else _("settings.status_active"),
    ]
    now = datetime.now(UTC)
    due = next_digest(chat, now, settings.digest_time, settings.default_timezone)
    if due is not None:
        lines.append(_("settings.next").format(when=_when(due, tz, now)))
        if not chat.subscriptions:
            lines.append(_("settings.no_subscriptions"))
    text = "\n".join(lines) + "\n\n" + _("settings.how")
    zones = [(name, zone_name(name)) for name in COMMON_TIMEZONES]
    return text, settings_keyboard(
        zones,
        tz.key,
        paused=chat.paused,
        days=schedule.days,
        day_names=week(current_locale()),
        quiet_silent=None if chat.quiet_start is None else chat.quiet_silent,
    )


async def _show(
    message: Message, store: Storage, settings: Settings, target: Chat, prefix: str = ""
) -> None:
    text, markup = await settings_view(store, target.id, settings)
    await message.answer(f"{prefix}\n\n{text}" if prefix else text, reply_markup=markup)


async def show_settings(
    message: Message, store: Storage, settings: Settings, target: Chat
) -> None:
    await _show(message, store, settings, target)


async def set_time(
    message: Message, command: CommandObject, store: Storage, settings: Settings, target: Chat
) -> None:
    asked = parse_schedule(command.args or "")
    if asked.problem is Problem.EMPTY:
        await message.answer(_("settings.time_usage").format(max=MAX_TIMES))
        return
    if asked.problem is Problem.WORD:
        await message.answer(_("settings.bad_time").format(value=echo(asked.word)))
        return
    if asked.problem is Problem.TOO_MANY:
        await message.answer(_("settings.too_many_times").format(max=MAX_TIMES))
        return
    if asked.problem is Problem.WEEKLY_DAY:
        await message.answer(_("settings.weekly_day"))
        return
    if asked.times:
        await store.chats.set_schedule(target.id, asked.times, asked.days)
    elif asked.days is not None:
        await store.chats.set_digest_days(target.id, asked.days)
    chat = await store.chats.get(target.id)
    assert chat is not None  # the chat middleware remembered it
    schedule = describe(chat_schedule(chat, settings.digest_time))
    await _show(message, store, settings, target, _("settings.time_set").format(time=schedule))


async def set_quiet(
    message: Message, command: CommandObject, store: Storage, settings: Settings, target: Chat
) -> None:
    value = (command.args or "").strip()
    if not value:
        await _show(message, store, settings, target, _("settings.quiet_usage"))
        return
    if value.casefold() in OFF:
        await store.chats.set_quiet_hours(target.id, None)
        await _show(message, store, settings, target, _("settings.quiet_off_now"))
        return
    window = parse_quiet(value)
    if window is None:
        await message.answer(_("settings.bad_quiet").format(value=echo(value)))
        return
    await store.chats.set_quiet_hours(target.id, window)
    start, end = window
    done = _("settings.quiet_set").format(window=f"{start:%H:%M}–{end:%H:%M}")
    await _show(message, store, settings, target, done)


async def set_timezone(
    message: Message, command: CommandObject, store: Storage, settings: Settings, target: Chat
) -> None:
    if not command.args:
        await _show(message, store, settings, target, _("settings.timezone_usage"))
        return
    name = resolve_timezone(command.args)
    if name is None:
        await message.answer(_("settings.bad_timezone").format(value=echo(command.args)))
        return
    await store.chats.set_timezone(target.id, name)
    label = escape(zone_name(name))
    await _show(message, store, settings, target, _("settings.timezone_set").format(zone=label))


async def pause(message: Message, store: Storage, settings: Settings, target: Chat) -> None:
    await store.chats.set_paused(target.id, True)
    await _show(message, store, settings, target, _("settings.paused_now"))


async def resume(message: Message, store: Storage, settings: Settings, target: Chat) -> None:
    await store.chats.set_paused(target.id, False)
    await _show(message, store, settings, target, _("settings.resumed_now"))


async def _redraw(
    query: CallbackQuery, store: Storage, settings: Settings, target: Chat, toast: str
) -> None:
    await query.answer(toast)
    text, markup = await settings_view(store, target.id, settings)
    await edit(query, text, markup)


async def timezone_button(
    query: CallbackQuery,
    callback_data: SetTimezone,
    store: Storage,
    settings: Settings,
    target: Chat,
) -> None:
    name = resolve_timezone(callback_data.zone)
    if name is None or query.message is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    await store.chats.set_timezone(target.id, name)
    toast = _("settings.timezone_set_toast").format(zone=zone_name(name))
    await _redraw(query, store, settings, target, toast)


async def _switch(
    query: CallbackQuery,
    store: Storage,
    settings: Settings,
    target: Chat,
    change: Callable[[], Awaitable[bool]],
    toast: str,
) -> None:
    """A settings button: the change stored, the toast shown, the panel redrawn in place."""
    if query.message is None:  # too old to edit: nothing is changed
        await query.answer()
        return
    await change()
    await _redraw(query, store, settings, target, toast)


async def pause_button(
    query: CallbackQuery,
    callback_data: SetPaused,
    store: Storage,
    settings: Settings,
    target: Chat,
) -> None:
    paused = callback_data.paused
    change = partial(store.chats.set_paused, target.id, paused)
    toast = _("settings.paused_toast") if paused else _("settings.resumed_toast")
    await _switch(query, store, settings, target, change, toast)


async def days_button(
    query: CallbackQuery,
    callback_data: SetDays,
    store: Storage,
    settings: Settings,
    target: Chat,
) -> None:
    change = partial(store.chats.set_digest_days, target.id, callback_data.days)
    toast = _("settings.days").format(days=describe_days(callback_data.days))
    await _switch(query, store, settings, target, change, toast)


async def quiet_button(
    query: CallbackQuery,
    callback_data: SetQuietSilent,
    store: Storage,
    settings: Settings,
    target: Chat,
) -> None:
    silent = callback_data.silent
    change = partial(store.chats.set_quiet_silent, target.id, silent)
    toast = _("settings.quiet_silent") if silent else _("settings.quiet_hold")
    await _switch(query, store, settings, target, change, toast)
