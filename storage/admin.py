"""Invites and guess throttling, the audit log, policy versions and installation facts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiosqlite import Connection

from storage.columns import set_columns
from storage.models import AuditEntry, Invite
from storage.times import utc_iso

# --- invites ---------------------------------------------------------------------------------


async def add_invite(
    conn: Connection,
    *,
    code_hash: str,
    kind: str,
    expires_at: datetime,
    now: datetime,
    client_id: int | None = None,
    worker_id: int | None = None,
    created_by: int | None = None,
    partner_id: int | None = None,
) -> Invite:
    cur = await conn.execute(
        "INSERT INTO invites(code_hash, kind, client_id, worker_id, created_by, expires_at, "
        "created_at, partner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            code_hash,
            kind,
            client_id,
            worker_id,
            created_by,
            utc_iso(expires_at),
            utc_iso(now),
            partner_id,
        ),
    )
    return Invite.from_row(await cur.fetchone())


async def invite_by_hash(
    conn: Connection, code_hash: str, *, legacy: bool = False
) -> Invite | None:
    """The invite with this hash; `legacy` looks only among codes made before the stored secret."""
    sql = "SELECT * FROM invites WHERE code_hash = ?" + (" AND legacy_pepper = 1" if legacy else "")
    cur = await conn.execute(sql, (code_hash,))
    return Invite.from_row(await cur.fetchone())


async def secret(conn: Connection, name: str) -> str | None:
    """A server-side secret made by a migration (e.g. the invite-hash pepper)."""
    cur = await conn.execute("SELECT value FROM secrets WHERE name = ?", (name,))
    row = await cur.fetchone()
    return row[0] if row else None


async def get_invite(conn: Connection, invite_id: int) -> Invite | None:
    cur = await conn.execute("SELECT * FROM invites WHERE id = ?", (invite_id,))
    return Invite.from_row(await cur.fetchone())


async def pending_invite_for(conn: Connection, invite_id: int, telegram_id: int) -> Invite | None:
    """The invite this user presented and has not yet answered."""
    cur = await conn.execute(
        "SELECT * FROM invites WHERE id = ? AND pending_telegram_id = ?", (invite_id, telegram_id)
    )
    return Invite.from_row(await cur.fetchone())


async def set_invite(conn: Connection, invite_id: int, **fields: Any) -> None:
    await set_columns(conn, "invites", invite_id, fields)


async def revoke_open_invites(
    conn: Connection, *, client_id: int | None = None, worker_id: int | None = None, now: datetime
) -> int:
    """Make earlier unused invites stop working."""
    col, value = ("client_id", client_id) if client_id is not None else ("worker_id", worker_id)
    cur = await conn.execute(
        f"UPDATE invites SET revoked_at = ? WHERE {col} = ? AND used_at IS NULL "
        "AND revoked_at IS NULL",
        (utc_iso(now), value),
    )
    return cur.rowcount


async def record_failed_attempt(conn: Connection, telegram_id: int, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO invite_attempts(telegram_id, at) VALUES (?, ?)", (telegram_id, utc_iso(now))
    )


async def failed_attempts_since(
    conn: Connection, since: datetime, telegram_id: int | None = None
) -> int:
    if telegram_id is None:
        cur = await conn.execute(
            "SELECT count(*) FROM invite_attempts WHERE at >= ?", (utc_iso(since),)
        )
    else:
        cur = await conn.execute(
            "SELECT count(*) FROM invite_attempts WHERE telegram_id = ? AND at >= ?",
            (telegram_id, utc_iso(since)),
        )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


# --- audit -----------------------------------------------------------------------------------


async def audit(
    conn: Connection,
    *,
    now: datetime,
    actor_id: int | None,
    actor_kind: str,
    action: str,
    client_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Append one audit entry (who, what, which client, when; never message text)."""
    await conn.execute(
        "INSERT INTO audit_log(at, actor_id, actor_kind, action, client_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (utc_iso(now), actor_id, actor_kind, action, client_id, detail),
    )


async def audit_entries(
    conn: Connection,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    newest_first: bool = True,
) -> list[AuditEntry]:
    sql = "SELECT * FROM audit_log"
    args: list[Any] = []
    if since is not None:
        sql += " WHERE at >= ?"
        args.append(utc_iso(since))
    sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    cur = await conn.execute(sql, args)
    return [AuditEntry.from_row(r) for r in await cur.fetchall()]


# --- policy versions ---------------------------------------------------------------------------


async def latest_policy(conn: Connection) -> tuple[int, dict[str, Any]] | None:
    cur = await conn.execute("SELECT id, body FROM policy_versions ORDER BY id DESC LIMIT 1")
    row = await cur.fetchone()
    return (row[0], json.loads(row[1])) if row else None


async def add_policy(
    conn: Connection, body: dict[str, Any], created_by: int | None, now: datetime
) -> int:
    cur = await conn.execute(
        "INSERT INTO policy_versions(body, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
        (json.dumps(body, ensure_ascii=False), created_by, utc_iso(now)),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


# --- meta --------------------------------------------------------------------------------------


async def get_meta(conn: Connection, key: str) -> str | None:
    cur = await conn.execute("SELECT value FROM meta WHERE key = ?", (key,))
    row = await cur.fetchone()
    return row[0] if row else None


async def set_meta(conn: Connection, key: str, value: str) -> None:
    await conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
