"""Appointments, deadlines and release plans (shared rules used by workers and the engine)."""

from __future__ import annotations

from aiosqlite import Connection

from bot.core import Core
from bot.scheduling import planner
from storage import items as items_repo
from storage import people as people_repo
from storage.models import Deadline


async def roll_monthly(conn: Connection, core: Core, dl: Deadline) -> None:
    """A monthly deadline that passed moves to the same day next month and is planned again."""
    from bot.services.clients import add_month

    await items_repo.update_deadline(conn, dl.id, due_date=add_month(dl.due_date),
                                     snoozed_until=None)
    client = await people_repo.get_client(conn, dl.client_id)
    if client is not None:
        await planner.plan_client(conn, core, client.id)
