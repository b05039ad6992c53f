"""Statistics SQL: counts and raw times of one period; medians are computed by the service."""

from __future__ import annotations

from datetime import datetime

from aiosqlite import Connection

from storage.times import from_iso, utc_iso


async def checkins_sent(conn: Connection, since: datetime, until: datetime) -> int:
    """Check-in messages delivered in [since, until)."""
    cur = await conn.execute(
        "SELECT count(*) FROM outbox_history WHERE kind = 'checkin' AND state = 'sent' "
        "AND sent_at >= ? AND sent_at < ?",
        (utc_iso(since), utc_iso(until)),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def checkin_answers(
    conn: Connection, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """(asked, answered) of every answered check-in asked in [since, until)."""
    cur = await conn.execute(
        "SELECT opened_at, answered_at FROM contacts WHERE kind = 'checkin' AND state = 'answered' "
        "AND answered_at IS NOT NULL AND opened_at >= ? AND opened_at < ? ORDER BY opened_at",
        (utc_iso(since), utc_iso(until)),
    )
    return [(from_iso(r[0]), from_iso(r[1])) for r in await cur.fetchall()]


async def alerts_raised(
    conn: Connection, since: datetime, until: datetime
) -> list[tuple[str, datetime, datetime | None]]:
    """(reason, raised, first response) of alerts raised in [since, until).

    The first response is when a worker took the alert, or resolved it without taking it first;
    alerts closed by the client's own late answer have none.
    """
    cur = await conn.execute(
        "SELECT reason, raised_at, coalesce(acknowledged_at, "
        "CASE WHEN resolved_by IS NOT NULL THEN resolved_at END) "
        "FROM alerts WHERE raised_at >= ? AND raised_at < ? ORDER BY raised_at",
        (utc_iso(since), utc_iso(until)),
    )
    return [(r[0], from_iso(r[1]), from_iso(r[2]) if r[2] else None) for r in await cur.fetchall()]


async def appointment_outcomes(
    conn: Connection, since: datetime, until: datetime
) -> dict[str, int]:
    """Appointments whose time fell in [since, until): total (not cancelled), confirmed by the
    client, attended, missed, cancelled."""
    cur = await conn.execute(
        "SELECT count(*) FILTER (WHERE status != 'cancelled'), "
        "count(*) FILTER (WHERE status != 'cancelled' AND confirmation = 'confirmed'), "
        "count(*) FILTER (WHERE status = 'attended'), "
        "count(*) FILTER (WHERE status = 'missed'), "
        "count(*) FILTER (WHERE status = 'cancelled') "
        "FROM appointments WHERE at >= ? AND at < ?",
        (utc_iso(since), utc_iso(until)),
    )
    row = await cur.fetchone()
    keys = ("total", "confirmed", "attended", "missed", "cancelled")
    return {k: int(v or 0) for k, v in zip(keys, row or (0,) * 5, strict=True)}
