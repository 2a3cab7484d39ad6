"""The HTTP control API under ``/_control/``: the Python driver API for another process.

Every endpoint takes its arguments from the query string and/or a JSON object body and
answers ``{"ok": true, "result": …}``; a bad argument answers 400 and a wait that runs out
answers 408, both as ``{"ok": false, "error": "…"}``. The endpoints are listed in the
package docstring (``tests/botapi/__init__.py``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.botapi.models import Chat, User

if TYPE_CHECKING:
    from tests.botapi.actions import Actions as Driver

Args = dict[str, Any]
Endpoint = Callable[["Driver", Args], Awaitable[Any]]
ROUTES: dict[str, Endpoint] = {}


def endpoint(name: str) -> Callable[[Endpoint], Endpoint]:
    def register(handler: Endpoint) -> Endpoint:
        ROUTES[name] = handler
        return handler

    return register


def _int(args: Args, name: str, default: int | None = None) -> int:
    value = args.get(name, default)
    if value is None or value == "":
        if default is None:
            raise ValueError(f"{name} is required")
        return default
    return int(value)


def _opt_int(args: Args, name: str) -> int | None:
    value = args.get(name)
    return None if value is None or value == "" else int(value)


def _bool(args: Args, name: str, default: bool = False) -> bool:
    value = args.get(name, default)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


def _methods(args: Args) -> list[str] | None:
    value = args.get("methods")
    if isinstance(value, str):
        return [m for m in value.split(",") if m]
    return list(value) if value is not None else None


def chat_json(chat: Chat) -> dict[str, Any]:
    return {
        **chat.to_api(),
        "members": {str(k): v for k, v in chat.members.items()},
        "bot_status": chat.bot_status,
        "rights": {str(k): v for k, v in chat.rights.items()},
        "forbidden": chat.forbidden,
        "migrated_to": chat.migrated_to,
    }


def _user(tg: Driver, spec: Args) -> User:
    return tg.add_user(
        int(spec["id"]), spec.get("first_name"), username=spec.get("username"),
        language_code=spec.get("language_code", "ru"), last_name=spec.get("last_name"),
    )  # fmt: skip


@endpoint("health")
async def health(tg: Driver, args: Args) -> Any:
    return {"token": tg.token, "bot": tg.bot.to_api()}


@endpoint("users")
async def users(tg: Driver, args: Args) -> Any:
    if "count" in args:
        made = tg.add_users(_int(args, "count"), first_id=_int(args, "first_id", 1_000_001))
        return {"count": len(made), "first_id": made[0].id if made else None}
    specs = args.get("users", [args])
    return [_user(tg, spec).to_api() for spec in specs]


@endpoint("chats")
async def chats(tg: Driver, args: Args) -> Any:
    members = {int(k): v for k, v in (args.get("members") or {}).items()}
    chat = tg.add_chat(
        _int(args, "id"), args.get("type", "group"), title=args.get("title"),
        username=args.get("username"), members=members,
        bot_status=args.get("bot_status", "member"), bot_rights=args.get("bot_rights"),
        is_forum=_bool(args, "is_forum"),
    )  # fmt: skip
    return chat_json(chat)


@endpoint("members")
async def members(tg: Driver, args: Args) -> Any:
    tg.set_member(
        _int(args, "chat_id"), _int(args, "user_id"), args.get("status", "member"),
        rights=args.get("rights"),
    )  # fmt: skip
    return chat_json(tg.chat(_int(args, "chat_id")))


@endpoint("send_text")
async def send_text(tg: Driver, args: Args) -> Any:
    if "messages" in args:  # bulk: {"messages": [{user_id, chat_id?, text}, …]}
        return [(await send_text(tg, one))["update_id"] for one in args["messages"]]
    message = tg.send_text(
        _int(args, "user_id"), _opt_int(args, "chat_id"), str(args["text"]),
        reply_to=_opt_int(args, "reply_to_message_id"),
        thread=_opt_int(args, "message_thread_id"),
    )  # fmt: skip
    return {**message.to_control(tg.bot), "update_id": message.update_id}


@endpoint("topics")
async def topics(tg: Driver, args: Args) -> Any:
    thread_id = tg.create_topic(_int(args, "chat_id"), str(args["name"]))
    return {"message_thread_id": thread_id}


@endpoint("close_topic")
async def close_topic(tg: Driver, args: Args) -> Any:
    tg.close_topic(_int(args, "chat_id"), _int(args, "message_thread_id"))
    return True


@endpoint("reopen_topic")
async def reopen_topic(tg: Driver, args: Args) -> Any:
    tg.reopen_topic(_int(args, "chat_id"), _int(args, "message_thread_id"))
    return True


@endpoint("delete_topic")
async def delete_topic(tg: Driver, args: Args) -> Any:
    tg.delete_topic(_int(args, "chat_id"), _int(args, "message_thread_id"))
    return True


@endpoint("press_button")
async def press_button(tg: Driver, args: Args) -> Any:
    message = tg.message(_int(args, "chat_id"), _int(args, "message_id"))
    query_id = tg.press_button(
        _int(args, "user_id"), message, args.get("callback_data"), text=args.get("text")
    )
    return {"callback_query_id": query_id}


@endpoint("inline_query")
async def inline_query(tg: Driver, args: Args) -> Any:
    query_id = tg.send_inline_query(
        _int(args, "user_id"), str(args.get("query", "")), offset=str(args.get("offset", ""))
    )
    return {"inline_query_id": query_id}


@endpoint("inline_answer")
async def inline_answer(tg: Driver, args: Args) -> Any:
    record = tg.inline_queries[str(args["id"])]
    if _bool(args, "wait"):
        record = await tg.wait_for_inline_answer(record.id, float(args.get("timeout", 5)))
    results = [
        {
            **{k: v for k, v in result.items() if k != "input_message_content"},
            "input_message_content": {
                k: v for k, v in result.get("input_message_content", {}).items() if k != "parsed"
            },
        }
        for result in record.results
    ]
    return {"answer": record.answer, "results": results}


@endpoint("choose_inline_result")
async def choose_inline_result(tg: Driver, args: Args) -> Any:
    message = tg.choose_inline_result(
        _int(args, "user_id"), _int(args, "chat_id"), str(args["inline_query_id"]),
        str(args["result_id"]),
    )  # fmt: skip
    return message.to_control(tg.bot)


@endpoint("share_chat")
async def share_chat(tg: Driver, args: Args) -> Any:
    message = tg.message(_int(args, "user_id"), _int(args, "message_id"))
    picked = tg.share_chat(
        _int(args, "user_id"), message, _int(args, "shared_chat_id"), text=args.get("text"),
        check=_bool(args, "check", True),
    )  # fmt: skip
    return {**picked.to_control(tg.bot), "update_id": picked.update_id}


@endpoint("updates")
async def updates(tg: Driver, args: Args) -> Any:
    return {"update_id": tg.enqueue_update(args)}


@endpoint("block")
async def block(tg: Driver, args: Args) -> Any:
    tg.block(_int(args, "chat_id"), args.get("reason", "blocked"), notify=_bool(args, "notify"))
    return chat_json(tg.chat(_int(args, "chat_id")))


@endpoint("unblock")
async def unblock(tg: Driver, args: Args) -> Any:
    tg.unblock(_int(args, "chat_id"), notify=_bool(args, "notify"))
    return chat_json(tg.chat(_int(args, "chat_id")))


@endpoint("migrate")
async def migrate(tg: Driver, args: Args) -> Any:
    new_id = tg.migrate(
        _int(args, "chat_id"), _opt_int(args, "to_chat_id"), notify=_bool(args, "notify", True)
    )
    return {"migrate_to_chat_id": new_id}


@endpoint("inject")
async def inject(tg: Driver, args: Args) -> Any:
    tg.inject_error(
        _opt_int(args, "chat_id"), error_code=_int(args, "error_code"),
        description=str(args["description"]), count=_int(args, "count", 1),
        retry_after=_opt_int(args, "retry_after"),
        migrate_to_chat_id=_opt_int(args, "migrate_to_chat_id"), methods=_methods(args),
    )  # fmt: skip
    return True


@endpoint("inject_429")
async def inject_429(tg: Driver, args: Args) -> Any:
    tg.inject_429(
        _opt_int(args, "chat_id"), retry_after=_int(args, "retry_after", 1),
        count=_int(args, "count", 1), methods=_methods(args),
    )  # fmt: skip
    return True


@endpoint("inject_disconnect")
async def inject_disconnect(tg: Driver, args: Args) -> Any:
    tg.inject_disconnect(
        _opt_int(args, "chat_id"), count=_int(args, "count", 1),
        deliver=_bool(args, "deliver", True), methods=_methods(args),
    )  # fmt: skip
    return True


@endpoint("clear_injections")
async def clear_injections(tg: Driver, args: Args) -> Any:
    tg.clear_injections()
    return True


@endpoint("limits")
async def limits(tg: Driver, args: Args) -> Any:
    tg.limits.update(args)
    return tg.limits.to_json()


@endpoint("settings")
async def settings(tg: Driver, args: Args) -> Any:
    for name in ("auto_register", "privacy_mode", "strict_html", "inline_mode"):
        if name in args:
            setattr(tg, name, _bool(args, name))
    for name in ("latency", "callback_timeout"):
        if name in args:
            setattr(tg, name, float(args[name]))
    if args.get("length_unit") in ("codepoints", "utf16"):
        tg.length_unit = args["length_unit"]
    names = (
        "auto_register", "privacy_mode", "strict_html", "inline_mode", "latency",
        "callback_timeout",
    )  # fmt: skip
    return {name: getattr(tg, name) for name in (*names, "length_unit")}


@endpoint("messages")
async def messages(tg: Driver, args: Args) -> Any:
    found = tg.messages_for(
        _int(args, "chat_id"), include_deleted=_bool(args, "include_deleted"),
        from_bot=None if _bool(args, "all") else True,
    )  # fmt: skip
    return [m.to_control(tg.bot) for m in found]


@endpoint("wait_messages")
async def wait_messages(tg: Driver, args: Args) -> Any:
    found = await tg.wait_for_messages(
        _int(args, "chat_id"), _int(args, "count", 1), after_id=_int(args, "after_id", 0),
        timeout=float(args.get("timeout", 5.0)),
    )  # fmt: skip
    return [m.to_control(tg.bot) for m in found]


@endpoint("callback_answer")
async def callback_answer(tg: Driver, args: Args) -> Any:
    if _bool(args, "wait"):
        return await tg.wait_for_callback_answer(str(args["id"]), float(args.get("timeout", 5)))
    return tg.callback_answer(str(args["id"]))


@endpoint("wait_polling")
async def wait_polling(tg: Driver, args: Args) -> Any:
    await tg.wait_for_polling(float(args.get("timeout", 10.0)))
    return True


@endpoint("calls")
async def calls(tg: Driver, args: Args) -> Any:
    since = float(args.get("since", 0.0))
    found = tg.calls(
        args.get("method") or None, chat_id=_opt_int(args, "chat_id"),
        status=_opt_int(args, "status"),
    )  # fmt: skip
    return [c.to_json() for c in found if c.time >= since]


@endpoint("stats")
async def stats(tg: Driver, args: Args) -> Any:
    return tg.stats()


@endpoint("commands")
async def commands(tg: Driver, args: Args) -> Any:
    return tg.commands_for(
        args.get("scope", "default"), chat_id=_opt_int(args, "chat_id"),
        user_id=_opt_int(args, "user_id"), language_code=args.get("language_code", ""),
    )  # fmt: skip


@endpoint("reset")
async def reset(tg: Driver, args: Args) -> Any:
    tg.reset(everything=_bool(args, "everything"))
    return True


def add_control_routes(app: web.Application, tg: Driver) -> None:
    async def handle(request: web.Request) -> web.Response:
        handler = ROUTES.get(request.match_info["name"])
        if handler is None:
            return _answer(404, {"ok": False, "error": "unknown control endpoint"})
        args: Args = dict(request.query)
        try:
            if request.body_exists:
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                args.update(body)
            result = await handler(tg, args)
        except TimeoutError as error:
            return _answer(408, {"ok": False, "error": str(error)})
        except (KeyError, ValueError, TypeError) as error:
            return _answer(400, {"ok": False, "error": f"{type(error).__name__}: {error}"})
        tg.notify()
        return _answer(200, {"ok": True, "result": result})

    app.router.add_route("*", "/_control/{name}", handle)


def _answer(status: int, body: Any) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type="application/json",
    )
