"""Appointments, benefit deadlines and release-plan items."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiosqlite import Connection

from storage.columns import set_columns
from storage.models import Appointment, Deadline, PlanItem
from storage.times import utc_iso

# --- appointments ----------------------------------------------------------------------------


async def add_appointment(
    conn: Connection,
    *,
    client_id: int,
    at: datetime,
    place: str,
    created_by: int | None,
    now: datetime,
    kind: str = "in_person",
    link: str | None = None,
) -> Appointment:
    cur = await conn.execute(
        "INSERT INTO appointments(client_id, at, place, created_by, created_at, updated_at, "
        "kind, link) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (client_id, utc_iso(at), place, created_by, utc_iso(now), utc_iso(now), kind, link),
    )
    return Appointment.from_row(await cur.fetchone())


async def get_appointment(conn: Connection, appointment_id: int) -> Appointment | None:
    cur = await conn.execute("SELECT * FROM appointments WHERE id = ?", (appointment_id,))
    return Appointment.from_row(await cur.fetchone())


async def update_appointment(
    conn: Connection, appointment_id: int, now: datetime, **fields: Any
) -> Appointment | None:
    await set_columns(conn, "appointments", appointment_id, {**fields, "updated_at": now})
    return await get_appointment(conn, appointment_id)


async def appointments_of(
    conn: Connection,
    client_id: int,
    *,
    upcoming_from: datetime | None = None,
    statuses: tuple[str, ...] = ("scheduled",),
) -> list[Appointment]:
    marks = ",".join("?" * len(statuses))
    sql = f"SELECT * FROM appointments WHERE client_id = ? AND status IN ({marks})"
    args: list[Any] = [client_id, *statuses]
    if upcoming_from is not None:
        sql += " AND at >= ?"
        args.append(utc_iso(upcoming_from))
    cur = await conn.execute(sql + " ORDER BY at", args)
    return [Appointment.from_row(r) for r in await cur.fetchall()]


# --- deadlines -------------------------------------------------------------------------------


async def add_deadline(
    conn: Connection,
    *,
    client_id: int,
    kind: str,
    label: str | None,
    due_date: date,
    monthly: bool,
    created_by: int | None,
    now: datetime,
) -> Deadline:
    cur = await conn.execute(
        "INSERT INTO deadlines(client_id, kind, label, due_date, monthly, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (client_id, kind, label, due_date.isoformat(), int(monthly), created_by, utc_iso(now)),
    )
    return Deadline.from_row(await cur.fetchone())


async def get_deadline(conn: Connection, deadline_id: int) -> Deadline | None:
    cur = await conn.execute("SELECT * FROM deadlines WHERE id = ?", (deadline_id,))
    return Deadline.from_row(await cur.fetchone())


async def update_deadline(conn: Connection, deadline_id: int, **fields: Any) -> Deadline | None:
    await set_columns(conn, "deadlines", deadline_id, fields)
    return await get_deadline(conn, deadline_id)


async def deadlines_of(
    conn: Connection, client_id: int, *, statuses: tuple[str, ...] = ("open",)
) -> list[Deadline]:
    cur = await conn.execute(
        "SELECT * FROM deadlines WHERE client_id = ? "
        f"AND status IN ({','.join('?' * len(statuses))}) "
        "ORDER BY due_date, id",
        (client_id, *statuses),
    )
    return [Deadline.from_row(r) for r in await cur.fetchall()]


# --- plan items ------------------------------------------------------------------------------


async def add_plan_item(
    conn: Connection,
    *,
    client_id: int,
    template: str | None,
    title: str | None,
    now: datetime,
    owner: str = "worker",
    due_offset: int | None = None,
    due_date: date | None = None,
) -> PlanItem:
    cur = await conn.execute(
        "INSERT INTO plan_items(client_id, position, template, title, created_at, owner, "
        "due_offset, due_date) VALUES "
        "(?, (SELECT coalesce(max(position), 0) + 1 FROM plan_items WHERE client_id = ?), "
        "?, ?, ?, ?, ?, ?) RETURNING *",
        (
            client_id,
            client_id,
            template,
            title,
            utc_iso(now),
            owner,
            due_offset,
            due_date.isoformat() if due_date else None,
        ),
    )
    return PlanItem.from_row(await cur.fetchone())


async def get_plan_item(conn: Connection, item_id: int) -> PlanItem | None:
    cur = await conn.execute("SELECT * FROM plan_items WHERE id = ?", (item_id,))
    return PlanItem.from_row(await cur.fetchone())


async def plan_of(conn: Connection, client_id: int) -> list[PlanItem]:
    cur = await conn.execute(
        "SELECT * FROM plan_items WHERE client_id = ? ORDER BY position, id", (client_id,)
    )
    return [PlanItem.from_row(r) for r in await cur.fetchall()]


async def update_plan_item(conn: Connection, item_id: int, **fields: Any) -> PlanItem | None:
    await set_columns(conn, "plan_items", item_id, fields)
    return await get_plan_item(conn, item_id)


async def delete_plan_item(conn: Connection, item_id: int) -> None:
    await conn.execute("DELETE FROM plan_items WHERE id = ?", (item_id,))


async def open_plan_items_of(conn: Connection, client_ids: list[int]) -> list[PlanItem]:
    """Open plan items of these clients (for the digest and the planner)."""
    if not client_ids:
        return []
    marks = ",".join("?" * len(client_ids))
    cur = await conn.execute(
        f"SELECT * FROM plan_items WHERE state = 'open' AND client_id IN ({marks}) "
        "ORDER BY client_id, position, id",
        client_ids,
    )
    return [PlanItem.from_row(r) for r in await cur.fetchall()]
