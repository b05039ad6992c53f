"""Timers: rows without a message that act when due (answer times, the ladder, the daily run)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from aiosqlite import Connection

from bot.core import Core
from bot.policy import local_to_utc
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.scheduling.kinds.base import Timer
from bot.services import alerts, clients, digest, items, partners, plan, retention
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import OutboxRow
from storage.outbox import ROUTINE, TIMELY, Planned

# The daily run starts a few minutes after local midnight, once the date has surely turned.
DAILY_AT = time(0, 5)


class ContactDue(Timer):
    """A question's answer time is over: the contact expires and the worker is alerted."""

    name = "contact_due"
    priority = TIMELY

    async def run(self, conn: Connection, core: Core, row: OutboxRow) -> None:
        contact = await engine_repo.get_contact(conn, row.ref_id or 0)
        if contact is None or contact.state != "open":
            return
        await engine_repo.set_contact(conn, contact.id, state="expired")
        client = await people_repo.get_client(conn, contact.client_id)
        if client is not None and client.status == "active":
            await alerts.raise_alert(conn, core, client, "no_answer", contact_id=contact.id)


class AlertStep(Timer):
    """The next rung of an alert's ladder, if nobody has taken it."""

    name = "alert_step"
    priority = TIMELY  # urgent for a person asking for help (rows.alert_step)

    async def run(self, conn: Connection, core: Core, row: OutboxRow) -> None:
        await alerts.on_step_timer(conn, core, row.alert_id or 0, int(row.payload.get("step", 0)))


class AlertResurface(Timer):
    """A snooze ended, or a taken alert was left unresolved: back to whoever took it."""

    name = "alert_resurface"
    priority = TIMELY

    async def run(self, conn: Connection, core: Core, row: OutboxRow) -> None:
        await alerts.on_resurface_timer(conn, core, row.alert_id or 0)


class AppointmentConfirmCheck(Timer):
    """Still unconfirmed this close to the appointment: alert the worker."""

    name = "appt_confirm_check"
    priority = TIMELY

    async def run(self, conn: Connection, core: Core, row: OutboxRow) -> None:
        appt = await items_repo.get_appointment(conn, row.ref_id or 0)
        client = await people_repo.get_client(conn, row.client_id or 0)
        # Only silence: "another time" or "I need help" is an answer, with an alert of its own.
        if appt and client and appt.status == "scheduled" and appt.confirmation is None:
            await alerts.raise_alert(conn, core, client, "unconfirmed", ref_id=appt.id)


class DeadlinePassed(Timer):
    """A deadline's day is over: still open, the worker is told; a monthly one rolls on."""

    name = "deadline_passed"
    priority = ROUTINE

    async def run(self, conn: Connection, core: Core, row: OutboxRow) -> None:
        dl = await items_repo.get_deadline(conn, row.ref_id or 0)
        if dl is None or dl.status != "open":
            return
        client = await people_repo.get_client(conn, dl.client_id)
        if client is not None and client.status != "closed":
            await alerts.raise_alert(conn, core, client, "deadline_missed", ref_id=dl.id)
        if dl.monthly:
            await items.roll_monthly(conn, core, dl)


class PauseEnd(Timer):
    """A pause the client chose for a while is over: messages resume."""

    name = "pause_end"
    priority = ROUTINE

    async def run(self, conn: Connection, core: Core, row: OutboxRow) -> None:
        client = await people_repo.get_client(conn, row.client_id or 0)
        now = core.now()
        if (
            client
            and client.status == "paused"
            and client.paused_until
            and client.paused_until <= now
        ):
            await clients.resume_in_tx(conn, core, client, actor="system")


class Daily(Timer):
    """Once a day: re-plan everyone, plan digests and plan reminders, purge past retention."""

    name = "daily"
    priority = ROUTINE

    async def run_alone(self, core: Core, row: OutboxRow) -> None:
        # Re-planning goes a batch per transaction, so that people's updates are answered between.
        await planner.plan_all(core)
        async with core.db.tx() as conn:
            await digest.plan_digests(conn, core)
            await partners.plan_weekly(conn, core)
            await plan.release_checks(conn, core)
        await retention.purge(core)
        async with core.db.tx() as conn:
            await outbox.finish(conn, row.id, "sent", "daily done")
            await outbox.add(conn, next_daily(core, core.now()), core.now())


def next_daily(core: Core, now: datetime) -> Planned:
    """The next daily run, shortly after local midnight."""
    zone = core.policy.zone
    tomorrow = (now.astimezone(zone) + timedelta(days=1)).date()
    return rows.daily(tomorrow, local_to_utc(tomorrow, DAILY_AT, zone))
