"""Bot API error answers, shaped exactly as Telegram sends them."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """An unsuccessful Bot API answer: ``{"ok": false, "error_code": …, "description": …}``."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> APIError:
    return APIError(400, f"Bad Request: {reason}")


def cant_parse(reason: str) -> APIError:
    return APIError(400, f"Bad Request: can't parse entities: {reason}")


def forbidden(reason: str) -> APIError:
    return APIError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int) -> APIError:
    return APIError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def migrated(to_chat_id: int) -> APIError:
    return APIError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": to_chat_id},
    )


def conflict(reason: str) -> APIError:
    return APIError(409, f"Conflict: {reason}")


UNAUTHORIZED = APIError(401, "Unauthorized")
NOT_FOUND = APIError(404, "Not Found")
