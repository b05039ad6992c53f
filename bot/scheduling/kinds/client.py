"""Messages to clients: check-ins, reminders, nudges, notices and their workers' replies."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiosqlite import Connection

from bot import messages
from bot.core import Core
from bot.guide import guide_in_force, screens
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.scheduling.kinds.base import (
    ClientMessage,
    Later,
    Prepared,
    Send,
    Skip,
    ToClient,
    open_contact,
)
from bot.services.hosts import host_name
from bot.services.plan import item_title
from storage import engine as engine_repo
from storage import guide as guide_repo
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import OutboxRow
from storage.outbox import ROUTINE, TIMELY, URGENT

# A check-in this late is no longer "today's" question: drop it and plan the next one.
CHECKIN_STALE = timedelta(hours=3)


class Checkin(ClientMessage):
    """ "How are things?" with four one-tap answers; opens a contact with an answer deadline."""

    name = "checkin"
    priority = ROUTINE

    async def not_now(
        self, conn: Connection, core: Core, row: OutboxRow, why: Skip | Later, now: datetime
    ) -> Prepared:
        if isinstance(why, Skip):
            # This one will not go: the next one is planned from the client's state now.
            client = await people_repo.get_client(conn, row.client_id or 0)
            assert client is not None
            await planner.plan_checkin(conn, core, client, now)
        return why

    async def compose(self, job: ToClient) -> Prepared:
        if job.now - job.row.due_at > CHECKIN_STALE:
            # No longer today's question: the next one replaces it.
            await planner.plan_checkin(job.conn, job.core, job.client, job.now)
            return Skip("late")
        answer_due = job.now + job.core.policy.checkins.answer_within
        contact = await open_contact(
            job.conn, job.core, job.row, job.client, "checkin", answer_due, job.now
        )
        return Send(job.chat, messages.checkin(job.t, contact.id))

    async def after_sent(
        self, conn: Connection, core: Core, row: OutboxRow, sent: Send, message_id: int | None
    ) -> None:
        client = await people_repo.get_client(conn, row.client_id or 0)
        if client is not None:
            await planner.plan_checkin(conn, core, client, core.now())


class AppointmentReminder(ClientMessage):
    """A reminder of an appointment; the one the day before also asks for a travel plan."""

    name = "appt_reminder"
    priority = TIMELY  # the day before: routine (rows.appt_reminder)

    async def compose(self, job: ToClient) -> Prepared:
        appt = await items_repo.get_appointment(job.conn, job.row.ref_id or 0)
        if appt is None or appt.status != "scheduled":
            return Skip("appointment cancelled")
        if appt.at <= job.now:
            return Skip("appointment passed")
        contact = await open_contact(
            job.conn, job.core, job.row, job.client, "appointment", appt.at, job.now, timer=False
        )
        day_before = bool(job.row.payload.get("day_before"))
        message = messages.appointment_reminder(
            job.t,
            job.core.policy.zone,
            appt,
            contact.id,
            day_before=day_before,
            worker=await host_name(job.conn, appt, job.client),
        )
        return Send(job.chat, message)


class DeadlineReminder(ClientMessage):
    """A reminder of a benefit deadline: what, and by when."""

    name = "deadline_reminder"
    priority = ROUTINE

    async def compose(self, job: ToClient) -> Prepared:
        policy = job.core.policy
        dl = await items_repo.get_deadline(job.conn, job.row.ref_id or 0)
        if dl is None or dl.status != "open":
            return Skip("deadline closed")
        today = job.now.astimezone(policy.zone).date()
        if dl.due_date < today:
            return Skip("deadline passed")
        answer_due = job.now + policy.checkins.answer_within
        contact = await open_contact(
            job.conn, job.core, job.row, job.client, "deadline", answer_due, job.now
        )
        what = messages.deadline_what(job.t, policy.benefit_label(dl.kind, job.t.lang), dl)
        reminder = messages.deadline_reminder(
            job.t, what, dl, contact.id, due_today=dl.due_date == today
        )
        return Send(job.chat, reminder)


class PlanReminder(ClientMessage):
    """A reminder of one of the client's own plan items: done / later / help buttons."""

    name = "plan_reminder"

    async def compose(self, job: ToClient) -> Prepared:
        item = await items_repo.get_plan_item(job.conn, job.row.ref_id or 0)
        if item is None or item.state != "open" or item.owner != "client":
            return Skip("plan item closed")
        due = item.due(job.client.release_date)
        today = job.now.astimezone(job.core.policy.zone).date()
        if due is None or due < today or due.isoformat() != job.row.payload.get("due"):
            return Skip("plan item moved")
        title = item_title(job.core.policy, job.t, item)
        return Send(job.chat, messages.plan_reminder(job.t, title, due, item.id))


