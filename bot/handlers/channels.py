"""``/channels``: a channel's digest set up from the private chat of one of its administrators.

The user picks a channel with Telegram's chat picker (a ``request_chat`` button offering
only channels where both may post); the bot asks Telegram again whether the bot and the
user may post there, remembers the channel and acts for it: from then on the ordinary
commands change the channel (see :mod:`bot.channels`), a persistent keyboard says so and
leads back. The channel's panel shows its subscriptions and schedule, a preview of its next
digest (in the private chat, nothing sent to the channel) and a button to remove it.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    User,
)
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ChannelAction, ChannelPanel, DigestPage
from bot.channels import ChannelRights, lost_rights
from bot.config import Settings
from bot.digest.planner import Planner
from bot.handlers.common import Check, answer_to, command_filter, edit, hashtag_list
from bot.handlers.settings import settings_view
from bot.i18n import LOCALES, locale_for, translator
from bot.keyboards import (
    channel_panel_keyboard,
    channel_remove_keyboard,
    channel_reply_keyboard,
    channels_keyboard,
    without_buttons,
)
from bot.models import Chat
from bot.render import escape
from bot.storage import Storage

logger = logging.getLogger(__name__)

CHANNEL_REQUEST = 1  # the request_id of the channel picker: a chat_shared answer names it


def router() -> Router:
    routes = Router(name=__name__)
    routes.message.register(channels, command_filter("channels"))
    routes.message.register(channel_shared, Check(F.chat_shared.request_id == CHANNEL_REQUEST))
    leave_labels = {translator(locale)("button.channel_leave") for locale in LOCALES}
    routes.message.register(leave_by_keyboard, Check(F.text.in_(leave_labels)))
    routes.callback_query.register(panel_button, ChannelPanel.filter())
    return routes


def _title(channel: Chat) -> str:
    return escape(channel.title or str(channel.id))


async def channels(message: Message, store: Storage) -> None:
    """The channels the user runs, each a button, and the picker to add one."""
    user = message.from_user
    if message.chat.type != ChatType.PRIVATE or user is None:
        await message.answer(_("channels.private_only"))
        return
    mine = await store.channels.of_user(user.id)
    acting = await store.channels.selected(user.id)
    if mine:
        lines = [_("channels.header")]
        for channel in mine:
            line = f"📢 {_title(channel)}"
            if acting is not None and acting.id == channel.id:
                line += " — " + _("channels.acting_now")
            lines.append(line)
        await message.answer("\n".join(lines), reply_markup=channels_keyboard(mine))
    keyboard = channel_reply_keyboard(CHANNEL_REQUEST, acting.title if acting else None)
    await message.answer(_("channels.how_to_add"), reply_markup=keyboard)


async def channel_shared(
    message: Message, store: Storage, bot: Bot, settings: Settings, channel_rights: ChannelRights
) -> None:
    """The picker's answer: check both rights with Telegram, remember the channel, act for it."""
    shared, user = message.chat_shared, message.from_user
    if shared is None or user is None or message.chat.type != ChatType.PRIVATE:
        return
    channel_id = shared.chat_id
    title = escape(shared.title or (f"@{shared.username}" if shared.username else str(channel_id)))
    if not await channel_rights.may_post(bot, channel_id, bot.id, fresh=True):
        await message.answer(_("channels.bot_cannot_post").format(title=title))
        return
    if not await channel_rights.may_post(bot, channel_id, user.id, fresh=True):
        await message.answer(_("channels.user_cannot_post").format(title=title))
        return
    known = await store.chats.get(channel_id)
    async with store.transaction() as tx:
        await tx.chats.upsert(
            channel_id,
            type=ChatType.CHANNEL,
            title=shared.title or shared.username,
            language=locale_for(user.language_code) if known is None else None,
        )
        await tx.channels.add(user.id, channel_id)
    logger.info("user %d runs channel %d from the private chat", user.id, channel_id)
    channel = await store.channels.get(user.id, channel_id)
    assert channel is not None
    await _act_for(message, store, settings, channel)


