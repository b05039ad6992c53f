"""Messages to partners (the prison's re-entry workers): notices and the weekly list."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from aiosqlite import Connection

from bot import partner_text
from bot.core import Core
from bot.i18n import Translator, translator
from bot.scheduling.kinds.base import Kind, Prepared, Send, Skip
from bot.services import partners as partner_service
from storage import items as items_repo
from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Client, OutboxRow, Partner
from storage.outbox import ROUTINE, TIMELY
from storage.times import utc_iso


@dataclass(frozen=True)
class ToPartner:
    """A partner message being prepared: the partner and the client it is about (if any)."""

    conn: Connection
    core: Core
    row: OutboxRow
    partner: Partner
    about: Client | None
    t: Translator

    @property
    def chat(self) -> int:
        assert self.partner.telegram_id is not None  # PartnerMessage.prepare checked it
        return self.partner.telegram_id


class PartnerMessage(Kind, ABC):
    """A message to the partner named in the row's payload (outbox rows name no partner)."""

    async def prepare(self, conn: Connection, core: Core, row: OutboxRow) -> Prepared:
        partner = await partners_repo.get_partner(conn, int(row.payload.get("partner", 0)))
        if partner is None or not partner.active or partner.telegram_id is None:
            return Skip("partner unavailable", state="failed")
        if partner.unreachable:
            return Skip("partner unreachable", state="failed")
        about = await people_repo.get_client(conn, row.client_id) if row.client_id else None
        return await self.compose(
            ToPartner(
                conn,
                core,
                row,
                partner,
                about,
                translator(partner.language).at(core.now(), core.policy.zone),
            )
        )

    @abstractmethod
    async def compose(self, job: ToPartner) -> Prepared:
        """The message for a partner who can be reached."""

    async def on_recipient_gone(
        self, conn: Connection, core: Core, row: OutboxRow, reason: str
    ) -> None:
        """The partner blocked Silta: stop writing to them until they come back."""
        pid = int(row.payload.get("partner", 0))
        if pid:
            await partners_repo.update_partner(conn, pid, unreachable=1)


class PartnerNotice(PartnerMessage):
    """A short notice: a referral taken or declined, a worker's note on the shared plan."""

    name = "partner_notice"
    priority = TIMELY

    async def compose(self, job: ToPartner) -> Prepared:
        notice = job.row.payload.get("notice", "")
        message = partner_text.partner_notice(job.t, notice, job.row.payload, job.about)
        # The payload may carry a declined referral's nickname: gone once delivered.
        return Send(job.chat, message, wipe_payload=True)


class PartnerWeekly(PartnerMessage):
    """The partner's short weekly list of overdue prison items, composed when sent."""

    name = "partner_weekly"
    priority = ROUTINE

    async def compose(self, job: ToPartner) -> Prepared:
        overdue = await partner_service.overdue_items(job.conn, job.core, job.partner)
        if not overdue:
            return Skip("nothing overdue")
        return Send(job.chat, partner_text.weekly(job.t, job.core.policy, overdue))


class PartnerJoint(PartnerMessage):
    """A joint meeting to a partner: when booked, and the day before; confirm or another time."""

    name = "partner_joint"
    priority = ROUTINE  # TIMELY when just booked (rows.partner_joint)

    async def compose(self, job: ToPartner) -> Prepared:
        appt = await items_repo.get_appointment(job.conn, job.row.ref_id or 0)
        if appt is None or appt.status != "scheduled" or job.about is None:
            return Skip("meeting settled")
        if utc_iso(appt.at) != job.row.payload.get("at") or appt.at <= job.core.now():
            return Skip("meeting moved or past")
        worker = (
            await people_repo.get_worker(job.conn, job.about.worker_id)
            if job.about.worker_id
            else None
        )
        message = partner_text.joint_meeting(
            job.t,
            job.core.policy.zone,
            appt,
            job.about,
            worker.name if worker else "",
            day_before=job.row.payload.get("tag") == "-1d",
        )
        return Send(job.chat, message)
