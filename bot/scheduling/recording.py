"""Writing down what Telegram said about each sent row, and what follows from it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiosqlite import Connection

from bot.core import Core
from bot.outgoing import PermanentSendError, TransientSendError
from bot.scheduling.kinds.base import Send
from bot.scheduling.kinds.registry import kind_of
from storage import outbox
from storage.db import savepoint
from storage.models import OutboxRow

log = logging.getLogger(__name__)

# When to try a row again after an error of its own (backoff with jitter).
RetryAt = Callable[[OutboxRow], datetime]


async def record(conn: Connection, core: Core, out: Outcome, retry_at: RetryAt) -> None:
    """Record one outcome in a savepoint of its own; a message that went out is marked
    sent even when its bookkeeping fails, so it is not repeated."""
    try:
        async with savepoint(conn):
            await record_one(conn, core, out, retry_at)
    except Exception:
        log.exception("row %d (%s): recording failed", out.row.id, out.row.kind)
        if isinstance(out.outcome, int):
            await outbox.mark_sent(
                conn,
                out.row.id,
                core.now(),
                chat_id=out.item.chat_id,
                message_id=out.outcome,
                wipe_payload=True,
            )


async def record_group(
    conn: Connection, core: Core, group: list[Outcome], retry_at: RetryAt
) -> None:
    """Record a group's outcomes: the messages that went (almost all of them) marked sent in one
    statement batch, then each one's bookkeeping; the others one by one."""
    sent = [(out, out.outcome) for out in group if isinstance(out.outcome, int)]
    await outbox.mark_sent_many(
        conn,
        [(o.row.id, o.item.chat_id, message_id, o.item.wipe_payload) for o, message_id in sent],
        core.now(),
    )
    for out, message_id in sent:
        await kind_of(out.row.kind).after_sent(conn, core, out.row, out.item, message_id)
    for out in group:
        if not isinstance(out.outcome, int):
            await record_one(conn, core, out, retry_at)


async def record_one(conn: Connection, core: Core, out: Outcome, retry_at: RetryAt) -> None:
    """Write down what Telegram said about one row, and what follows for the chat's rest."""
    row, item, outcome = out.row, out.item, out.outcome
    if isinstance(outcome, TransientSendError) and _timed_out_again(row, outcome):
        # Telegram may well have delivered both tries and only answered late: a third send
        # could be a third copy. It is taken as delivered, and the log says so.
        log.warning("row %d (%s): timed out twice; not sent again", row.id, row.kind)
        await outbox.finish(conn, row.id, "sent", "timed out twice: may not have arrived")
        await kind_of(row.kind).after_sent(conn, core, row, item, None)
    elif isinstance(outcome, TransientSendError):
        assert out.retry_at is not None  # set by the sender with the chat's hold
        log.info(
            "row %d (%s): %s, retry in %.1fs",
            row.id,
            row.kind,
            outcome.reason,
            (out.retry_at - core.now()).total_seconds(),
        )
        await outbox.retry_later(conn, row.id, out.retry_at, outcome.reason)
    elif isinstance(outcome, PermanentSendError):
        log.warning("row %d (%s) failed for good: %s", row.id, row.kind, outcome.reason)
        await outbox.finish(conn, row.id, "failed", outcome.reason)
        if outcome.recipient_gone:
            await kind_of(row.kind).on_recipient_gone(conn, core, row, outcome.reason)
    elif isinstance(outcome, Exception) or outcome is None:
        log.error(
            "row %d (%s): send raised %s; retrying later",
            row.id,
            row.kind,
            type(outcome).__name__,
        )
        await outbox.retry_later(conn, row.id, retry_at(row), "error")
    else:
        await outbox.mark_sent(
            conn,
            row.id,
            core.now(),
            chat_id=item.chat_id,
            message_id=outcome,
            wipe_payload=item.wipe_payload,
        )
        await kind_of(row.kind).after_sent(conn, core, row, item, outcome)
    for rest in out.rest:
        if isinstance(outcome, TransientSendError):
            assert out.retry_at is not None
            await outbox.retry_later(conn, rest.id, out.retry_at, "chat waits")
        else:  # the recipient is gone: the same answer holds for the rest
            assert isinstance(outcome, PermanentSendError)
            await outbox.finish(conn, rest.id, "failed", outcome.reason)


def _timed_out_again(row: OutboxRow, outcome: TransientSendError) -> bool:
    """This send timed out, and so did the one before it (the outcome of both is unknown)."""
    return outcome.reason == "timeout" and row.reason == "timeout"


def backoff(attempts: int, jitter: float) -> timedelta:
    """Exponential backoff capped at 15 minutes; `jitter` in [0, 1) spreads retries apart."""
    base = min(900.0, 2.0 ** min(attempts, 10))
    return timedelta(seconds=base * (0.5 + jitter))


@dataclass(slots=True)
class Outcome:
    """What Telegram said about one row, and the chat's rows that were not tried after it."""

    row: OutboxRow
    item: Send
    outcome: int | Exception | None
    rest: list[OutboxRow]
    # For a transient failure: when the row and the rest try again (the chat is held until then).
    retry_at: Any = None
