"""Contacts (questions awaiting an answer), alerts and their recipients, relayed messages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiosqlite import Connection

from storage.columns import set_columns
from storage.models import Alert, Contact
from storage.times import utc_iso

# --- contacts --------------------------------------------------------------------------------


async def open_contact(
    conn: Connection,
    *,
    client_id: int,
    kind: str,
    ref_id: int | None,
    outbox_id: int | None,
    now: datetime,
    answer_due_at: datetime,
) -> Contact:
    cur = await conn.execute(
        "INSERT INTO contacts(client_id, kind, ref_id, outbox_id, opened_at, answer_due_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        (client_id, kind, ref_id, outbox_id, utc_iso(now), utc_iso(answer_due_at)),
    )
    return Contact.from_row(await cur.fetchone())


async def get_contact(conn: Connection, contact_id: int) -> Contact | None:
    cur = await conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,))
    return Contact.from_row(await cur.fetchone())


async def contact_for_outbox(conn: Connection, outbox_id: int) -> Contact | None:
    cur = await conn.execute("SELECT * FROM contacts WHERE outbox_id = ?", (outbox_id,))
    return Contact.from_row(await cur.fetchone())


async def set_contact(conn: Connection, contact_id: int, **fields: Any) -> None:
    await set_columns(conn, "contacts", contact_id, fields)


async def open_contacts(
    conn: Connection, client_id: int, kind: str | None = None, ref_id: int | None = None
) -> list[Contact]:
    sql = "SELECT * FROM contacts WHERE client_id = ? AND state = 'open'"
    args: list[Any] = [client_id]
    if kind is not None:
        sql += " AND kind = ?"
        args.append(kind)
    if ref_id is not None:
        sql += " AND ref_id = ?"
        args.append(ref_id)
    cur = await conn.execute(sql + " ORDER BY id", args)
    return [Contact.from_row(r) for r in await cur.fetchall()]


# --- alerts ----------------------------------------------------------------------------------


async def add_alert(
    conn: Connection,
    *,
    client_id: int | None,
    reason: str,
    urgent: bool,
    ladder: list[dict[str, Any]],
    now: datetime,
    contact_id: int | None = None,
    ref_id: int | None = None,
    matter: str | None = None,
    words: str | None = None,
) -> Alert:
    cur = await conn.execute(
        "INSERT INTO alerts(client_id, reason, urgent, ladder, raised_at, contact_id, ref_id, "
        "matter, words, last_at, step_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            client_id,
            reason,
            int(urgent),
            json.dumps(ladder),
            utc_iso(now),
            contact_id,
            ref_id,
            matter,
            words,
            utc_iso(now),
            utc_iso(now),
        ),
    )
    return Alert.from_row(await cur.fetchone())


async def open_alert_of_matter(conn: Connection, client_id: int, matter: str) -> Alert | None:
    """The open (unresolved) alert about this client and matter, if there is one."""
    cur = await conn.execute(
        "SELECT * FROM alerts WHERE client_id = ? AND matter = ? AND state != 'resolved' "
        "ORDER BY id LIMIT 1",
        (client_id, matter),
    )
    return Alert.from_row(await cur.fetchone())


async def get_alert(conn: Connection, alert_id: int) -> Alert | None:
    cur = await conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,))
    return Alert.from_row(await cur.fetchone())


async def set_alert(conn: Connection, alert_id: int, **fields: Any) -> Alert | None:
    await set_columns(conn, "alerts", alert_id, fields)
    return await get_alert(conn, alert_id)


async def open_alerts(
    conn: Connection,
    *,
    client_ids: list[int] | None = None,
    reason: str | None = None,
    contact_id: int | None = None,
    client_id: int | None = None,
) -> list[Alert]:
    """Alerts that are not resolved, optionally narrowed."""
    sql = "SELECT * FROM alerts WHERE state != 'resolved'"
    args: list[Any] = []
    if client_ids is not None:
        sql += f" AND client_id IN ({','.join('?' * len(client_ids)) or 'NULL'})"
        args.extend(client_ids)
    if client_id is not None:
        sql += " AND client_id = ?"
        args.append(client_id)
    if reason is not None:
        sql += " AND reason = ?"
        args.append(reason)
    if contact_id is not None:
        sql += " AND contact_id = ?"
        args.append(contact_id)
    cur = await conn.execute(sql + " ORDER BY raised_at, id", args)
    return [Alert.from_row(r) for r in await cur.fetchall()]


async def add_recipient(conn: Connection, alert_id: int, worker_id: int, now: datetime) -> bool:
    """Remember that a worker was told of an alert; False if they already were."""
    cur = await conn.execute(
        "INSERT INTO alert_recipients(alert_id, worker_id, notified_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (alert_id, worker_id, utc_iso(now)),
    )
    return cur.rowcount > 0


async def set_recipient_message(
    conn: Connection, alert_id: int, worker_id: int, chat_id: int, message_id: int
) -> None:
    await conn.execute(
        "UPDATE alert_recipients SET chat_id = ?, message_id = ? "
        "WHERE alert_id = ? AND worker_id = ?",
        (chat_id, message_id, alert_id, worker_id),
    )


async def recipients(conn: Connection, alert_id: int) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT worker_id, chat_id, message_id, notified_at FROM alert_recipients "
        "WHERE alert_id = ?",
        (alert_id,),
    )
    return [dict(r) for r in await cur.fetchall()]


async def forget_unsent_recipients(conn: Connection, alert_id: int) -> None:
    """Recipients whose card was not delivered yet are to be told again (a new round)."""
    await conn.execute(
        "DELETE FROM alert_recipients WHERE alert_id = ? AND message_id IS NULL", (alert_id,)
    )


async def forget_recipient(conn: Connection, alert_id: int, worker_id: int) -> None:
    """A recipient the ladder passed over (unreachable) is no longer waiting for this alert."""
    await conn.execute(
        "DELETE FROM alert_recipients WHERE alert_id = ? AND worker_id = ? AND message_id IS NULL",
        (alert_id, worker_id),
    )


async def alerts_awaiting(conn: Connection, worker_id: int) -> list[Alert]:
    """Open alerts this worker was made a recipient of but never received."""
    cur = await conn.execute(
        "SELECT a.* FROM alerts a JOIN alert_recipients r ON r.alert_id = a.id "
        "WHERE r.worker_id = ? AND r.message_id IS NULL AND a.state = 'open' ORDER BY a.id",
        (worker_id,),
    )
    return [Alert.from_row(r) for r in await cur.fetchall()]


# --- relays ----------------------------------------------------------------------------------


async def add_relay(
    conn: Connection,
    *,
    client_id: int,
    worker_id: int,
    chat_id: int,
    message_id: int,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO relays(client_id, worker_id, chat_id, message_id, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (client_id, worker_id, chat_id, message_id, utc_iso(now)),
    )


async def relay_client(conn: Connection, chat_id: int, message_id: int) -> int | None:
    """The client whose relayed message this Telegram message was."""
    cur = await conn.execute(
        "SELECT client_id FROM relays WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
    )
    row = await cur.fetchone()
    return row[0] if row else None
