"""Handler routers, one per topic; :func:`get_routers` builds them in dispatch order.

Each module has a ``router()`` factory that builds a fresh router with the module's
handlers, so every dispatcher (the process's, each test's) gets routers of its own.
"""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """New routers, in the order the dispatcher tries them.

    1. service events first, so a migration or membership change is never taken for chatter;
    2. admin and feature commands (each matches only its own commands and buttons);
    3. the error handlers (they observe errors only, so their place does not matter);
    4. the catch-alls last, for whatever nothing else wanted: a hint for messages and an
       answer for every button press no other router took (a stale or forged payload).
    """
    from bot.handlers import (
        admin,
        channels,
        chat_events,
        digest,
        errors,
        fallback,
        feeds,
        follows,
        inline,
        latest,
        links,
        opml,
        read,
        search,
        settings,
        start,
        stories,
        subscriptions,
        tags,
    )

    return [
        chat_events.router(),
        admin.router(),
        feeds.router(),
        opml.router(),
        start.router(),
        links.router(),
        subscriptions.router(),
        follows.router(),
        tags.router(),
        latest.router(),
        search.router(),
        stories.router(),
        read.router(),
        settings.router(),
        channels.router(),
        inline.router(),
        digest.router(),
        errors.router(),
        fallback.router(),
    ]
