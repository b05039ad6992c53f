"""Who the client meets at an appointment, as the client's messages name them."""

from __future__ import annotations

from aiosqlite import Connection

from storage import people as people_repo
from storage.models import Appointment, Client


async def host_name(conn: Connection, appt: Appointment, client: Client) -> str:
    """The first name for "Anna will call you": the worker who booked it, else (booked from the
    command line, or that worker has left) the client's own worker; "" when there is none."""
    for worker_id in (appt.created_by, client.worker_id):
        worker = await people_repo.get_worker(conn, worker_id) if worker_id else None
        if worker is not None and worker.active:
            return worker.first_name
    return ""
