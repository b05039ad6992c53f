"""Records SQL: one client's facts in a period, the "recorded in the client system" marks."""

from __future__ import annotations

from datetime import datetime

from aiosqlite import Connection

from storage.models import Alert, Appointment, AuditEntry, Contact, PlanItem
from storage.times import from_iso, utc_iso

# Audit actions that are events of a client's record: messages both ways, moved appointments.
EVENT_ACTIONS = ("client.message", "client.reply", "appointment.move")


async def contacts_between(
    conn: Connection, client_id: int, since: datetime, until: datetime
) -> list[Contact]:
    """Check-ins and reminders asked in [since, until), oldest first (withdrawn ones left out)."""
    cur = await conn.execute(
        "SELECT * FROM contacts WHERE client_id = ? AND opened_at >= ? AND opened_at < ? "
        "AND state != 'void' ORDER BY opened_at, id",
        (client_id, utc_iso(since), utc_iso(until)),
    )
    return [Contact.from_row(r) for r in await cur.fetchall()]


async def alerts_between(
    conn: Connection, client_id: int, since: datetime, until: datetime
) -> list[Alert]:
    """Alerts raised, taken or resolved in [since, until)."""
    lo, hi = utc_iso(since), utc_iso(until)
    cur = await conn.execute(
        "SELECT * FROM alerts WHERE client_id = ? AND ((raised_at >= ? AND raised_at < ?) "
        "OR (acknowledged_at >= ? AND acknowledged_at < ?) "
        "OR (resolved_at >= ? AND resolved_at < ?)) ORDER BY raised_at, id",
        (client_id, lo, hi, lo, hi, lo, hi),
    )
    return [Alert.from_row(r) for r in await cur.fetchall()]


async def appointments_between(
    conn: Connection, client_id: int, since: datetime, until: datetime
) -> list[Appointment]:
    """Appointments whose time fell in [since, until), cancelled ones left out."""
    cur = await conn.execute(
        "SELECT * FROM appointments WHERE client_id = ? AND at >= ? AND at < ? "
        "AND status != 'cancelled' ORDER BY at, id",
        (client_id, utc_iso(since), utc_iso(until)),
    )
    return [Appointment.from_row(r) for r in await cur.fetchall()]


async def plan_done_between(
    conn: Connection, client_id: int, since: datetime, until: datetime
) -> list[PlanItem]:
    """Plan items ticked done in [since, until)."""
    cur = await conn.execute(
        "SELECT * FROM plan_items WHERE client_id = ? AND done_at >= ? AND done_at < ? "
        "ORDER BY done_at, id",
        (client_id, utc_iso(since), utc_iso(until)),
    )
    return [PlanItem.from_row(r) for r in await cur.fetchall()]


async def audit_events_between(
    conn: Connection, client_id: int, since: datetime, until: datetime
) -> list[AuditEntry]:
    """Messages both ways and moved appointments in [since, until), from the audit log."""
    marks = ", ".join("?" for _ in EVENT_ACTIONS)
    cur = await conn.execute(
        f"SELECT * FROM audit_log WHERE client_id = ? AND action IN ({marks}) "
        "AND at >= ? AND at < ? ORDER BY at, id",
        (client_id, *EVENT_ACTIONS, utc_iso(since), utc_iso(until)),
    )
    return [AuditEntry.from_row(r) for r in await cur.fetchall()]


async def last_mark(conn: Connection, client_id: int) -> datetime | None:
    """The end of the latest period marked as recorded for this client."""
    cur = await conn.execute(
        "SELECT max(period_end) FROM record_marks WHERE client_id = ?", (client_id,)
    )
    row = await cur.fetchone()
    return from_iso(row[0]) if row and row[0] else None


async def add_mark(
    conn: Connection, client_id: int, worker_id: int | None, period_end: datetime, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO record_marks(client_id, worker_id, period_end, marked_at) VALUES (?, ?, ?, ?)",
        (client_id, worker_id, utc_iso(period_end), utc_iso(now)),
    )


async def first_event_after(
    conn: Connection, client_id: int, after: datetime | None
) -> datetime | None:
    """The earliest event of this client after `after` (None: ever) that a summary would list."""
    lo = utc_iso(after) if after is not None else ""
    marks = ", ".join("?" for _ in EVENT_ACTIONS)
    cur = await conn.execute(
        "SELECT min(t) FROM ("
        "SELECT min(opened_at) AS t FROM contacts "
        "WHERE client_id = ? AND opened_at >= ? AND state != 'void' "
        "UNION ALL SELECT min(raised_at) FROM alerts WHERE client_id = ? AND raised_at >= ? "
        "UNION ALL SELECT min(at) FROM appointments "
        "WHERE client_id = ? AND at >= ? AND status IN ('attended', 'missed') "
        "UNION ALL SELECT min(done_at) FROM plan_items WHERE client_id = ? AND done_at >= ? "
        f"UNION ALL SELECT min(at) FROM audit_log WHERE client_id = ? AND action IN ({marks}) "
        "AND at >= ?)",
        (client_id, lo, client_id, lo, client_id, lo, client_id, lo, client_id, *EVENT_ACTIONS, lo),
    )
    row = await cur.fetchone()
    return from_iso(row[0]) if row and row[0] else None
