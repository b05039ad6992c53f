"""The durable outbox: planned messages and timers, claimed in batches by the dispatcher."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiosqlite import Connection

from storage.db import long_statement
from storage.models import Appointment, Client, Deadline, OutboxRow, PlanItem
from storage.times import from_iso, utc_iso

# Planning is idempotent by key: an open row with the key wins, and so does a sent or failed one
# in the history (migration 0016); a key that was only dropped comes back when the planner wants
# it again (a setting changed away and back, a hand-over).
_NEW_KEY = (
    "WHERE NOT EXISTS (SELECT 1 FROM outbox_history h WHERE h.key = ?11 "
    "AND h.state != 'dropped') ON CONFLICT(key) DO NOTHING"
)
_INSERT = (
    "INSERT INTO outbox(key, kind, client_id, worker_id, alert_id, ref_id, due_at, payload, "
    "created_at, priority) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 " + _NEW_KEY
)


# Priority classes (the `priority` column): a higher class is always claimed first.
URGENT = 0
TIMELY = 1
ROUTINE = 2
PRIORITIES = (URGENT, TIMELY, ROUTINE)


@dataclass(frozen=True)
class Planned:
    """A row the planner wants to exist; its key makes planning idempotent."""

    key: str
    kind: str
    due_at: datetime
    client_id: int | None = None
    worker_id: int | None = None
    alert_id: int | None = None
    ref_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    priority: int = ROUTINE


def _values(item: Planned, stamp: str) -> tuple[Any, ...]:
    return (
        item.key,
        item.kind,
        item.client_id,
        item.worker_id,
        item.alert_id,
        item.ref_id,
        utc_iso(item.due_at),
        json.dumps(item.payload, ensure_ascii=False) if item.payload else None,
        stamp,
        item.priority,
        item.key,
    )


async def add(conn: Connection, item: Planned, now: datetime) -> int | None:
    """Insert unless a row with the same key exists; returns the new id or None."""
    cur = await conn.execute(_INSERT + " RETURNING id", _values(item, utc_iso(now)))
    row = await cur.fetchone()
    return row[0] if row else None


async def add_many(conn: Connection, items: Iterable[Planned], now: datetime) -> None:
    """Bulk idempotent insert (one round trip) for the daily planner."""
    stamp = utc_iso(now)
    await conn.executemany(_INSERT, [_values(i, stamp) for i in items])


async def pending_keys(
    conn: Connection, *, client_id: int, kinds: Sequence[str], ref_id: int | None = None
) -> set[str]:
    """Keys of a client's pending rows of the given kinds."""
    marks = ",".join("?" * len(kinds))
    sql = f"SELECT key FROM outbox WHERE state = 'pending' AND client_id = ? AND kind IN ({marks})"
    args: list[Any] = [client_id, *kinds]
    if ref_id is not None:
        sql += " AND ref_id = ?"
        args.append(ref_id)
    cur = await conn.execute(sql, args)
    return {r[0] for r in await cur.fetchall()}


async def drop_pending(
    conn: Connection,
    reason: str,
    *,
    client_id: int | None = None,
    kinds: Sequence[str] | None = None,
    ref_id: int | None = None,
    alert_id: int | None = None,
    keep_keys: Iterable[str] = (),
) -> int:
    """Drop pending rows that match, except the kept keys; returns how many."""
    where = ["state = 'pending'"]
    args: list[Any] = []
    if client_id is not None:
        where.append("client_id = ?")
        args.append(client_id)
    if kinds:
        where.append(f"kind IN ({','.join('?' * len(kinds))})")
        args.extend(kinds)
    if ref_id is not None:
        where.append("ref_id = ?")
        args.append(ref_id)
    if alert_id is not None:
        where.append("alert_id = ?")
        args.append(alert_id)
    keep = list(keep_keys)
    if keep:
        where.append(f"key NOT IN ({','.join('?' * len(keep))})")
        args.extend(keep)
    cur = await conn.execute(
        "UPDATE outbox SET state = 'dropped', reason = ?, payload = NULL "
        f"WHERE {' AND '.join(where)}",
        (reason, *args),
    )
    return cur.rowcount


@dataclass(frozen=True, slots=True)
class Pending:
    """A pending row as the planner compares it: a few columns, no JSON, no model validation."""

    id: int
    key: str
    kind: str
    ref_id: int | None
    due_at: datetime


@dataclass
class PlanningInputs:
    """What planning a batch of clients reads, keyed by client id."""

    clients: dict[int, Client]
    pending: dict[int, list[Pending]]
    appointments: dict[int, list[Appointment]]
    deadlines: dict[int, list[Deadline]]
    plan: dict[int, list[PlanItem]] = field(default_factory=dict)


def _marks(ids: Sequence[int]) -> str:
    return ",".join("?" * len(ids))


