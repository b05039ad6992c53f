"""Ending a partner's access: the partner list an admin or the inviting worker manages, ending
a partner's access as a whole, and unlinking one partner from one client.

An ended partner keeps their row (the audit log and the notes they wrote name them) but is
inactive: every partner check reads `active`, so they are refused in words from then on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiosqlite import Connection

from bot.core import Core
from bot.scheduling.kinds import rows
from bot.services.access import visible_client
from bot.services.audit import audit_by
from storage import outbox
from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Client, Partner, Worker


@dataclass(frozen=True)
class PartnerEntry:
    """A partner as the list shows them: who invited them and the clients linked to them."""

    partner: Partner
    invited_by: str = ""
    clients: list[Client] = field(default_factory=list)

    @property
    def state(self) -> str:
        """active, ended or invited (the invite not opened yet)."""
        if self.partner.active:
            return "active"
        return "ended" if self.partner.ended_at is not None else "invited"


def may_manage(actor: Worker | None, partner: Partner) -> bool:
    """The CLI (None) and admins manage every partner; a worker the partners they invited."""
    if actor is None:
        return True
    if not actor.active:
        return False
    return actor.is_admin or partner.invited_by == actor.id


async def _entry(conn: Connection, partner: Partner) -> PartnerEntry:
    inviter = await people_repo.get_worker(conn, partner.invited_by or 0)
    clients = await partners_repo.linked_clients(conn, partner.id)
    return PartnerEntry(partner, inviter.name if inviter else "", clients)


async def manageable(core: Core, actor: Worker | None) -> list[PartnerEntry]:
    """The partners this actor may manage, ended ones last."""
    invited_by = None if actor is None or actor.is_admin else actor.id
    async with core.db.read() as conn:
        found = [
            await _entry(conn, p)
            for p in await partners_repo.all_partners(conn, invited_by)
            if may_manage(actor, p)
        ]
    return sorted(found, key=lambda e: (e.state == "ended", e.partner.id))


async def entry(core: Core, actor: Worker | None, partner_id: int) -> PartnerEntry | None:
    """One partner, if this actor may manage them."""
    async with core.db.read() as conn:
        partner = await partners_repo.get_partner(conn, partner_id)
        if partner is None or not may_manage(actor, partner):
            return None
        return await _entry(conn, partner)


@dataclass(frozen=True)
class AccessEnd:
    status: str  # ended, already, not_found
    partner: Partner | None = None
    clients: int = 0  # links ended
    invites: int = 0  # open invites voided


async def end_access(core: Core, actor: Worker | None, partner_id: int) -> AccessEnd:
    """End a partner's access: inactive from now on, every link to a client ended, any open
    invite voided; the workers of the linked clients are told. Audited."""
    now = core.now()
    async with core.db.tx() as conn:
        partner = await partners_repo.get_partner(conn, partner_id)
        if partner is None or not may_manage(actor, partner):
            return AccessEnd("not_found")
        if partner.ended_at is not None:
            return AccessEnd("already", partner)
        partner = await partners_repo.update_partner(conn, partner.id, active=0, ended_at=now)
        assert partner is not None
        voided = await partners_repo.revoke_invites(conn, partner.id, now)
        client_ids = await partners_repo.unlink_all(conn, partner.id)
        for client_id in client_ids:
            await _tell_worker(conn, core, partner, client_id, actor, "partner_ended")
        await audit_by(
            conn,
            now,
            actor,
            "partner.deactivate",
            detail=f"partner {partner.id}; {len(client_ids)} links; {voided} invites",
        )
    core.wake()
    return AccessEnd("ended", partner, len(client_ids), voided)


async def unlink(core: Core, actor: Worker, partner_id: int, client_id: int) -> str:
    """Unlink one partner from one client the worker may see: ok or not_found. Audited; the
    client's worker is told when someone else did it."""
    now = core.now()
    async with core.db.tx() as conn:
        client = await visible_client(conn, actor, client_id)
        partner = await partners_repo.get_partner(conn, partner_id)
        if client is None or partner is None:
            return "not_found"
        if not await partners_repo.unlink(conn, partner.id, client.id):
            return "not_found"
        await _tell_worker(conn, core, partner, client.id, actor, "partner_unlinked")
        await audit_by(
            conn, now, actor, "partner.unlink", client_id=client.id, detail=f"partner {partner.id}"
        )
    core.wake()
    return "ok"


async def partners_of_client(core: Core, actor: Worker, client_id: int) -> list[Partner]:
    """The partners linked to a client the worker may see (for the client card)."""
    async with core.db.read() as conn:
        if await visible_client(conn, actor, client_id) is None:
            return []
        return await partners_repo.partners_of(conn, client_id)


async def _tell_worker(
    conn: Connection,
    core: Core,
    partner: Partner,
    client_id: int,
    actor: Worker | None,
    notice: str,
) -> None:
    """The client's worker hears that the prison no longer sees the client (not when they did
    it themselves)."""
    client = await people_repo.get_client(conn, client_id)
    if client is None or client.worker_id is None or client.nickname is None:
        return
    if actor is not None and actor.id == client.worker_id:
        return
    now = core.now()
    row = rows.worker_notice(
        client.worker_id,
        client.id,
        notice,
        now,
        once=f"{partner.id}:{now.isoformat()}",
        by=f"{partner.name}, {partner.organisation}",
    )
    await outbox.add(conn, row, now)
