"""Retention and subject access: the SQL that deletes or exports one client's personal data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiosqlite import Connection

from storage import partners as partners_repo
from storage.db import BUSY_TIMEOUT_MS
from storage.times import utc_iso


async def purge_closed_before(conn: Connection, cutoff: datetime, now: datetime) -> int:
    """Remove nickname, Telegram id, answers and relayed text of clients closed before cutoff.

    Audit entries stay: they hold only ids and actions, never names or text.
    """
    cur = await conn.execute(
        "SELECT id FROM clients WHERE status = 'closed' AND closed_at < ? AND purged_at IS NULL",
        (utc_iso(cutoff),),
    )
    ids = [r[0] for r in await cur.fetchall()]
    for cid in ids:
        await conn.execute(
            "UPDATE clients SET nickname = NULL, telegram_id = NULL, last_answer = NULL, "
            "release_date = NULL, purged_at = ? WHERE id = ?",
            (utc_iso(now), cid),
        )
        await conn.execute("UPDATE contacts SET answer = NULL WHERE client_id = ?", (cid,))
        # chat_id of a client's message is their Telegram id: it goes with the rest.
        for table in ("outbox", "outbox_history"):
            await conn.execute(
                f"UPDATE {table} SET payload = NULL, chat_id = NULL, message_id = NULL "
                "WHERE client_id = ?",
                (cid,),
            )
        await conn.execute("DELETE FROM relays WHERE client_id = ?", (cid,))
        await conn.execute(
            "UPDATE appointments SET place = '', link = NULL WHERE client_id = ?", (cid,)
        )
        await conn.execute("UPDATE deadlines SET label = NULL WHERE client_id = ?", (cid,))
        await conn.execute("UPDATE plan_items SET title = NULL WHERE client_id = ?", (cid,))
        # Names and numbers of the people around the client go whole: nothing else needs them.
        await conn.execute("DELETE FROM partner_contacts WHERE client_id = ?", (cid,))
        await conn.execute("DELETE FROM invites WHERE client_id = ?", (cid,))
        await partners_repo.purge_client(conn, cid)
    # A referral the team declined led to no client: its name goes after the same time.
    await conn.execute(
        "UPDATE referrals SET nickname = NULL, release_date = NULL "
        "WHERE state = 'declined' AND decided_at < ? AND nickname IS NOT NULL",
        (utc_iso(cutoff),),
    )
    await conn.execute(
        "DELETE FROM invite_attempts WHERE at < ?", (utc_iso(now - timedelta(days=1)),)
    )
    return len(ids)


async def forget_freed(conn: Connection) -> bool:
    """Copy the write-ahead log into the database and empty it; True if that was possible.

    Wiped text and purged rows stay readable in the WAL's older frames until those are
    overwritten; with secure_delete on (storage.db) the database's own free space is zeroed, so
    after this they are gone from both files. Call outside a transaction.
    """
    # Never wait for another process's readers: the caller holds the bot's only connection, and
    # a later call (the next relay, the next daily run) does the job just as well.
    await conn.execute("PRAGMA busy_timeout = 0")
    try:
        cur = await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = await cur.fetchone()
    finally:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # (busy, wal frames, checkpointed frames); busy means another process is reading.
    return row is not None and row[0] == 0


async def export_client(conn: Connection, client_id: int) -> dict[str, Any] | None:
    """Everything stored about one client, for a subject access request."""
    cur = await conn.execute("SELECT * FROM clients WHERE id = ?", (client_id,))
    row = await cur.fetchone()
    if row is None:
        return None
    out: dict[str, Any] = {"client": dict(row)}
    for table, order in (
        ("appointments", "at"),
        ("deadlines", "due_date"),
        ("plan_items", "position"),
        ("partner_contacts", "id"),
        ("contacts", "opened_at"),
        ("alerts", "raised_at"),
        ("audit_log", "at"),
        ("record_marks", "period_end"),
    ):
        cur = await conn.execute(
            f"SELECT * FROM {table} WHERE client_id = ? ORDER BY {order}", (client_id,)
        )
        out[table] = [dict(r) for r in await cur.fetchall()]
    cur = await conn.execute(
        "SELECT id, kind, due_at, state, sent_at, reason FROM outbox_all WHERE client_id = ? "
        "ORDER BY due_at",
        (client_id,),
    )
    out["messages"] = [dict(r) for r in await cur.fetchall()]
    cur = await conn.execute(
        "SELECT id, kind, created_at, expires_at, used_at, revoked_at FROM invites "
        "WHERE client_id = ?",
        (client_id,),
    )
    out["invites"] = [dict(r) for r in await cur.fetchall()]
    out.update(await partners_repo.export_client(conn, client_id))
    return out