async def pending_of(conn: Connection, client_ids: Sequence[int]) -> dict[int, list[Pending]]:
    """Each client's pending rows, earliest first (ties by id), in one query."""
    found: dict[int, list[Pending]] = {cid: [] for cid in client_ids}
    if not client_ids:
        return found
    # No ORDER BY: it could make SQLite walk pending rows through outbox_open_due instead of
    # looking up each client in outbox_client_open (migrations 0002, 0004); sorted here.
    cur = await conn.execute(
        "SELECT id, key, kind, ref_id, due_at, client_id FROM outbox "
        f"WHERE state = 'pending' AND client_id IN ({_marks(client_ids)})",
        tuple(client_ids),
    )
    for r in await cur.fetchall():
        # fromisoformat reads the stored "...Z" form as from_iso does, some 50 times faster.
        found[r[5]].append(Pending(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4])))
    for rows in found.values():
        rows.sort(key=lambda p: (p.due_at, p.id))
    return found


async def planning_inputs(conn: Connection, client_ids: Sequence[int]) -> PlanningInputs:
    """Clients, their pending rows, scheduled appointments and open deadlines: four queries for
    a whole batch instead of several per client (the orders match people.get_client,
    items.appointments_of and items.deadlines_of)."""
    marks, args = _marks(client_ids), tuple(client_ids)
    inputs = PlanningInputs({}, await pending_of(conn, client_ids), {}, {})
    if not client_ids:
        return inputs
    cur = await conn.execute(f"SELECT * FROM clients WHERE id IN ({marks})", args)
    inputs.clients = {r["id"]: Client.from_row(r) for r in await cur.fetchall()}
    inputs.appointments = {cid: [] for cid in client_ids}
    cur = await conn.execute(
        f"SELECT * FROM appointments WHERE client_id IN ({marks}) AND status = 'scheduled' "
        "ORDER BY client_id, at, id",
        args,
    )
    for r in await cur.fetchall():
        inputs.appointments[r["client_id"]].append(Appointment.from_row(r))
    inputs.deadlines = {cid: [] for cid in client_ids}
    cur = await conn.execute(
        f"SELECT * FROM deadlines WHERE client_id IN ({marks}) AND status = 'open' "
        "ORDER BY client_id, due_date, id",
        args,
    )
    for r in await cur.fetchall():
        inputs.deadlines[r["client_id"]].append(Deadline.from_row(r))
    cur = await conn.execute(
        f"SELECT * FROM plan_items WHERE client_id IN ({marks}) AND state = 'open' "
        "ORDER BY client_id, position, id",
        args,
    )
    for r in await cur.fetchall():
        inputs.plan.setdefault(r["client_id"], []).append(PlanItem.from_row(r))
    return inputs


async def drop_rows(conn: Connection, drops: Iterable[tuple[int, str]]) -> None:
    """Drop these rows (id, reason) in one statement batch, if they are still pending."""
    await conn.executemany(
        "UPDATE outbox SET state = 'dropped', reason = ?, payload = NULL "
        "WHERE id = ? AND state = 'pending'",
        [(reason, row_id) for row_id, reason in drops],
    )


async def claim_due(
    conn: Connection, now: datetime, limit: int, *, classes: Sequence[int] = PRIORITIES
) -> list[OutboxRow]:
    """Move up to `limit` due rows from pending to sending: a higher class first, then oldest.

    One statement per class, each a range on `outbox_open_due` (a single ORDER BY priority
    would walk every future row of a class before reaching the next one). Returned in claim
    order.
    """
    stamp = utc_iso(now)
    rows: list[OutboxRow] = []
    for priority in classes:
        if len(rows) >= limit:
            break
        found = await long_statement(
            conn,
            "UPDATE outbox SET state = 'sending', claimed_at = ?, attempts = attempts + 1 "
            "WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND priority = ? "
            "AND due_at <= ? ORDER BY due_at, id LIMIT ?) RETURNING *",
            (stamp, priority, stamp, limit - len(rows)),
        )
        claimed: list[OutboxRow] = OutboxRow.from_rows(found)
        claimed.sort(key=lambda r: (r.due_at, r.id))
        rows.extend(claimed)
    return rows


async def release_claims(conn: Connection, keep: Iterable[int] = ()) -> int:
    """After a crash, rows caught mid-send go back to pending (the at-least-once window).

    `keep` names rows this process is still sending: they stay claimed.
    """
    cur = await conn.execute(
        "UPDATE outbox SET state = 'pending' WHERE state = 'sending' "
        "AND id NOT IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(keep)),),
    )
    return cur.rowcount


async def unclaim(conn: Connection, ids: Iterable[int]) -> None:
    """Claimed rows that were never handed to Telegram go back to pending (a stop)."""
    await conn.executemany(
        "UPDATE outbox SET state = 'pending', attempts = max(attempts - 1, 0) "
        "WHERE id = ? AND state = 'sending'",
        [(i,) for i in ids],
    )


async def mark_sent(
    conn: Connection,
    row_id: int,
    now: datetime,
    *,
    chat_id: int | None,
    message_id: int | None,
    wipe_payload: bool,
) -> None:
    """Record delivery (the row moves to outbox_history); relayed text is wiped here so it is
    not kept after delivery."""
    payload_sql = ", payload = NULL" if wipe_payload else ""
    await conn.execute(
        f"UPDATE outbox SET state = 'sent', sent_at = ?, chat_id = ?, message_id = ?{payload_sql} "
        "WHERE id = ?",
        (utc_iso(now), chat_id, message_id, row_id),
    )


