"""The audit trail as services write it: who acted (a worker, an admin, the command line)."""

from __future__ import annotations

from datetime import datetime

from aiosqlite import Connection

from storage import admin as admin_repo
from storage.models import Worker


def actor_kind(worker: Worker | None) -> str:
    """How the audit log names who acted: an admin, a worker, or the command line (None)."""
    if worker is None:
        return "cli"
    return "admin" if worker.is_admin else "worker"


async def audit_by(
    conn: Connection,
    now: datetime,
    actor: Worker | None,
    action: str,
    *,
    client_id: int | None = None,
    detail: str | None = None,
    kind: str | None = None,
) -> None:
    """Audit an action of `actor` (None: the command line); `kind` names other actors."""
    await admin_repo.audit(
        conn,
        now=now,
        actor_id=actor.id if actor else None,
        actor_kind=kind or actor_kind(actor),
        action=action,
        client_id=client_id,
        detail=detail,
    )
