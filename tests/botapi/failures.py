"""Failures on demand: errors, 429s and dropped connections for the next calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.botapi.limits import Injection
from tests.botapi.observer import Observer


class Failures(Observer):
    """Inject failures; they are consumed in order, chat-specific ones first."""

    def inject_error(
        self,
        chat_id: int | None = None,
        *,
        error_code: int,
        description: str,
        count: int = 1,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer the next ``count`` sends (to ``chat_id``, or any chat) with this error.

        With ``methods`` (e.g. ``["getUpdates"]``) the error goes to the next calls of those
        methods instead, before any validation.
        """
        parameters: dict[str, Any] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        self.inject(
            chat_id,
            Injection(
                error_code, description, count, parameters or None,
                frozenset(m.lower() for m in methods) if methods is not None else None,
            ),
        )  # fmt: skip

    def inject_429(
        self,
        chat_id: int | None = None,
        *,
        retry_after: int = 1,
        count: int = 1,
        methods: Iterable[str] | None = None,
    ) -> None:
        """The next ``count`` sends get 429 with ``retry_after`` (and open a penalty window)."""
        self.inject_error(
            chat_id, error_code=429, description=f"Too Many Requests: retry after {retry_after}",
            count=count, retry_after=retry_after, methods=methods,
        )  # fmt: skip

    def inject_disconnect(
        self,
        chat_id: int | None = None,
        *,
        count: int = 1,
        deliver: bool = True,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Drop the connection of the next ``count`` sends without an answer.

        ``deliver=True`` stores the message first: Telegram accepted it, the bot never
        learnt so — the window a durable outbox must survive without sending twice.
        """
        self.inject(
            chat_id,
            Injection(
                0, "connection dropped", count, None,
                frozenset(m.lower() for m in methods) if methods is not None else None,
                disconnect=True, deliver=deliver,
            ),
        )  # fmt: skip

    def clear_injections(self) -> None:
        self.injections.clear()
