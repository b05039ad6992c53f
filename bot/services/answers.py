"""Answers to people's updates that Telegram would not take at once: kept in the outbox."""

from __future__ import annotations

from uuid import uuid4

from bot.core import Core
from bot.outgoing import OutMessage
from bot.scheduling.kinds import rows
from storage import outbox


async def queue_answer(
    core: Core,
    chat_id: int,
    message: OutMessage,
    *,
    edit_message_id: int | None = None,
    failed: str | None = None,
) -> None:
    """Leave an answer (or the edit of a pressed message) to the outbox, due now; `failed` is
    why the direct try did not do (a "timeout" counts as one timed-out send of the row's)."""
    now = core.now()
    async with core.db.tx() as conn:
        # A fresh key per answer: two equal answers are two messages.
        row = rows.answer(chat_id, message.to_payload(), now, uuid4().hex, edit_message_id)
        row_id = await outbox.add(conn, row, now)
        if failed is not None and row_id is not None:
            await outbox.set_reason(conn, row_id, failed)
    core.wake()