class ReleaseDay(ClientMessage):
    """The release-day message: today's and tomorrow's appointments, the client's open plan
    items, and their worker's name with how to reach them."""

    name = "release_day"

    async def compose(self, job: ToClient) -> Prepared:
        zone = job.core.policy.zone
        today = job.now.astimezone(zone).date()
        if job.client.release_date is None or job.row.payload.get("day") != today.isoformat():
            return Skip("not the release day")
        tomorrow = today + timedelta(days=1)
        appts = [
            a
            for a in await items_repo.appointments_of(
                job.conn, job.client.id, upcoming_from=job.now
            )
            if a.at.astimezone(zone).date() in (today, tomorrow)
        ]
        open_items = [
            item_title(job.core.policy, job.t, i)
            for i in await items_repo.plan_of(job.conn, job.client.id)
            if i.state == "open" and i.owner == "client"
        ]
        worker = await people_repo.get_worker(job.conn, job.client.worker_id or 0)
        name = worker.first_name if worker else ""
        hosts = {a.id: await host_name(job.conn, a, job.client) for a in appts}
        return Send(job.chat, messages.release_day(job.t, zone, appts, open_items, name, hosts))


class Nudge(ClientMessage):
    """One gentle second ask while a question is still unanswered."""

    name = "nudge"
    priority = TIMELY

    async def compose(self, job: ToClient) -> Prepared:
        asked = await engine_repo.get_contact(job.conn, job.row.ref_id or 0)
        if asked is None or asked.state != "open":
            return Skip("answered")
        code = messages.CONTACT_KIND_CODES[asked.kind]
        due_today = False
        if asked.kind == "deadline":
            dl = await items_repo.get_deadline(job.conn, asked.ref_id or 0)
            today = job.now.astimezone(job.core.policy.zone).date()
            due_today = dl is not None and dl.due_date <= today
        return Send(job.chat, messages.nudge(job.t, code, asked.id, due_today=due_today))


class ClientNotice(ClientMessage):
    """A short notice (a new appointment, a hand-over, goodbye...), named in the payload."""

    name = "client_notice"
    priority = URGENT

    async def compose(self, job: ToClient) -> Prepared:
        notice = job.row.payload.get("notice", "")
        zone = job.core.policy.zone
        return Send(job.chat, messages.client_notice(job.t, zone, notice, job.row.payload))

    async def after_sent(
        self, conn: Connection, core: Core, row: OutboxRow, sent: Send, message_id: int | None
    ) -> None:
        """The worker who closed the client hears that the goodbye really arrived."""
        closer = row.payload.get("closed_by")
        if row.payload.get("notice") == "goodbye" and closer and row.client_id:
            now = core.now()
            notice = rows.worker_notice(closer, row.client_id, "goodbye_delivered", now, once="")
            await outbox.add(conn, notice, now)


class RelayToClient(ClientMessage):
    """A worker's reply; its text is wiped from the row once delivered."""

    name = "relay_to_client"
    priority = URGENT

    async def compose(self, job: ToClient) -> Prepared:
        worker = await people_repo.get_worker(job.conn, job.row.worker_id or 0)
        name = worker.first_name if worker else ""
        message = messages.relay_to_client(job.t, name, job.row.payload.get("text", ""))
        return Send(job.chat, message, wipe_payload=True)


class GuideTopic(ClientMessage):
    """A guide topic a worker chose for the client; gone from the guide meanwhile: skipped."""

    name = "guide_topic"

    async def compose(self, job: ToClient) -> Prepared:
        _version, guide = guide_in_force(await guide_repo.latest_guide(job.conn))
        topic = guide.topic(job.row.payload.get("topic", ""))
        if topic is None:
            return Skip("topic_gone")
        worker = await people_repo.get_worker(job.conn, job.row.worker_id or 0)
        name = worker.first_name if worker else ""
        return Send(job.chat, screens.sent_topic(job.t, name, topic))


class MediaToClient(ClientMessage):
    """A worker's photo, voice message or file, copied to the client; ids wiped once delivered."""

    name = "media_to_client"
    priority = URGENT

    async def compose(self, job: ToClient) -> Prepared:
        worker = await people_repo.get_worker(job.conn, job.row.worker_id or 0)
        name = worker.first_name if worker else ""
        message = messages.media_to_client(job.t, name, job.row.payload)
        return Send(job.chat, message, wipe_payload=True)
