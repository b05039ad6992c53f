"""Teams, workers and clients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from aiosqlite import Connection

from storage.columns import set_columns
from storage.models import Client, Team, Worker
from storage.times import utc_iso

# --- teams -----------------------------------------------------------------------------------


async def team_by_name(conn: Connection, name: str, now: datetime, *, create: bool) -> Team | None:
    """Find a team by name (case-insensitive), creating it if asked."""
    cur = await conn.execute("SELECT * FROM teams WHERE lower(name) = lower(?)", (name,))
    row = await cur.fetchone()
    if row is None and create:
        cur = await conn.execute(
            "INSERT INTO teams(name, created_at) VALUES (?, ?) RETURNING *", (name, utc_iso(now))
        )
        row = await cur.fetchone()
    return Team.from_row(row)


async def get_team(conn: Connection, team_id: int) -> Team | None:
    cur = await conn.execute("SELECT * FROM teams WHERE id = ?", (team_id,))
    return Team.from_row(await cur.fetchone())


async def list_teams(conn: Connection) -> list[tuple[Team, int]]:
    """Teams with their count of active workers."""
    cur = await conn.execute(
        "SELECT t.*, (SELECT count(*) FROM workers w WHERE w.team_id = t.id AND w.active) AS n "
        "FROM teams t ORDER BY t.name"
    )
    return [(Team.from_row(r), r["n"]) for r in await cur.fetchall()]


# --- workers ---------------------------------------------------------------------------------


async def add_worker(
    conn: Connection,
    *,
    name: str,
    now: datetime,
    telegram_id: int | None = None,
    role: str = "worker",
    team_id: int | None = None,
    language: str = "fi",
) -> Worker:
    cur = await conn.execute(
        "INSERT INTO workers(telegram_id, name, role, team_id, language, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        (telegram_id, name, role, team_id, language, utc_iso(now)),
    )
    return Worker.from_row(await cur.fetchone())


async def get_worker(conn: Connection, worker_id: int) -> Worker | None:
    cur = await conn.execute("SELECT * FROM workers WHERE id = ?", (worker_id,))
    return Worker.from_row(await cur.fetchone())


async def worker_by_telegram(conn: Connection, telegram_id: int) -> Worker | None:
    cur = await conn.execute("SELECT * FROM workers WHERE telegram_id = ?", (telegram_id,))
    return Worker.from_row(await cur.fetchone())


async def update_worker(conn: Connection, worker_id: int, **fields: Any) -> Worker | None:
    """Set the given columns of one worker."""
    await set_columns(conn, "workers", worker_id, fields)
    return await get_worker(conn, worker_id)


async def list_workers(conn: Connection, *, active_only: bool = False) -> list[tuple[Worker, int]]:
    """Workers with the number of their clients that are not closed."""
    where = "WHERE w.active" if active_only else ""
    cur = await conn.execute(
        "SELECT w.*, (SELECT count(*) FROM clients c WHERE c.worker_id = w.id "
        f"AND c.status != 'closed') AS n FROM workers w {where} ORDER BY w.name, w.id"
    )
    return [(Worker.from_row(r), r["n"]) for r in await cur.fetchall()]


async def team_workers(conn: Connection, team_id: int) -> list[Worker]:
    cur = await conn.execute(
        "SELECT * FROM workers WHERE team_id = ? AND active AND telegram_id IS NOT NULL "
        "ORDER BY id",
        (team_id,),
    )
    return [Worker.from_row(r) for r in await cur.fetchall()]


async def admins(conn: Connection) -> list[Worker]:
    cur = await conn.execute(
        "SELECT * FROM workers WHERE role = 'admin' AND active AND telegram_id IS NOT NULL "
        "ORDER BY id"
    )
    return [Worker.from_row(r) for r in await cur.fetchall()]


# --- clients ---------------------------------------------------------------------------------


async def add_client(
    conn: Connection,
    *,
    nickname: str,
    worker_id: int,
    language: str | None,
    now: datetime,
    release_date: date | None = None,
    backup_worker_id: int | None = None,
) -> Client:
    cur = await conn.execute(
        "INSERT INTO clients(nickname, worker_id, backup_worker_id, language, release_date, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        (
            nickname,
            worker_id,
            backup_worker_id,
            language,
            release_date.isoformat() if release_date else None,
            utc_iso(now),
        ),
    )
    return Client.from_row(await cur.fetchone())


async def get_client(conn: Connection, client_id: int) -> Client | None:
    cur = await conn.execute("SELECT * FROM clients WHERE id = ?", (client_id,))
    return Client.from_row(await cur.fetchone())


async def clients_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, Client]:
    """Several clients in one query, by id (the missing ones left out)."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    cur = await conn.execute(f"SELECT * FROM clients WHERE id IN ({marks})", tuple(ids))
    return {client.id: client for client in Client.from_rows(await cur.fetchall())}


async def client_by_telegram(conn: Connection, telegram_id: int) -> Client | None:
    cur = await conn.execute("SELECT * FROM clients WHERE telegram_id = ?", (telegram_id,))
    return Client.from_row(await cur.fetchone())


async def update_client(conn: Connection, client_id: int, **fields: Any) -> Client | None:
    """Set the given columns of one client (datetimes stored as UTC strings)."""
    await set_columns(conn, "clients", client_id, fields)
    return await get_client(conn, client_id)


async def clients_of(conn: Connection, worker_ids: list[int] | None) -> list[Client]:
    """Clients assigned to (or backed up by) the given workers; all when None."""
    if worker_ids is None:
        cur = await conn.execute("SELECT * FROM clients WHERE purged_at IS NULL ORDER BY id")
    else:
        marks = ",".join("?" * len(worker_ids)) or "NULL"
        cur = await conn.execute(
            f"SELECT * FROM clients WHERE purged_at IS NULL AND (worker_id IN ({marks}) "
            f"OR backup_worker_id IN ({marks})) ORDER BY id",
            (*worker_ids, *worker_ids),
        )
    return [Client.from_row(r) for r in await cur.fetchall()]


async def plannable_client_ids(conn: Connection) -> list[int]:
    """Clients who can receive messages now or later (joined, not closed)."""
    cur = await conn.execute(
        "SELECT id FROM clients WHERE status IN ('active', 'paused') AND telegram_id IS NOT NULL"
    )
    return [r[0] for r in await cur.fetchall()]


async def count_clients_by_status(conn: Connection) -> dict[str, int]:
    cur = await conn.execute(
        "SELECT CASE WHEN unreachable AND status != 'closed' THEN 'unreachable' ELSE status END "
        "AS s, count(*) FROM clients WHERE purged_at IS NULL GROUP BY s"
    )
    return {r[0]: r[1] for r in await cur.fetchall()}


async def not_joined_released_before(conn: Connection, day: date) -> list[Client]:
    """Invited clients whose release date is before `day` (they should have joined by now)."""
    cur = await conn.execute(
        "SELECT * FROM clients WHERE purged_at IS NULL AND status = 'invited' "
        "AND release_date < ? ORDER BY id",
        (day.isoformat(),),
    )
    return [Client.from_row(r) for r in await cur.fetchall()]
