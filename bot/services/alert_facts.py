"""What an alert card shows: the alert with its client, people and the matter's item."""

from __future__ import annotations

from dataclasses import dataclass

from aiosqlite import Connection

from bot.core import Core
from bot.services import alerts
from storage import engine as engine_repo
from storage import items as items_repo
from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import (
    Alert,
    Appointment,
    Client,
    Contact,
    Deadline,
    Partner,
    Referral,
    Worker,
)


@dataclass(frozen=True)
class AlertFacts:
    """An alert with what a worker needs to act on it, for the card."""

    alert: Alert
    client: Client | None
    taker: Worker | None  # who took it, or who resolved it once resolved
    assigned: Worker | None
    replier: Worker | None = None
    contact: Contact | None = None
    appointment: Appointment | None = None
    deadline: Deadline | None = None
    deadline_label: str = ""
    # A referral from the prison: about nobody in Silta yet.
    referral: Referral | None = None
    partner: Partner | None = None
    decided_by: Worker | None = None


async def facts(conn: Connection, core: Core, alert: Alert, lang: str = "en") -> AlertFacts:
    """Everything a card about `alert` shows, read at send time."""
    client = await people_repo.get_client(conn, alert.client_id) if alert.client_id else None
    taker_id = alert.resolved_by if alert.state == "resolved" else alert.acknowledged_by
    taker = await people_repo.get_worker(conn, taker_id) if taker_id else None
    assigned = (
        await people_repo.get_worker(conn, client.worker_id)
        if client and client.worker_id
        else None
    )
    replier = await people_repo.get_worker(conn, alert.replied_by) if alert.replied_by else None
    contact = await engine_repo.get_contact(conn, alert.contact_id) if alert.contact_id else None
    appt = dl = None
    label = ""
    matter = alert.matter or alerts.matter_of(alert.reason, alert.ref_id)
    if matter.startswith("appointment:"):
        appt = await items_repo.get_appointment(conn, alert.ref_id or 0)
    elif matter.startswith("deadline:"):
        dl = await items_repo.get_deadline(conn, alert.ref_id or 0)
        if dl is not None:
            label = (
                dl.label
                if dl.kind == "other" and dl.label
                else core.policy.benefit_label(dl.kind, lang)
            )
    if alert.reason == "referral":
        return await _referral_facts(conn, alert, taker)
    return AlertFacts(alert, client, taker, assigned, replier, contact, appt, dl, label)


async def _referral_facts(conn: Connection, alert: Alert, taker: Worker | None) -> AlertFacts:
    referral = await partners_repo.get_referral(conn, alert.ref_id or 0)
    partner = await partners_repo.get_partner(conn, referral.partner_id) if referral else None
    decided = (
        await people_repo.get_worker(conn, referral.decided_by)
        if referral and referral.decided_by
        else None
    )
    return AlertFacts(
        alert, None, taker, None, referral=referral, partner=partner, decided_by=decided
    )


async def facts_of(core: Core, found: list[Alert], lang: str) -> list[AlertFacts]:
    """The cards' facts of several alerts, read together."""
    async with core.db.read() as conn:
        return [await facts(conn, core, alert, lang) for alert in found]


async def card_for(core: Core, worker: Worker, alert_id: int, lang: str) -> AlertFacts | None:
    """An alert's card for a worker who may act on it (from the /alerts summary)."""
    async with core.db.read() as conn:
        alert = await engine_repo.get_alert(conn, alert_id)
        if alert is None or not await alerts.may_handle(conn, worker, alert):
            return None
        return await facts(conn, core, alert, lang)
