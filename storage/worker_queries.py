"""Queries for the worker's side: client overviews, closing a record, release-plan reminders."""

from __future__ import annotations

from datetime import date, datetime

from aiosqlite import Connection

from storage.models import Client, Worker
from storage.times import utc_iso


async def open_alert_counts(conn: Connection, client_ids: list[int]) -> dict[int, int]:
    """How many unresolved alerts each of these clients has (missing ids have none)."""
    if not client_ids:
        return {}
    marks = ",".join("?" * len(client_ids))
    cur = await conn.execute(
        f"SELECT client_id, count(*) FROM alerts WHERE state != 'resolved' "
        f"AND client_id IN ({marks}) GROUP BY client_id",
        client_ids,
    )
    return {r[0]: r[1] for r in await cur.fetchall()}


async def active_workers(conn: Connection, team_id: int | None = None) -> list[Worker]:
    """Active workers who have joined, optionally only one team's, by name."""
    sql = "SELECT * FROM workers WHERE active AND telegram_id IS NOT NULL"
    args: list[object] = []
    if team_id is not None:
        sql += " AND team_id = ?"
        args.append(team_id)
    cur = await conn.execute(sql + " ORDER BY name, id", args)
    return [Worker.from_row(r) for r in await cur.fetchall()]


async def has_audit(conn: Connection, client_id: int, action: str) -> bool:
    """Whether an action was ever recorded for this client (e.g. the plan was started)."""
    cur = await conn.execute(
        "SELECT 1 FROM audit_log WHERE client_id = ? AND action = ? LIMIT 1", (client_id, action)
    )
    return await cur.fetchone() is not None


async def cancel_open_items(conn: Connection, client_id: int, now: datetime) -> tuple[int, int]:
    """A closed client's coming appointments and open deadlines are cancelled; returns counts."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "UPDATE appointments SET status = 'cancelled', updated_at = ? "
        "WHERE client_id = ? AND status = 'scheduled' AND at > ?",
        (stamp, client_id, stamp),
    )
    appointments = cur.rowcount
    cur = await conn.execute(
        "UPDATE deadlines SET status = 'cancelled' WHERE client_id = ? AND status = 'open'",
        (client_id,),
    )
    return appointments, cur.rowcount


async def void_open_contacts(conn: Connection, client_id: int) -> int:
    """Questions still waiting for this client's answer will not be waited for any more."""
    cur = await conn.execute(
        "UPDATE contacts SET state = 'void' WHERE client_id = ? AND state = 'open'", (client_id,)
    )
    return cur.rowcount


async def clients_near_release(conn: Connection, first: date, last: date) -> list[Client]:
    """Clients not closed, released between the two dates, with release-plan items not done."""
    cur = await conn.execute(
        "SELECT * FROM clients c WHERE c.status != 'closed' AND c.purged_at IS NULL "
        "AND c.release_date BETWEEN ? AND ? AND EXISTS (SELECT 1 FROM plan_items p "
        "WHERE p.client_id = c.id AND p.done_at IS NULL) ORDER BY c.id",
        (first.isoformat(), last.isoformat()),
    )
    return [Client.from_row(r) for r in await cur.fetchall()]


async def last_audit_actor(conn: Connection, client_id: int, prefix: str) -> str | None:
    """Who (actor kind) made the latest entry whose action starts with `prefix`."""
    cur = await conn.execute(
        "SELECT actor_kind FROM audit_log WHERE client_id = ? AND action LIKE ? "
        "ORDER BY id DESC LIMIT 1",
        (client_id, prefix.replace("%", "") + "%"),
    )
    row = await cur.fetchone()
    return row[0] if row else None
