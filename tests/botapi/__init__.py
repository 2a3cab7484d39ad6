"""A Bot API server on 127.0.0.1 that behaves like Telegram where it matters.

It speaks the Bot API over real HTTP — ``POST``/``GET /bot<TOKEN>/<method>`` with
form-encoded, multipart (what aiogram's ``AiohttpSession`` sends: complex fields such as
``reply_markup`` JSON-encoded) or JSON bodies, method names case-insensitive — and answers
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": N, "description": "…",
"parameters": {"retry_after": N} | {"migrate_to_chat_id": N}}`` with Telegram's status codes
and descriptions. A wrong token answers 401 ``Unauthorized``, an unknown method 404
``Not Found``. Files sent with sendDocument are served at ``/file/bot<TOKEN>/<file_path>``.

In process (pytest, the bot as a subprocess or a ``Bot`` in the test)::

    from tests.botapi import DEFAULT_TOKEN, BotAPIServer, Bucket, RateLimits, Window

    async with BotAPIServer() as server:               # 127.0.0.1, a free port
        server.url                                     # "http://127.0.0.1:PORT"
        # `python -m bot run` with TELEGRAM_API_URL=server.url, BOT_TOKEN=DEFAULT_TOKEN, or
        # Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
        server.add_user(42, "Ann", username="ann", language_code="ru")
        await server.wait_for_polling()                # the bot is up and long-polling
        asked = server.send_text(42, None, "/latest 5")    # None = Ann's private chat
        [reply] = await server.wait_for_messages(42, 1, after_id=asked.message_id)
        reply.text, reply.html, reply.entities, reply.callback_data
        query_id = server.press_button(42, reply, "page:2")     # or text="Ещё"
        await server.wait_for_callback_answer(query_id)

``BotAPIServer(token=DEFAULT_TOKEN, *, host="127.0.0.1", port=0, bot_username="svodka_bot",
bot_name="Svodka", limits=None (Telegram-like defaults), auto_register=False,
privacy_mode=True, strict_html=True, length_unit="codepoints", callback_timeout=15.0,
latency=0.0, max_log=1_000_000)``; ``start()``/``stop()`` if not used as a context manager.
The bot's id is the number before ``:`` in the token (123456789 for ``DEFAULT_TOKEN``).
Queue user actions after ``wait_for_polling()``: a bot that starts with
``deleteWebhook(drop_pending_updates=True)`` drops what was queued before. The attributes
``limits``, ``auto_register``, ``privacy_mode``, ``strict_html``, ``latency`` … may be
changed at any time.

Setting up (Python API):
  ``add_user(id, first_name=None, *, username, language_code="ru", last_name) -> User``
  (also creates the private chat, id = user id); ``add_users(count, *, first_id=1_000_001)``;
  ``add_chat(id, type="group"|"supergroup"|"channel", *, title, username, members={user_id:
  status}, bot_status="member", bot_rights=None) -> Chat``; ``set_member(chat_id, user_id,
  status, *, rights=None)`` with status creator / administrator / member / restricted / left /
  kicked. An administrator has every right (in a channel also ``can_post_messages`` and
  ``can_edit_messages``, which getChatMember reports only there) but those ``rights`` (or
  ``bot_rights``) set otherwise, e.g. ``{"can_post_messages": False}``; ``user(id)``,
  ``chat(id)``.
  ``auto_register=True`` makes any unknown positive chat id a new user (broadcast benchmarks).
  Forums: ``add_chat(id, "supergroup", is_forum=True)``; ``create_topic(chat, name, *, by=None)
  -> message_thread_id``, ``close_topic`` / ``reopen_topic`` / ``delete_topic(chat,
  thread_id)``; ``send_text(…, thread=thread_id)`` posts in a topic (the update has
  ``message_thread_id`` and ``is_topic_message``; a reply inherits the topic). A send with
  ``message_thread_id`` to a deleted or unknown topic gets 400 ``Bad Request: message thread
  not found``, to a closed one 400 ``Bad Request: TOPIC_CLOSED``; ``StoredMessage.thread_id``
  says where a message landed (``tests/botapi/methods_topics.py``).

Acting as Telegram and its users:
  ``send_text(user, chat, text, *, reply_to=None) -> StoredMessage`` queues a ``message``
  update (``channel_post`` in a channel) with the entities Telegram adds: ``bot_command``
  (``/cmd`` and ``/cmd@bot``), ``hashtag``, ``mention``, ``url``; offsets in UTF-16 units. In
  groups under ``privacy_mode`` only commands, mentions of the bot and replies to it reach the
  bot (``message.update_id`` is ``None`` otherwise); writing to a bot that the user blocked
  unblocks it (a ``my_chat_member`` update comes first). ``press_button(user, message,
  callback_data=None, *, text=None) -> callback_query_id`` (``ValueError`` if the message has
  no such button). ``enqueue_update(body) -> update_id`` for anything else. ``block(chat_id,
  reason="blocked"|"kicked"|"deactivated"|"left"|any text, *, notify=False)`` and
  ``unblock(chat_id, *, notify=False)``: 403 ``Forbidden: bot was blocked by the user`` / ``…
  kicked from the group chat`` / ``user is deactivated`` / ``bot is not a member of the group
  chat``; with ``notify`` a ``my_chat_member`` update is queued. ``migrate(group_id,
  to_chat_id=None, *, notify=True) -> supergroup_id``: the old id then answers 400 ``Bad
  Request: group chat was upgraded to a supergroup chat`` with ``migrate_to_chat_id``; the
  supergroup (default id ``-10**12 - |group_id|``) keeps title, members and bot status;
  ``notify`` queues both service messages (``migrate_to_chat_id`` / ``migrate_from_chat_id``).
  ``send_inline_query(user, query, *, offset="", chat_type="sender") -> inline_query_id``
  (the query cut to 256 characters, as Telegram does; ``ValueError`` unless ``inline_mode``);
  ``choose_inline_result(user, chat, inline_query_id, result_id) -> StoredMessage``: the
  result's message posted in ``chat`` from the user ``via_bot`` (text parsed as at answer
  time; the bot is not told). ``share_chat(user, message, chat, *, text=None, check=True) ->
  StoredMessage``: the user taps the ``request_chat`` button of the bot's reply keyboard and
  picks ``chat``; the bot gets a message with ``chat_shared`` (``title``/``username`` if asked).
  With ``check`` a chat the picker would not offer — the wrong kind, or the user or the bot
  without the administrator rights the button asks — is ``ValueError``; ``check=False`` plays
  a lying client or rights changed since.

Failures on demand (consumed in order, the chat's own before the global ones):
  ``inject_error(chat_id=None, *, error_code, description, count=1, retry_after=None,
  migrate_to_chat_id=None, methods=None)``, ``inject_429(chat_id=None, *, retry_after=1,
  count=1)``, ``inject_disconnect(chat_id=None, *, count=1, deliver=True)`` — the connection
  is dropped without an answer (aiogram raises ``TelegramNetworkError``); ``deliver=True``
  stores the message first, the "accepted but never confirmed" case. They hit the next sends
  (sendMessage, sendDocument) that pass validation; with ``methods=["getUpdates", …]`` the
  next calls of those methods instead, before validation. ``clear_injections()``.

Rate limits (``server.limits``, a :class:`RateLimits`; ``RateLimits.off()`` for none):
  ``overall=Window(30, 1.0)`` for the whole bot, ``per_chat=Bucket(1.0, 3)`` for each chat,
  ``per_group=Window(20, 60.0)`` for each group/supergroup, ``tolerance=0.02`` s,
  ``penalty=True``; any rule may be ``None``. ``Window(count, period)``: refused when
  ``count`` sends were accepted in the last ``period - tolerance`` s. ``Bucket(rate, burst)``:
  ``burst`` quick sends, then one per ``1/rate`` s (``Bucket(1.0, 1)`` = strictly 1/s, use it
  to check a sender's pacing). A refused send gets 429 ``Too Many Requests: retry after N``
  (N whole seconds, ≥ 1). With ``penalty`` a 429 (enforced or injected) opens a window of N
  seconds in which every further send to that chat (or to any chat, for ``overall``/global
  injections) gets 429 as well; these are counted as ``429.penalty``. Only accepted sends
  count against the limits; edits, actions and other methods are not limited.

Reading and waiting:
  ``messages_for(chat_id, *, include_deleted=False, from_bot=True) -> list[StoredMessage]``
  (oldest first, edits applied; ``from_bot=None`` adds the users' messages);
  ``message(chat_id, message_id)``. A :class:`StoredMessage` has ``message_id``, ``chat_id``,
  ``text`` (visible, after parsing), ``entities``, ``raw_text``, ``parse_mode``, ``html``,
  ``reply_markup``, ``buttons``, ``callback_data``, ``entities_of(type)``, ``caption``,
  ``document``, ``reply_to``, ``edits``, ``edit_date``, ``deleted``, ``sent_at``
  (``time.monotonic()``), ``dropped_links``, ``options`` (disable_notification,
  link_preview_options …), ``to_api(bot)``. ``calls(method=None, *, chat_id=None,
  status=None) -> list[CallRecord]`` (method, params, time, monotonic, status — 0 for a
  dropped connection —, description, duration, ok). ``callback_answer(query_id)``;
  ``commands_for(scope="default", *, chat_id, user_id, language_code="")``; ``stats()``: the
  counters ``requests``, ``sent`` (accepted sends), ``edited``, ``deleted``, one per status
  (``"200"``, ``"400"``, ``"403"``, ``"409"``, ``"429"`` …), ``400.migrated``, ``429.penalty``,
  ``429.injected``, ``429.rate.overall|chat|group``, ``injected.<code>``,
  ``method.<name>`` and ``method.<name>.<status>``, plus ``pending_updates``,
  ``updates_queued``, ``updates_filtered``. ``await wait_for_messages(chat_id, count=1, *,
  after_id=0, timeout=5.0)`` returns every bot message above ``after_id`` (deleted ones too)
  once there are ``count``; ``wait_for_callback_answer(query_id, timeout=5.0)``;
  ``wait_for_polling(timeout=10.0)``; ``wait_for_inline_answer(inline_query_id, timeout=5.0)
  -> InlineQueryRecord`` (``answer``: cache_time, is_personal, next_offset, button;
  ``results``: as checked, a text content's parse in ``["parsed"]``);
  ``wait_for_call(method, *, since=0.0, where=None,
  timeout=5.0) -> CallRecord``; ``wait_for(predicate, timeout=5.0, what="…")``. A wait that
  runs out raises ``TimeoutError`` naming what was missing and the last calls the bot made.
  ``reset(*, everything=False)`` forgets traffic (messages, pending updates, calls, counters,
  limit state, injections, callback queries) and with ``everything`` users, chats, commands
  and the webhook too; message and update ids keep increasing.

Subprocess: ``python -m tests.botapi [--port 0] [--token T] [--bot-username U]
[--no-limits] [--overall 30] [--per-chat 1.0] [--chat-burst 3] [--per-group 20]
[--no-penalty] [--auto-register] [--latency S] [--log-level L]`` prints its URL on one line
of standard output once listening and runs until SIGINT/SIGTERM. ``tests.botapi.remote.
spawn_server(*options)`` starts it and yields ``.url``, ``.process`` and ``.control``, a
``ControlClient`` whose ``await control.call(endpoint, **args)`` returns the ``result``
(``ControlError`` otherwise). The control API, ``/_control/<endpoint>``, takes arguments from
the query string and/or a JSON object body and answers ``{"ok": true, "result": …}``, or 400 /
408 (wait ran out) with ``{"ok": false, "error": "…"}``:

  health                                  → {token, bot}
  users       {id, first_name?, username?, language_code?, last_name?}
              | {users: [...]} | {count, first_id?}
  chats       {id, type?, title?, username?, members?: {"<user_id>": status}, bot_status?,
              bot_rights?, is_forum?}
  topics      {chat_id, name} → {message_thread_id}
  close_topic / reopen_topic / delete_topic {chat_id, message_thread_id}
  members     {chat_id, user_id, status, rights?}
  send_text   {user_id, chat_id?, text, reply_to_message_id?, message_thread_id?}
              → the message + update_id
              | {messages: [{user_id, chat_id?, text}, …]}    → [update_id, …]
  press_button {user_id, chat_id, message_id, callback_data? | text?} → {callback_query_id}
  inline_query {user_id, query, offset?}    → {inline_query_id}
  inline_answer {id, wait?, timeout?}       → {answer, results}
  choose_inline_result {user_id, chat_id, inline_query_id, result_id} → the message
  share_chat  {user_id, message_id, shared_chat_id, text?, check?} → the message + update_id
  updates     {an update body without update_id}              → {update_id}
  block       {chat_id, reason?, notify?}      unblock {chat_id, notify?}
  migrate     {chat_id, to_chat_id?, notify?}  → {migrate_to_chat_id}
  inject      {chat_id?, error_code, description, count?, retry_after?, migrate_to_chat_id?,
              methods?}
  inject_429  {chat_id?, retry_after?, count?, methods?}
  inject_disconnect {chat_id?, count?, deliver?, methods?}     clear_injections
  limits      {overall?, per_chat?, per_group?: {count, period} | {rate, burst} | null,
              tolerance?, penalty?} → the limits now in force
  settings    {auto_register?, privacy_mode?, strict_html?, inline_mode?, latency?,
              callback_timeout?, length_unit?} → the settings now in force
  messages    {chat_id, include_deleted?, all?} → messages: the Bot API fields plus chat_id,
              from_bot, raw_text, parse_mode, html, deleted, edits, sent_at, dropped_links,
              options
  wait_messages {chat_id, count?, after_id?, timeout?} → messages (408 if too few)
  callback_answer {id, wait?, timeout?}    wait_polling {timeout?}
  calls       {method?, chat_id?, status?, since? (Unix time)} → call records
  stats       → the counters          commands {scope?, chat_id?, user_id?, language_code?}
  reset       {everything?}

Methods: getMe, getUpdates (``offset`` confirms and drops, negative ``offset`` keeps the
last updates, ``limit`` 1..100, ``timeout`` long poll, ``allowed_updates`` remembered; a second
poller ends the first with 409 as Telegram does; 409 while a webhook is set), setWebhook /
deleteWebhook (``drop_pending_updates``) / getWebhookInfo (updates are POSTed to the webhook
one at a time with ``X-Telegram-Bot-Api-Secret-Token``, retried with backoff; a method in the
webhook's answer is executed; plain ``http://`` is allowed here), logOut, close,
sendMessage, sendDocument, getFile, editMessageText, editMessageCaption, answerInlineQuery,
editMessageReplyMarkup, deleteMessage, sendChatAction, answerCallbackQuery, getChat,
getChatMember, getChatAdministrators, getChatMemberCount, leaveChat, set/get/deleteMyCommands
(per scope and language_code, no fallback), set/getMyDescription, set/getMyShortDescription,
set/getMyName, set/getChatMenuButton, create/close/reopen/deleteForumTopic (in a forum, with
the bot an administrator).

Validated like Telegram (400 ``Bad Request: …`` unless noted): ``chat_id is empty``, ``chat
not found`` (``@username`` finds public chats only); ``message text is empty`` (also when only
whitespace or empty tags remain); ``message is too long`` over 4096 characters of visible
text after entity parsing and trimming (``message caption is too long`` over 1024);
``unsupported parse_mode``; parse_mode=HTML with TDLib's algorithm and error texts — only
b/strong, i/em, u/ins, s/strike/del, tg-spoiler, span class="tg-spoiler", a href, code (class
"language-…"), pre, blockquote (expandable), tg-emoji (emoji-id); tags closed and properly
nested; references ``&lt; &gt; &amp; &quot;`` and numeric ones (``can't parse entities:
Unsupported start tag "div" at byte offset 0``, ``Can't find end tag corresponding to start
tag "b"``, ``Unmatched end tag …``, ``Unexpected end tag …``); an ``<a href>`` Telegram would
not accept as a link (``javascript:``, other schemes, bad host or port) keeps its text and
loses the link, exactly as Telegram does (``StoredMessage.dropped_links`` lists them);
returned entities include the hashtags, URLs, mentions and commands Telegram detects.
Inline keyboards: ``BUTTON_DATA_INVALID`` for callback_data outside 1..64 bytes of UTF-8;
``Text buttons are unallowed in the inline keyboard`` without an action; a bad button URL;
``REPLY_MARKUP_TOO_LONG`` over 100 buttons. Edits: ``message to edit not found``,
``message can't be edited``, ``message is not modified: …``; ``message to delete not
found``; ``message to be replied not found``; ``query is too old and response timeout
expired or query ID is invalid`` for an unknown, answered or older-than-``callback_timeout``
callback query; ``BOT_COMMAND_INVALID``; ``need administrator rights in the channel chat``, and
``not enough rights to send text messages to the chat`` for a channel administrator without
``can_post_messages``. A reply keyboard's ``request_chat`` needs an integer ``request_id`` and a
boolean ``chat_is_channel``; ``input_field_placeholder`` is at most 64 characters.
answerInlineQuery (once per query, within ``callback_timeout``): at most 50 results
(``RESULTS_TOO_MUCH``), ids of 1–64 bytes (``RESULT_ID_INVALID``) and unique
(``RESULT_ID_DUPLICATE``), an article with a title and ``input_message_content``, whose text is
parsed as sendMessage's (``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``can't parse entities``),
``next_offset`` at most 64 bytes (``NEXT_OFFSET_INVALID``), a button's ``start_parameter`` of
``A-Za-z0-9_-`` (``START_PARAM_INVALID``). getMe says ``supports_inline_queries`` as the
``inline_mode`` setting (default on).

Where it is stricter than Telegram, on purpose: with ``strict_html`` (default) a bare ``&``
or an unknown named reference such as ``&nbsp;`` is refused (``Character "&" at byte offset
4 must be escaped as "&amp;"``), which Telegram silently keeps as text; an inline button with
more than one action field is refused (Telegram uses the first).

Not emulated: MarkdownV2/Markdown are accepted but not parsed (the raw text is the visible
text); media other than documents, ``chosen_inline_result`` feedback and inline edits,
payments, business messages, reactions; bare-domain URL detection; the
100-entities cap; limits on edits; concurrent webhook connections; inline_message_id edits
(400 ``MESSAGE_ID_INVALID``). Length is counted in code points, as Telegram does (4096 emoji
pass); ``length_unit="utf16"`` counts UTF-16 units instead.
"""

from tests.botapi.core import DEFAULT_TOKEN
from tests.botapi.limits import Bucket, RateLimits, Window
from tests.botapi.models import CallRecord, Chat, StoredMessage, User
from tests.botapi.server import BotAPIServer

__all__ = [
    "DEFAULT_TOKEN",
    "BotAPIServer",
    "Bucket",
    "CallRecord",
    "Chat",
    "RateLimits",
    "StoredMessage",
    "User",
    "Window",
]
