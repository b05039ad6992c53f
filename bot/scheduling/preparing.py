"""Preparing a claimed batch: what each row sends, or why it does not go now (written down)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core import Core
from bot.scheduling.kinds.base import Later, Send, Skip, clients_read_ahead
from bot.scheduling.kinds.registry import kind_of
from storage import outbox
from storage import people as people_repo
from storage.db import savepoint
from storage.models import OutboxRow

log = logging.getLogger(__name__)


async def prepare_all(
    conn: Any, core: Core, rows: list[OutboxRow], retry_at: Callable[[OutboxRow], datetime]
) -> dict[int, Send]:
    """Prepare a batch in one go; only if a row fails, again row by row, each isolated.

    A savepoint per row costs two statements per message; rows almost never fail. The batch's
    clients are read in one query first.
    """
    ids = sorted({row.client_id for row in rows if row.client_id is not None})
    with clients_read_ahead(await people_repo.clients_by_id(conn, ids)):
        try:
            async with savepoint(conn, "prepared"):
                return {
                    row.id: item
                    for row in rows
                    if (item := await prepare_one(conn, core, row)) is not None
                }
        except Exception:
            log.warning("a row of a batch failed to prepare; preparing one by one")
        prepared: dict[int, Send] = {}
        for row in rows:
            try:
                async with savepoint(conn):
                    item = await prepare_one(conn, core, row)
                if item is not None:
                    prepared[row.id] = item
            except Exception:
                log.exception("row %d (%s): preparing failed; retrying later", row.id, row.kind)
                await outbox.retry_later(conn, row.id, retry_at(row), "error")
        return prepared


async def prepare_one(conn: Any, core: Core, row: OutboxRow) -> Send | None:
    """What to send for the row, or None once it is skipped or put off (written down)."""
    result = await kind_of(row.kind).prepare(conn, core, row)
    if isinstance(result, Skip):
        await outbox.finish(conn, row.id, result.state, result.reason)
        return None
    if isinstance(result, Later):
        # Never re-queue into the past: that would spin instead of waiting.
        due = max(result.due_at, core.now() + timedelta(seconds=1))
        await outbox.retry_later(conn, row.id, due, result.reason)
        return None
    return result
