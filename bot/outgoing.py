"""What the core needs from Telegram, free of Telegram types: a rendered message, how sending can
fail, and the sending interface the dispatcher uses (bot/transport.py adapts it to PTB)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutMessage:
    """A message as the core renders it: HTML text and rows of (label, callback data) buttons."""

    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    protect: bool = False
    photo: bytes | None = None
    silent: bool = False
    # (chat id, message id) of a message to copy (Telegram's copyMessage: no "forwarded from",
    # so a client's profile is not exposed); `text`, when set, replaces its caption.
    copy_from: tuple[int, int] | None = None
    # A file sent as a document (the printable card's PDF), with the name the recipient sees.
    document: bytes | None = None
    document_name: str = "silta.pdf"

    def to_payload(self) -> dict[str, Any]:
        """The message as an outbox row's JSON payload (see `from_payload`)."""
        payload: dict[str, Any] = {"text": self.text}
        if self.buttons:
            payload["buttons"] = self.buttons
        if self.protect:
            payload["protect"] = True
        if self.silent:
            payload["silent"] = True
        if self.photo is not None:
            payload["photo"] = base64.b64encode(self.photo).decode("ascii")
        if self.document is not None:
            payload["document"] = base64.b64encode(self.document).decode("ascii")
            payload["document_name"] = self.document_name
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> OutMessage:
        photo = payload.get("photo")
        document = payload.get("document")
        return cls(
            text=payload.get("text", ""),
            buttons=[[(label, data) for label, data in row] for row in payload.get("buttons", [])],
            protect=bool(payload.get("protect")),
            photo=base64.b64decode(photo) if photo else None,
            silent=bool(payload.get("silent")),
            document=base64.b64decode(document) if document else None,
            document_name=payload.get("document_name", "silta.pdf"),
        )


class SendError(Exception):
    """Base for delivery failures."""


class TransientSendError(SendError):
    """Try again later (429, 5xx, timeout); retry_after in seconds when Telegram said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """The recipient cannot get messages (blocked, deactivated, chat not found) or bad request."""

    def __init__(self, reason: str, *, recipient_gone: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.recipient_gone = recipient_gone


class Transport(Protocol):
    """Sending as the dispatcher sees it."""

    async def send(self, chat_id: int, message: OutMessage) -> int: ...

    async def edit(self, chat_id: int, message_id: int, message: OutMessage) -> None: ...


# Telegram counts message length in UTF-16 code units; relayed text must leave room for the
# card around it within the 4096 limit.
MAX_RELAY_UNITS = 3000


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (an emoji outside the BMP is two units)."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, units: int) -> str:
    """`text` cut to at most `units` UTF-16 units, with an ellipsis when cut."""
    if utf16_len(text) <= units:
        return text
    out = []
    used = 1  # the ellipsis
    for ch in text:
        used += utf16_len(ch)
        if used > units:
            break
        out.append(ch)
    return "".join(out) + "…"


def split_text(text: str, units: int = MAX_RELAY_UNITS) -> list[str]:
    """Long text in parts of at most `units` UTF-16 units, cut at a line end or space if any."""
    parts: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > units:
        head = clip(rest, units + 1)[:-1]  # the most that fits, without the ellipsis
        cut = max(head.rfind("\n"), head.rfind(" "))
        if cut < len(head) // 2:
            cut = len(head)  # one very long word: cut it anywhere
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
