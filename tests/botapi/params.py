"""Typed access to Bot API call parameters as they arrive over HTTP.

Form and multipart bodies carry every value as a string, with complex values
(``reply_markup``, ``entities``, ``allowed_updates``, ``commands`` …) JSON-encoded, exactly
as aiogram's ``AiohttpSession`` sends them; JSON bodies carry native values. Both are
accepted, as Telegram does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.botapi.errors import bad_request


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str | None
    data: bytes


class Params:
    """The parameters of one call, with Telegram-style complaints about bad values."""

    __slots__ = ("disconnect_after", "raw")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.disconnect_after = False  # set by the send gate: answer nothing after storing

    def has(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is not None and value != ""

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, UploadedFile):
            raise bad_request(f'field "{name}" must be of type String')
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str):
            raise bad_request(f'field "{name}" must be of type String')
        return value

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Integer')

    def get_float(self, name: str, default: float | None = None) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Number')

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off", "null"):
                return False
        raise bad_request(f'field "{name}" must be of type Boolean')

    def get_json(self, name: str, what: str | None = None) -> Any:
        """A complex value: native in JSON bodies, JSON-encoded text in form bodies."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        if isinstance(value, UploadedFile):
            raise bad_request(f"can't parse {what or name} JSON object")
        return value

    def get_file(self, name: str) -> UploadedFile | None:
        value = self.raw.get(name)
        return value if isinstance(value, UploadedFile) else None

    def loggable(self) -> dict[str, Any]:
        """The parameters as recorded in the call log (file bodies replaced by a summary)."""
        out: dict[str, Any] = {}
        for key, value in self.raw.items():
            if isinstance(value, UploadedFile):
                out[key] = {"filename": value.filename, "size": len(value.data)}
            else:
                out[key] = value
        return out
