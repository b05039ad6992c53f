"""Queries for the admin's side: policy version facts, worker look-ups, hand-over and audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiosqlite import Connection

from storage.models import Alert, AuditEntry, Client, OutboxRow, Worker
from storage.times import from_iso, utc_iso


@dataclass(frozen=True)
class PolicyVersion:
    """Who stored a policy version, and when (the body is read by Core.load_policy)."""

    id: int
    created_by: int | None
    created_by_name: str | None
    created_at: datetime


async def policy_version(conn: Connection, version: int) -> PolicyVersion | None:
    """Facts about one stored policy version."""
    cur = await conn.execute(
        "SELECT p.id, p.created_by, p.created_at, w.name FROM policy_versions p "
        "LEFT JOIN workers w ON w.id = p.created_by WHERE p.id = ?",
        (version,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return PolicyVersion(row[0], row[1], row[3], from_iso(row[2]))


async def latest_policy_version(conn: Connection) -> int:
    """The newest stored version number (0 when the defaults were never changed)."""
    cur = await conn.execute("SELECT max(id) FROM policy_versions")
    row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def workers_named(conn: Connection, name: str) -> list[Worker]:
    """Workers whose full name, or first word of it, is `name` (case-insensitive)."""
    cur = await conn.execute(
        "SELECT * FROM workers WHERE lower(name) = lower(?) OR lower(name) LIKE lower(?) "
        "ORDER BY id",
        (name, name.replace("%", "").replace("_", "") + " %"),
    )
    return [Worker.from_row(r) for r in await cur.fetchall()]


async def clients_assigned_to(conn: Connection, worker_id: int) -> list[Client]:
    """A worker's own clients that are not closed: the ones to hand over."""
    cur = await conn.execute(
        "SELECT * FROM clients WHERE worker_id = ? AND status != 'closed' AND purged_at IS NULL "
        "ORDER BY id",
        (worker_id,),
    )
    return [Client.from_row(r) for r in await cur.fetchall()]


async def open_alerts_held_by(conn: Connection, worker_id: int) -> list[Alert]:
    """Unresolved alerts of a worker's own clients, and any alert this worker took."""
    cur = await conn.execute(
        "SELECT a.* FROM alerts a LEFT JOIN clients c ON c.id = a.client_id "
        "WHERE a.state != 'resolved' AND (c.worker_id = ? OR a.acknowledged_by = ?) "
        "ORDER BY a.raised_at, a.id",
        (worker_id, worker_id),
    )
    return [Alert.from_row(r) for r in await cur.fetchall()]


async def revoke_worker_invites(conn: Connection, worker_id: int, now: datetime) -> int:
    """A deactivated worker's unused invite must not let anyone in."""
    cur = await conn.execute(
        "UPDATE invites SET revoked_at = ? WHERE worker_id = ? AND used_at IS NULL "
        "AND revoked_at IS NULL",
        (utc_iso(now), worker_id),
    )
    return cur.rowcount


async def pending_of_kind(conn: Connection, kind: str) -> list[OutboxRow]:
    """Pending outbox rows of one kind (e.g. today's digests after a digest time change)."""
    cur = await conn.execute(
        "SELECT * FROM outbox WHERE kind = ? AND state = 'pending' ORDER BY due_at", (kind,)
    )
    return [OutboxRow.from_row(r) for r in await cur.fetchall()]


async def reschedule(conn: Connection, row_id: int, due_at: datetime) -> None:
    """Move a still pending row to a new due time."""
    await conn.execute(
        "UPDATE outbox SET due_at = ? WHERE id = ? AND state = 'pending'", (utc_iso(due_at), row_id)
    )


@dataclass(frozen=True)
class AuditLine:
    """An audit entry with the acting worker's name (None for clients, system and CLI)."""

    entry: AuditEntry
    actor_name: str | None


async def recent_audit(conn: Connection, limit: int) -> list[AuditLine]:
    """The newest audit entries, newest first, with actor names."""
    cur = await conn.execute(
        "SELECT a.*, w.name AS actor_name FROM audit_log a "
        "LEFT JOIN workers w ON w.id = a.actor_id AND a.actor_kind IN ('worker', 'admin') "
        "ORDER BY a.id DESC LIMIT ?",
        (limit,),
    )
    return [AuditLine(AuditEntry.from_row(r), r["actor_name"]) for r in await cur.fetchall()]


async def data_version(conn: Connection) -> int:
    """SQLite's counter of commits made by other connections to this database file."""
    cur = await conn.execute("PRAGMA data_version")
    row = await cur.fetchone()
    return int(row[0]) if row else 0
