"""Direct answers to people's updates that Telegram would not take at once (handlers/common.py
tries a few times, then leaves them here): sent, or the pressed message edited, as rendered."""

from __future__ import annotations

from aiosqlite import Connection

from bot.core import Core
from bot.outgoing import OutMessage
from bot.scheduling.kinds.base import Kind, Prepared, Send, Skip
from storage.models import OutboxRow
from storage.outbox import URGENT


class DirectAnswer(Kind):
    """A handler's answer, rendered already; its text is wiped from the row once delivered.

    No quiet hours and no status checks: it answers something the person has just done.
    """

    name = "answer"
    priority = URGENT

    async def prepare(self, conn: Connection, core: Core, row: OutboxRow) -> Prepared:
        payload = row.payload
        if "message" not in payload or "chat_id" not in payload:
            return Skip("no message", state="failed")
        return Send(
            int(payload["chat_id"]),
            OutMessage.from_payload(payload["message"]),
            edit_message_id=payload.get("edit"),
            wipe_payload=True,
        )