async def mark_sent_many(
    conn: Connection, sent: Iterable[tuple[int, int | None, int | None, bool]], now: datetime
) -> None:
    """`mark_sent` for many rows, (id, chat_id, message_id, wipe_payload) each, in one statement.

    The rows come as one JSON array rather than a statement batch: SQLite then works through
    the group (and the trigger that moves each row to outbox_history) without Python, so on
    aiosqlite's thread it never waits for the busy event loop to hand back the GIL. As a batch,
    a group of 300 took 60 ms instead of 10 under a burst, holding the database lock while
    the next claim waited (bench/README.md)."""
    group = [[row_id, chat, message, 1 if wipe else 0] for row_id, chat, message, wipe in sent]
    if not group:
        return
    await long_statement(
        conn,
        "WITH done(id, chat_id, message_id, wipe) AS ("
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
        "json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?)) "
        "UPDATE outbox SET state = 'sent', sent_at = ?, chat_id = done.chat_id, "
        "message_id = done.message_id, "
        "payload = CASE WHEN done.wipe THEN NULL ELSE outbox.payload END "
        "FROM done WHERE outbox.id = done.id",
        (json.dumps(group), utc_iso(now)),
    )


async def retry_later(conn: Connection, row_id: int, due_at: datetime, reason: str) -> None:
    """Put a row back to pending for another try."""
    await conn.execute(
        "UPDATE outbox SET state = 'pending', due_at = ?, reason = ? WHERE id = ?",
        (utc_iso(due_at), reason, row_id),
    )


async def set_reason(conn: Connection, row_id: int, reason: str) -> None:
    """Say why a new row waits: for the end of the quiet hours, or for another try after a
    failure (the dispatcher reads a "timeout" here as one timed-out send already)."""
    await conn.execute("UPDATE outbox SET reason = ? WHERE id = ?", (reason, row_id))


async def retime_waiting(conn: Connection, reason: str, due_at: datetime) -> int:
    """Move every pending row that waits for `reason` to `due_at`; returns how many moved."""
    cur = await conn.execute(
        "UPDATE outbox SET due_at = ? WHERE state = 'pending' AND reason = ? AND due_at != ?",
        (utc_iso(due_at), reason, utc_iso(due_at)),
    )
    return cur.rowcount


async def release_now(
    conn: Connection, row_id: int, now: datetime, payload: dict[str, Any]
) -> bool:
    """Make a still pending row due at once, with a new payload; False if it is pending no more."""
    cur = await conn.execute(
        "UPDATE outbox SET due_at = ?, payload = ?, reason = NULL "
        "WHERE id = ? AND state = 'pending'",
        (utc_iso(now), json.dumps(payload, ensure_ascii=False), row_id),
    )
    return cur.rowcount > 0


async def finish(conn: Connection, row_id: int, state: str, reason: str) -> None:
    """Drop or fail a row with its reason; payload wiped. Like every finished row, it moves to
    outbox_history in this statement (migration 0016's trigger)."""
    await conn.execute(
        "UPDATE outbox SET state = ?, reason = ?, payload = NULL WHERE id = ?",
        (state, reason, row_id),
    )


async def set_payload(conn: Connection, row_id: int, payload: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE outbox SET payload = ? WHERE id = ?",
        (json.dumps(payload, ensure_ascii=False), row_id),
    )


async def next_due(conn: Connection) -> datetime | None:
    """When the earliest pending row is due."""
    # Per class, so each min() is one probe of outbox_open_due.
    cur = await conn.execute(
        "SELECT min(d) FROM ("
        + " UNION ALL ".join(
            f"SELECT min(due_at) AS d FROM outbox WHERE state = 'pending' AND priority = {p}"
            for p in PRIORITIES
        )
        + ")"
    )
    row = await cur.fetchone()
    return from_iso(row[0]) if row and row[0] else None


async def get(conn: Connection, row_id: int) -> OutboxRow | None:
    """A row by id, open or finished."""
    cur = await conn.execute("SELECT * FROM outbox_all WHERE id = ?", (row_id,))
    return OutboxRow.from_row(await cur.fetchone())


async def pending_for_client(conn: Connection, client_id: int) -> list[OutboxRow]:
    """A client's pending rows, earliest first (sorted here, not by SQL: see pending_of)."""
    cur = await conn.execute(
        "SELECT * FROM outbox WHERE client_id = ? AND state = 'pending'", (client_id,)
    )
    rows = [OutboxRow.from_row(r) for r in await cur.fetchall()]
    rows.sort(key=lambda r: (r.due_at, r.id))
    return rows


async def count_by_state(conn: Connection) -> dict[str, int]:
    """Rows by state, open and finished."""
    cur = await conn.execute("SELECT state, count(*) FROM outbox_all GROUP BY state")
    return {r[0]: r[1] for r in await cur.fetchall()}
