"""Joint meetings with the prison: each linked partner gets one when it is booked or moved and
again the day before, and confirms it or asks for another time (the worker is told)."""

from __future__ import annotations

from datetime import timedelta

from aiosqlite import Connection

from bot.appointment_kinds import JOINT
from bot.core import Core
from bot.scheduling.kinds import rows
from bot.services import partners as partner_service
from storage import items as items_repo
from storage import outbox
from storage import partners as partners_repo
from storage.models import Appointment, Partner


async def joint_booked(conn: Connection, core: Core, appt: Appointment) -> int:
    """A joint meeting was booked or moved: each linked partner gets it now and again the day
    before (at the same hour); returns how many partners were told."""
    if appt.kind != JOINT or appt.status != "scheduled":
        return 0
    now = core.now()
    told = 0
    for partner in await partners_repo.partners_of(conn, appt.client_id):
        if not partner.active:
            continue
        await outbox.add(conn, rows.partner_joint(partner.id, appt, "new", now, now), now)
        day_before = appt.at - timedelta(days=1)
        if day_before > now:
            await outbox.add(
                conn, rows.partner_joint(partner.id, appt, "-1d", day_before, now), now
            )
        told += 1
    return told


async def joint_answer(
    core: Core, partner: Partner, appt_id: int, answer: str
) -> partner_service.PartnerChange:
    """The partner confirms a joint meeting or asks for another time; the worker is told."""
    if answer not in ("confirmed", "reschedule"):
        return partner_service.PartnerChange("invalid")
    now = core.now()
    async with core.db.tx() as conn:
        appt = await items_repo.get_appointment(conn, appt_id)
        client = await partner_service.linked(conn, partner, appt.client_id) if appt else None
        if appt is None or client is None or appt.kind != JOINT or appt.status != "scheduled":
            return partner_service.PartnerChange("not_found")
        if appt.at <= now:
            return partner_service.PartnerChange("not_found")
        await items_repo.update_appointment(conn, appt.id, now, partner_answer=answer)
        await partner_service.audit_partner(
            conn,
            now,
            partner,
            f"joint.{answer}",
            client_id=client.id,
            detail=f"appointment {appt.id}",
        )
        if client.worker_id:
            notice = rows.worker_notice(
                client.worker_id,
                client.id,
                "partner_joint",
                now,
                once=f"{appt.id}:{answer}:{now.isoformat()}",
                answer=answer,
                at=appt.at.isoformat(),
                by=f"{partner.name}, {partner.organisation}",
            )
            await outbox.add(conn, notice, now)
        view = await partner_service.view_of(conn, core, client)
    core.wake()
    return partner_service.PartnerChange("ok", view)
