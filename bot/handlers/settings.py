"""``/settings``, ``/time``, ``/timezone``, ``/pause``, ``/resume`` and their buttons.

Only the settings are stored here; changing any of them clears the chat's next digest
time so that the digest planner computes it again.
"""

from __future__ import annotations

import functools
import zoneinfo

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import SetPaused, SetTimezone
from bot.config import Settings, parse_hhmm
from bot.handlers.common import edit, on_command
from bot.keyboards import COMMON_TIMEZONES, settings_keyboard
from bot.models import Chat
from bot.render import escape
from bot.storage import Storage


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "settings", show_settings)
    on_command(routes, "time", set_time, flags=ADMIN)
    on_command(routes, "timezone", set_timezone, flags=ADMIN)
    on_command(routes, "pause", pause, flags=ADMIN)
    on_command(routes, "resume", resume, flags=ADMIN)
    routes.callback_query.register(timezone_button, SetTimezone.filter(), flags=ADMIN)
    routes.callback_query.register(pause_button, SetPaused.filter(), flags=ADMIN)
    return routes


ADMIN = {"chat_admin": True}


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA zone name, keyed by its lower case and by its last component."""
    names = sorted(zoneinfo.available_timezones())
    table = {name.split("/")[-1].lower(): name for name in names if "/" in name}
    table.update({name.lower(): name for name in names})
    return table


def resolve_timezone(text: str) -> str | None:
    """``"asia/almaty"``, ``"Almaty"`` → ``"Asia/Almaty"``; ``None`` if there is no such zone."""
    key = text.strip().replace(" ", "_").lower()
    return _zones().get(key) if key else None


async def settings_view(store: Storage, chat_id: int, settings: Settings) -> tuple[str, Chat]:
    chat = await store.chats.get(chat_id)
    assert chat is not None  # the chat middleware remembered it
    default = _("settings.default")
    digest_time = (chat.digest_time or settings.digest_time).strftime("%H:%M")
    text = _("settings.text").format(
        time=digest_time + ("" if chat.digest_time else " " + default),
        zone=escape(chat.timezone or settings.default_timezone)
        + ("" if chat.timezone else " " + default),
        status=_("settings.paused") if chat.paused else _("settings.active"),
    )
    return text, chat


async def _show(message: Message, store: Storage, settings: Settings, prefix: str = "") -> None:
    text, chat = await settings_view(store, message.chat.id, settings)
    zone = chat.timezone or settings.default_timezone
    markup = settings_keyboard(zone, paused=chat.paused)
    await message.answer(f"{prefix}\n\n{text}" if prefix else text, reply_markup=markup)


async def show_settings(message: Message, store: Storage, settings: Settings) -> None:
    await _show(message, store, settings)


async def set_time(
    message: Message, command: CommandObject, store: Storage, settings: Settings
) -> None:
    if not command.args:
        await message.answer(_("settings.time_usage"))
        return
    try:
        value = parse_hhmm(command.args)
    except ValueError:
        await message.answer(_("settings.bad_time").format(value=escape(command.args.strip())))
        return
    await store.chats.set_digest_time(message.chat.id, value)
    await _show(
        message, store, settings, _("settings.time_set").format(time=value.strftime("%H:%M"))
    )


async def set_timezone(
    message: Message, command: CommandObject, store: Storage, settings: Settings
) -> None:
    if not command.args:
        await _show(message, store, settings, _("settings.timezone_usage"))
        return
    zone = resolve_timezone(command.args)
    if zone is None:
        await message.answer(
            _("settings.bad_timezone").format(
                value=escape(command.args.strip()[:64]), examples=", ".join(COMMON_TIMEZONES[:4])
            )
        )
        return
    await store.chats.set_timezone(message.chat.id, zone)
    await _show(message, store, settings, _("settings.timezone_set").format(zone=escape(zone)))


async def pause(message: Message, store: Storage, settings: Settings) -> None:
    await store.chats.set_paused(message.chat.id, True)
    await _show(message, store, settings, _("settings.paused_now"))


async def resume(message: Message, store: Storage, settings: Settings) -> None:
    await store.chats.set_paused(message.chat.id, False)
    await _show(message, store, settings, _("settings.resumed_now"))


async def _redraw(query: CallbackQuery, store: Storage, settings: Settings, toast: str) -> None:
    assert query.message is not None
    await query.answer(toast)
    text, chat = await settings_view(store, query.message.chat.id, settings)
    zone = chat.timezone or settings.default_timezone
    await edit(query, text, settings_keyboard(zone, paused=chat.paused))


async def timezone_button(
    query: CallbackQuery, callback_data: SetTimezone, store: Storage, settings: Settings
) -> None:
    zone = resolve_timezone(callback_data.zone)
    if zone is None or query.message is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    await store.chats.set_timezone(query.message.chat.id, zone)
    await _redraw(query, store, settings, _("settings.timezone_set_toast").format(zone=zone))


async def pause_button(
    query: CallbackQuery, callback_data: SetPaused, store: Storage, settings: Settings
) -> None:
    if query.message is None:
        await query.answer()
        return
    await store.chats.set_paused(query.message.chat.id, callback_data.paused)
    toast = _("settings.paused_toast") if callback_data.paused else _("settings.resumed_toast")
    await _redraw(query, store, settings, toast)