async def _act_for(
    event: Message | CallbackQuery, store: Storage, settings: Settings, channel: Chat
) -> None:
    """Say the chat now acts for the channel (with the keyboard), then show its panel."""
    answer = answer_to(event)
    keyboard = channel_reply_keyboard(CHANNEL_REQUEST, channel.title or str(channel.id))
    message = event.message if isinstance(event, CallbackQuery) else event
    assert isinstance(message, Message)
    await message.answer(_("channels.acting").format(title=_title(channel)), reply_markup=keyboard)
    await answer(*await _panel(store, settings, channel))


async def _panel(
    store: Storage, settings: Settings, channel: Chat
) -> tuple[str, InlineKeyboardMarkup]:
    """The channel's subscriptions and schedule (as ``/settings`` shows them), and its
    buttons."""
    tags = await store.chats.subscriptions(channel.id)
    subscriptions = (
        _("channels.subscriptions").format(tags=hashtag_list(tags))
        if tags
        else _("channels.no_subscriptions")
    )
    schedule, _markup = await settings_view(store, channel.id, settings)
    text = "\n\n".join(
        [_("channels.panel").format(title=_title(channel)), subscriptions, schedule]
    )
    return text, channel_panel_keyboard(channel.id)


async def leave_by_keyboard(message: Message, store: Storage) -> None:
    if message.from_user is not None:
        await _leave(message, store, message.from_user)


async def _leave(message: Message, store: Storage, user: User) -> None:
    await store.channels.select(user.id, None)
    await message.answer(_("channels.left"), reply_markup=ReplyKeyboardRemove())


async def panel_button(
    query: CallbackQuery,
    callback_data: ChannelPanel,
    store: Storage,
    bot: Bot,
    settings: Settings,
    channel_rights: ChannelRights,
) -> None:
    message, user, action = query.message, query.from_user, callback_data.action
    if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
        await query.answer(_("button.expired"), show_alert=True)
        return
    if action is ChannelAction.LEAVE:
        await query.answer()
        await _leave(message, store, user)
        return
    channel = await store.channels.get(user.id, callback_data.channel)
    if channel is None:  # removed, or never this user's (a forged button)
        await query.answer(_("button.expired"), show_alert=True)
        return
    if not await channel_rights.may_post(bot, channel.id, user.id):
        await store.channels.forget(user.id, channel.id)
        await query.answer()
        await lost_rights(bot, message.chat.id, channel)
        return
    await query.answer()
    if action is ChannelAction.MANAGE:
        await store.channels.select(user.id, channel.id)
        await _act_for(query, store, settings, channel)
    elif action is ChannelAction.PANEL:
        await edit(query, *await _panel(store, settings, channel))
    elif action is ChannelAction.PREVIEW:
        await _preview(query, store, settings, channel)
    elif action is ChannelAction.REMOVE:
        text = _("channels.remove_confirm").format(title=_title(channel))
        await edit(query, text, channel_remove_keyboard(channel.id))
    elif action is ChannelAction.REMOVE_CONFIRMED:
        acting = await store.channels.selected(user.id)
        await store.channels.remove(channel.id)
        logger.info("user %d removed channel %d", user.id, channel.id)
        await edit(query, _("channels.removed").format(title=_title(channel)), None)
        if acting is not None and acting.id == channel.id:
            await message.answer(_("channels.left"), reply_markup=ReplyKeyboardRemove())


async def _preview(
    query: CallbackQuery, store: Storage, settings: Settings, channel: Chat
) -> None:
    """The channel's next digest as it stands, shown here; nothing is sent or stored."""
    answer = answer_to(query)
    preview = await Planner(store, settings).preview(channel.id)
    if preview is None or not preview.digest.subscribed:
        await answer(_("channels.no_subscriptions"), None)
        return
    if not preview.messages:
        await answer(_("channels.preview_empty").format(title=_title(channel)), None)
        return
    await answer(_("channels.preview").format(title=_title(channel)), None)
    for part in preview.messages:
        markup = None
        if part.reply_markup is not None:
            # Its "more" button pages the digest of the chat it is pressed in: not this one.
            markup = without_buttons(
                InlineKeyboardMarkup.model_validate_json(part.reply_markup), DigestPage
            )
        await answer(part.text, markup)
