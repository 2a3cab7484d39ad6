"""``/digest``: the digest on demand, and the "more" button that pages through a digest.

``/digest`` enqueues exactly what the chat would get next, through the same outbox as the
daily run (so it is paced and survives a restart); the stories it sends are not repeated
in the next daily digest, whose time stays as it was. A page shown by "more" holds the
digest's stories the chat has not received yet, and marks them received in turn.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import DigestPage
from bot.config import Settings
from bot.digest.planner import Planner, digest_phrases
from bot.digest.render import render_digest, without_more
from bot.digest.schedule import zone
from bot.handlers.common import answer_to, edit, in_channel, on_command, query_chat_id
from bot.models import Chat
from bot.storage import Storage


def router() -> Router:
    routes = Router(name=__name__)
    on_command(routes, "digest", digest_now, flags=FLAGS)
    routes.callback_query.register(digest_page, DigestPage.filter(), flags={"throttle": "listing"})
    return routes


# Anyone in a chat may ask: the digest goes to the chat itself, so the items it takes
# from the next daily digest are ones everyone there has just seen.
FLAGS = {"throttle": "digest"}


async def digest_now(message: Message, store: Storage, settings: Settings) -> None:
    chat_id = message.chat.id
    if (
        not await store.chats.subscribed_keys(chat_id)
        and not (await digest_phrases(store, [chat_id]))[chat_id]
    ):  # nothing to build it from: no tags, and no phrase followed in the digest
        await message.answer(_("digest.no_subscriptions"))
        return
    planned = await Planner(store, settings).send_now(message.chat.id)
    if planned is None or not planned.messages:
        await message.answer(_("digest.nothing_new"))


async def digest_page(
    query: CallbackQuery,
    callback_data: DigestPage,
    store: Storage,
    settings: Settings,
    chat_record: Chat | None = None,
) -> None:
    chat_id = query_chat_id(query)
    chat = await store.digests.chat(chat_id)
    if chat is None:
        await query.answer(_("button.expired"), show_alert=True)
        return
    digest = await Planner(store, settings).page(chat, callback_data.after, callback_data.upto)
    if digest.empty:
        await query.answer(_("digest.page_empty"))
        return
    await query.answer()
    language = chat_record.language if chat_record is not None else chat.language
    messages = render_digest(
        digest,
        language=language,
        tz=zone(chat.timezone, settings.default_timezone),
        offset=callback_data.offset,
    )
    if isinstance(query.message, Message) and not in_channel(query):  # a post all see stays
        await edit(query, None, without_more(query.message.reply_markup))
    answer = answer_to(query)
    for message in messages:
        markup = None
        if message.reply_markup is not None:
            markup = InlineKeyboardMarkup.model_validate_json(message.reply_markup)
        await answer(message.text, markup)
