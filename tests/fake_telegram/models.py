"""Records the fake keeps: requests, uploaded files, the bot's messages and callback answers."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "ApiRequest", "CallbackAnswer", "SentMessage", "UploadedFile"]


@dataclass(slots=True)
class UploadedFile:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class ApiRequest:
    """One request the bot made: method (canonical name), decoded params, when, and the answer."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 200
    description: str | None = None

    def short(self) -> str:
        """One line for failure messages."""
        shown = {
            k: (v if not isinstance(v, str) or len(v) < 60 else v[:57] + "...")
            for k, v in self.params.items()
        }
        tail = f" -> {self.status} {self.description}" if self.status != 200 else ""
        return f"{self.method}({shown}){tail}"


@dataclass(slots=True)
class CallbackAnswer:
    """An answerCallbackQuery the bot made."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None = None
    cache_time: int | None = None


@dataclass
class SentMessage:
    """A message the bot sent into a chat, as the user sees it now (after edits)."""

    message_id: int
    chat_id: int
    method: str
    date: int
    text: str | None  # what the user sees: text or caption with HTML tags parsed away
    raw_text: str | None  # text or caption exactly as the bot sent it (with markup)
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    protect_content: bool
    params: dict[str, Any]
    payload: dict[str, Any]  # the Message object Telegram answered with (kept current)
    entities: list[dict[str, Any]] = field(default_factory=list)
    photo: bytes | None = None
    document: bytes | None = None
    file_name: str | None = None
    file_id: str | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)  # earlier states, oldest first
    deleted: bool = False

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Every button, row by row: (text, callback_data or url or None)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        found: list[tuple[str, str | None]] = []
        for row in rows:
            for button in row:
                if isinstance(button, str):  # reply keyboards may be plain strings
                    found.append((button, None))
                    continue
                found.append(
                    (button.get("text", ""), button.get("callback_data", button.get("url")))
                )
        return found

    @property
    def callback_data(self) -> list[str]:
        """The callback_data of every inline button."""
        markup = self.reply_markup or {}
        return [
            b["callback_data"]
            for row in markup.get("inline_keyboard") or []
            for b in row
            if "callback_data" in b
        ]

    def data_for(self, label: str) -> str:
        """The callback_data of the button whose text is `label` (or, failing that, contains it)."""
        markup = self.reply_markup or {}
        inline = [b for row in markup.get("inline_keyboard") or [] for b in row]
        for exact in (True, False):
            for button in inline:
                text = button.get("text", "")
                if (text == label if exact else label in text) and "callback_data" in button:
                    return str(button["callback_data"])
        raise AssertionError(f"no button {label!r} on message {self.message_id}: {self.buttons}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe view for the control endpoints."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "method": self.method,
            "date": self.date,
            "text": self.text,
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "buttons": self.buttons,
            "protect_content": self.protect_content,
            "file_name": self.file_name,
            "file_id": self.file_id,
            "photo_b64": base64.b64encode(self.photo).decode() if self.photo else None,
            "document_b64": base64.b64encode(self.document).decode() if self.document else None,
            "edits": self.edits,
            "deleted": self.deleted,
        }


class ApiError(Exception):
    """An error answer in Telegram's shape: {"ok": false, "error_code", "description"}."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body
