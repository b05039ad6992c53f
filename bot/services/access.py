"""Who may see and change what: one place for the rules every handler relies on."""

from __future__ import annotations

from dataclasses import dataclass

from aiosqlite import Connection

from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Client, Partner, Worker


async def can_see_client(conn: Connection, worker: Worker, client: Client) -> bool:
    """Admins see everyone; a worker their own clients, those they back up, and their team's."""
    if not worker.active:
        return False
    if worker.is_admin:
        return True
    if worker.id in (client.worker_id, client.backup_worker_id):
        return True
    if worker.team_id is None or client.worker_id is None:
        return False
    assigned = await people_repo.get_worker(conn, client.worker_id)
    return assigned is not None and assigned.team_id == worker.team_id


async def visible_worker_ids(conn: Connection, worker: Worker) -> list[int] | None:
    """Worker ids whose clients this worker may see; None means all (admin)."""
    if worker.is_admin:
        return None
    if worker.team_id is None:
        return [worker.id]
    return [w.id for w in await people_repo.team_workers(conn, worker.team_id)] + [worker.id]


@dataclass(frozen=True)
class Who:
    """The sender's role, resolved from the database for every update."""

    role: str  # admin, worker, partner, client, unknown, inactive_worker, inactive_partner
    worker: Worker | None = None
    client: Client | None = None
    partner: Partner | None = None


async def whois(conn: Connection, telegram_id: int) -> Who:
    """Workers (active) first, then partners, then clients; everyone else is unknown."""
    worker = await people_repo.worker_by_telegram(conn, telegram_id)
    if worker is not None and worker.active:
        return Who("admin" if worker.is_admin else "worker", worker=worker)
    partner = await partners_repo.partner_by_telegram(conn, telegram_id)
    if partner is not None:
        return Who("partner" if partner.active else "inactive_partner", partner=partner)
    client = await people_repo.client_by_telegram(conn, telegram_id)
    if client is not None:
        return Who("client", client=client)
    if worker is not None:
        return Who("inactive_worker", worker=worker)
    return Who("unknown")


async def visible_client(conn: Connection, worker: Worker | None, client_id: int) -> Client | None:
    """The client if it exists, is not purged, and the worker may see it (the CLI sees all)."""
    client = await people_repo.get_client(conn, client_id)
    if client is None or client.nickname is None:
        return None
    if worker is not None and not await can_see_client(conn, worker, client):
        return None
    return client


async def open_client(
    conn: Connection, worker: Worker | None, client_id: int
) -> tuple[str, Client | None]:
    """A visible client that may still change: ok, else not_found or closed (with the client)."""
    client = await visible_client(conn, worker, client_id)
    if client is None:
        return "not_found", None
    return ("closed" if client.status == "closed" else "ok"), client
