"""/summary: a client's record summary, ready to paste into the client system, and the
"Recorded in the client system" button that makes the next summary start after it."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from telegram.error import TelegramError

from bot.callbacks import Callback, encode
from bot.messages import h
from bot.records_text import summary_text
from bot.services import records as records_service
from bot.transport import OutMessage
from handlers.common import Request, answer_query
from handlers.worker.shared import MAX_TEXT, not_found, pick_client
from storage.models import Client


async def cmd_summary(rq: Request) -> None:
    """/summary CLIENT: what happened since the last recorded summary (else 30 days)."""
    client = await pick_client(rq, "sum")
    if client is not None:
        await show_summary(rq, client)


async def show_summary(rq: Request, client: Client) -> None:
    """The summary as a message, or as a .txt file when it is too long for one."""
    t = rq.t
    result = await records_service.summary(rq.core, rq.me, client.id)
    if result.summary is None:
        await rq.reply(not_found(t))
        return
    s = result.summary
    text = summary_text(t, rq.core.policy.zone, s)
    # The button carries the period's end, so pressing an older summary records only its part.
    buttons = [
        [
            (
                t("✅ Recorded in the client system"),
                encode("rc", client.id, str(int(s.until.timestamp()))),
            )
        ]
    ]
    if len(text) <= MAX_TEXT:
        await rq.reply(OutMessage(h(text), buttons))
        return
    day = s.until.astimezone(rq.core.policy.zone).date().isoformat()
    await rq.reply(
        OutMessage(
            t("The summary is long, so it is in this file ({n} events).").format(n=len(s.events)),
            buttons,
            document=text.encode("utf-8"),
            document_name=f"silta-summary-{client.id}-{day}.txt",
        )
    )


async def on_recorded(rq: Request, cb: Callback) -> None:
    """The worker copied the summary into the client system: remember where it ended."""
    t = rq.t
    query = rq.query
    if not cb.choice.isdigit():
        await answer_query(query, t("This button is no longer active."))
        return
    until = datetime.fromtimestamp(int(cb.choice), UTC)
    status = await records_service.mark_recorded(rq.core, rq.me, cb.id, until)
    if status == "done":
        text = t("Marked as recorded. The next summary starts from {time}.").format(
            time=t.record(until, rq.core.policy.zone)
        )
    elif status == "already":
        text = t("This period is already marked as recorded.")
    else:
        text = t("This button is no longer active.")
    await answer_query(query, text, alert=status == "done")
    if status in ("done", "already"):
        # The mark is stored; a button left on an old message would change nothing.
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(reply_markup=None)
