"""Appointments, deadlines and release plans (shared rules used by workers, the CLI and the engine).

`actor` None means the command line: trusted, so no visibility check, audited as 'cli'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from aiosqlite import Connection

from bot import appointment_kinds as appt_kinds
from bot.core import Core
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.services import joint_meetings
from bot.services.access import can_see_client, open_client, visible_client
from bot.services.alerts import resolve
from bot.services.audit import audit_by
from bot.services.clients import add_month
from bot.services.hosts import host_name
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox, worker_queries
from storage import people as people_repo
from storage.models import Appointment, Client, Deadline, PlanItem, Worker

MAX_PLACE = 100
MAX_LABEL = 60
MAX_PLAN_TITLE = 100
ATTENDANCE = {"came": "attended", "missed": "missed"}


@dataclass(frozen=True)
class ItemResult:
    """What a change did, for the handler or the CLI to render."""

    status: str  # ok, not_found, closed, invalid, bad_link, past, too_far, gone
    client: Client | None = None
    appointment: Appointment | None = None
    deadline: Deadline | None = None
    item: PlanItem | None = None


def clean_text(text: str, limit: int) -> str | None:
    """One line of 1..limit characters (spaces tidied), or None when it does not fit."""
    value = " ".join(text.split())
    return value if 0 < len(value) <= limit else None


async def _audit(
    conn: Connection,
    core: Core,
    actor: Worker | None,
    action: str,
    client_id: int,
    detail: str | None = None,
) -> None:
    await audit_by(conn, core.now(), actor, action, client_id=client_id, detail=detail)


async def _tell_client(
    conn: Connection, core: Core, client: Client, appt: Appointment, notice: str
) -> None:
    """A notice about an appointment to a client who gets messages now (a paused or unjoined
    client hears nothing); one per appointment and time."""
    if client.status == "active" and client.telegram_id is not None:
        now = core.now()
        once = f"{appt.id}:{appt.at.isoformat()}"
        payload: dict[str, Any] = {"place": appt.place, "kind": appt.kind}
        if appt.link:
            payload["link"] = appt.link
        if appt.kind != appt_kinds.IN_PERSON:
            payload["worker"] = await host_name(conn, appt, client)
        row = rows.client_notice(
            client.id, notice, now, once=once, at=appt.at.isoformat(), **payload
        )
        await outbox.add(conn, row, now)


async def _settle_alerts(
    conn: Connection,
    core: Core,
    client_id: int,
    ref_id: int,
    reasons: tuple[str, ...],
    resolution: str,
    actor: Worker | None,
) -> None:
    """Alerts about an item that the worker's change answers are closed."""
    for alert in await engine_repo.open_alerts(conn, client_id=client_id):
        if alert.reason in reasons and alert.ref_id == ref_id:
            await resolve(
                conn, alert.id, core.now(), by=actor.id if actor else None, resolution=resolution
            )


async def _void_contacts(conn: Connection, client_id: int, kind: str, ref_id: int) -> None:
    """A question about an item that changed is no longer waiting for an answer."""
    for contact in await engine_repo.open_contacts(conn, client_id, kind=kind, ref_id=ref_id):
        await engine_repo.set_contact(conn, contact.id, state="void")
        await outbox.drop_pending(
            conn,
            "item changed",
            client_id=client_id,
            kinds=("nudge", "contact_due"),
            ref_id=contact.id,
        )


# Appointments and deadlines further ahead than this are typos (year 9999), never plans: they
# would sit in every client's schedule and the planner's horizon for ever.
ITEM_HORIZON = timedelta(days=5 * 366)


# --- appointments -----------------------------------------------------------------------------


async def add_appointment(
    core: Core,
    actor: Worker | None,
    client_id: int,
    at: datetime,
    place: str,
    *,
    kind: str = appt_kinds.IN_PERSON,
    link: str | None = None,
) -> ItemResult:
    """A new appointment of a kind: stored, the client told, reminders planned.

    `place` counts only for the kinds met at a place, `link` only for a video call or a joint
    meeting (an http or https link, else status "bad_link"); a joint meeting needs a place or a
    link. Any kind may be set before release: the worker's side works from the day the client
    is created, the client hears of it once they have joined.
    """
    now = core.now()
    if kind not in appt_kinds.KINDS:
        return ItemResult("invalid")
    url = appt_kinds.clean_link(link or "") if appt_kinds.takes_link(kind) and link else None
    if (kind == appt_kinds.VIDEO or link) and url is None:
        return ItemResult("bad_link")
    # A joint meeting on video has no place to write down.
    place_needed = appt_kinds.needs_place(kind) and not (kind == appt_kinds.JOINT and url)
    where = clean_text(place, MAX_PLACE) if place_needed else ""
    if where is None:
        return ItemResult("invalid")
    if at <= now:
        return ItemResult("past")
    if at > now + ITEM_HORIZON:
        return ItemResult("too_far")
    async with core.db.tx() as conn:
        status, client = await open_client(conn, actor, client_id)
        if status != "ok" or client is None:
            return ItemResult(status, client)
        appt = await items_repo.add_appointment(
            conn,
            client_id=client.id,
            at=at,
            place=where,
            created_by=actor.id if actor else None,
            now=now,
            kind=kind,
            link=url,
        )
        await _tell_client(conn, core, client, appt, "appt_new")
        await joint_meetings.joint_booked(conn, core, appt)
        await planner.plan_client(conn, core, client.id)
        await _audit(conn, core, actor, "appointment.add", client.id, f"appointment {appt.id}")
    core.wake()
    return ItemResult("ok", client, appointment=appt)


async def _appointment(
    conn: Connection, actor: Worker | None, appointment_id: int
) -> tuple[Client | None, Appointment | None]:
    appt = await items_repo.get_appointment(conn, appointment_id)
    if appt is None:
        return None, None
    client = await visible_client(conn, actor, appt.client_id)
    return (client, appt) if client is not None else (None, None)


async def appointment_for(
    core: Core, actor: Worker | None, appointment_id: int
) -> tuple[Client | None, Appointment | None]:
    """An appointment with its client, if the actor may see them."""
    async with core.db.read() as conn:
        return await _appointment(conn, actor, appointment_id)


async def move_appointment(
    core: Core, actor: Worker | None, appointment_id: int, at: datetime
) -> ItemResult:
    """A new time for a coming appointment; the client is told and asked to confirm again."""
    now = core.now()
    if at <= now:
        return ItemResult("past")
    if at > now + ITEM_HORIZON:
        return ItemResult("too_far")
    async with core.db.tx() as conn:
        client, appt = await _appointment(conn, actor, appointment_id)
        if client is None or appt is None:
            return ItemResult("not_found")
        if client.status == "closed":
            return ItemResult("closed", client)
        if appt.status != "scheduled" or appt.at <= now:
            return ItemResult("gone", client, appt)
        appt = await items_repo.update_appointment(
            conn, appt.id, now, at=at, confirmation=None, confirmed_at=None, partner_answer=None
        )
        assert appt is not None
        await _void_contacts(conn, client.id, "appointment", appt.id)
        await _settle_alerts(
            conn, core, client.id, appt.id, ("reschedule", "unconfirmed"), "moved", actor
        )
        await _tell_client(conn, core, client, appt, "appt_changed")
        await joint_meetings.joint_booked(conn, core, appt)
        await planner.plan_client(conn, core, client.id)
        await _audit(conn, core, actor, "appointment.move", client.id, f"appointment {appt.id}")
    core.wake()
    return ItemResult("ok", client, appointment=appt)


async def cancel_appointment(core: Core, actor: Worker | None, appointment_id: int) -> ItemResult:
    """Cancel a coming appointment; the client is told."""
    now = core.now()
    async with core.db.tx() as conn:
        client, appt = await _appointment(conn, actor, appointment_id)
        if client is None or appt is None:
            return ItemResult("not_found")
        if appt.status != "scheduled" or appt.at <= now:
            return ItemResult("gone", client, appt)
        appt = await items_repo.update_appointment(conn, appt.id, now, status="cancelled")
        assert appt is not None
        await _void_contacts(conn, client.id, "appointment", appt.id)
        await _settle_alerts(
            conn,
            core,
            client.id,
            appt.id,
            ("reschedule", "unconfirmed", "appointment_help"),
            "cancelled",
            actor,
        )
        await _tell_client(conn, core, client, appt, "appt_cancelled")
        await planner.plan_client(conn, core, client.id)
        await _audit(conn, core, actor, "appointment.cancel", client.id, f"appointment {appt.id}")
    core.wake()
    return ItemResult("ok", client, appointment=appt)


async def upcoming_appointments(
    core: Core, actor: Worker | None, client_id: int
) -> tuple[Client | None, list[Appointment]]:
    """A client's coming appointments (None when the client is not the actor's to see)."""
    now = core.now()
    async with core.db.tx() as conn:
        client = await visible_client(conn, actor, client_id)
        if client is None:
            return None, []
        appts = await items_repo.appointments_of(conn, client.id, upcoming_from=now)
        await _audit(conn, core, actor, "client.view", client.id, "appointments")
    return client, appts


async def record_attendance(
    core: Core, worker: Worker, appointment_id: int, choice: str
) -> ItemResult:
    """The answer to 'did the client come?': asked once, recorded once."""
    now = core.now()
    status = ATTENDANCE.get(choice)
    async with core.db.tx() as conn:
        client, appt = await _appointment(conn, worker, appointment_id)
        if client is None or appt is None:
            return ItemResult("not_found")
        if status is None or appt.status != "scheduled" or appt.at > now:
            return ItemResult("gone", client, appt)
        appt = await items_repo.update_appointment(conn, appt.id, now, status=status)
        await planner.plan_client(conn, core, client.id)
        await _audit(
            conn, core, worker, f"appointment.{status}", client.id, f"appointment {appointment_id}"
        )
    core.wake()
    return ItemResult("ok", client, appointment=appt)


# --- deadlines --------------------------------------------------------------------------------


async def add_deadline(
    core: Core,
    actor: Worker | None,
    client_id: int,
    kind: str,
    due: date,
    *,
    monthly: bool = False,
    label: str | None = None,
) -> ItemResult:
    """A benefit deadline; the client hears of it only through the policy's reminders."""
    now = core.now()
    if kind not in core.policy.benefit_kinds:
        return ItemResult("invalid")
    text = None
    if label is not None and label.strip():
        text = clean_text(label, MAX_LABEL)
        if text is None:
            return ItemResult("invalid")
    if kind == "other" and text is None:
        return ItemResult("invalid")
    today = now.astimezone(core.policy.zone).date()
    if due < today:
        return ItemResult("past")
    if due > today + ITEM_HORIZON:
        return ItemResult("too_far")
    async with core.db.tx() as conn:
        status, client = await open_client(conn, actor, client_id)
        if status != "ok" or client is None:
            return ItemResult(status, client)
        dl = await items_repo.add_deadline(
            conn,
            client_id=client.id,
            kind=kind,
            label=text,
            due_date=due,
            monthly=monthly,
            created_by=actor.id if actor else None,
            now=now,
        )
        await planner.plan_client(conn, core, client.id)
        await _audit(conn, core, actor, "deadline.add", client.id, f"deadline {dl.id}")
    core.wake()
    return ItemResult("ok", client, deadline=dl)


async def cancel_deadline(core: Core, actor: Worker | None, deadline_id: int) -> ItemResult:
    """Drop an open deadline and its reminders (the client is not messaged about it)."""
    async with core.db.tx() as conn:
        dl = await items_repo.get_deadline(conn, deadline_id)
        client = await visible_client(conn, actor, dl.client_id) if dl is not None else None
        if client is None or dl is None:
            return ItemResult("not_found")
        if dl.status != "open":
            return ItemResult("gone", client, deadline=dl)
        dl = await items_repo.update_deadline(conn, dl.id, status="cancelled")
        await _void_contacts(conn, client.id, "deadline", deadline_id)
        await _settle_alerts(
            conn, core, client.id, deadline_id, ("deadline_help",), "cancelled", actor
        )
        await planner.plan_client(conn, core, client.id)
        await _audit(conn, core, actor, "deadline.cancel", client.id, f"deadline {deadline_id}")
    core.wake()
    return ItemResult("ok", client, deadline=dl)


async def open_deadlines(
    core: Core, actor: Worker | None, client_id: int
) -> tuple[Client | None, list[Deadline]]:
    """A client's open deadlines (None when the client is not the actor's to see)."""
    async with core.db.tx() as conn:
        client = await visible_client(conn, actor, client_id)
        if client is None:
            return None, []
        found = await items_repo.deadlines_of(conn, client.id)
        await _audit(conn, core, actor, "client.view", client.id, "deadlines")
    return client, found


async def roll_monthly(conn: Connection, core: Core, dl: Deadline) -> None:
    """A monthly deadline that passed moves to the same day next month and is planned again."""
    await items_repo.update_deadline(
        conn, dl.id, due_date=add_month(dl.due_date), snoozed_until=None
    )
    client = await people_repo.get_client(conn, dl.client_id)
    if client is not None:
        await planner.plan_client(conn, core, client.id)


# --- release plan -------------------------------------------------------------------------------


async def open_plan(
    core: Core, worker: Worker, client_id: int
) -> tuple[Client | None, list[PlanItem]]:
    """The client's release plan; the first opening fills it from the template."""
    async with core.db.tx() as conn:
        client = await visible_client(conn, worker, client_id)
        if client is None:
            return None, []
        # Started once: a worker who removes every template item does not get them back.
        if client.status != "closed" and not await worker_queries.has_audit(
            conn, client.id, "plan.start"
        ):
            await fill_plan(conn, core, client.id)
            await _audit(conn, core, worker, "plan.start", client.id)
            # The client's own items get their reminders from the start.
            await planner.plan_client(conn, core, client.id)
        else:
            await _audit(conn, core, worker, "client.view", client.id, "plan")
        plan = await items_repo.plan_of(conn, client.id)
    return client, plan


async def fill_plan(conn: Connection, core: Core, client_id: int) -> None:
    """The policy's template items, added to a client's plan (audit 'plan.start' with it)."""
    now = core.now()
    for key, template in core.policy.plan_templates.items():
        await items_repo.add_plan_item(
            conn,
            client_id=client_id,
            template=key,
            title=None,
            now=now,
            owner=template.owner,
            due_offset=template.due_days,
        )


async def current_plan(
    core: Core, worker: Worker, client_id: int
) -> tuple[Client | None, list[PlanItem]]:
    """The plan as it is now, to show again right after a change (already audited)."""
    async with core.db.read() as conn:
        client = await visible_client(conn, worker, client_id)
        if client is None:
            return None, []
        return client, await items_repo.plan_of(conn, client.id)


async def add_plan_item(core: Core, worker: Worker, client_id: int, title: str) -> ItemResult:
    """The worker's own item at the end of the plan."""
    text = clean_text(title, MAX_PLAN_TITLE)
    if text is None:
        return ItemResult("invalid")
    async with core.db.tx() as conn:
        status, client = await open_client(conn, worker, client_id)
        if status != "ok" or client is None:
            return ItemResult(status, client)
        item = await items_repo.add_plan_item(
            conn, client_id=client.id, template=None, title=text, now=core.now()
        )
        await _audit(conn, core, worker, "plan.add", client.id, f"item {item.id}")
    return ItemResult("ok", client, item=item)


async def remove_plan_item(core: Core, worker: Worker, item_id: int) -> ItemResult:
    """Take an item off the plan."""
    async with core.db.tx() as conn:
        item = await items_repo.get_plan_item(conn, item_id)
        client = await visible_client(conn, worker, item.client_id) if item is not None else None
        if client is None or item is None:
            return ItemResult("not_found")
        if client.status == "closed":
            return ItemResult("closed", client)
        await items_repo.delete_plan_item(conn, item.id)
        await _audit(conn, core, worker, "plan.remove", client.id, f"item {item.id}")
    return ItemResult("ok", client, item=item)


async def toggle_plan_item(
    core: Core, actor_kind_: str, actor_ref: int, item_id: int
) -> ItemResult:
    """Tick or untick a plan item: `actor_kind_` 'worker' with a worker id, or 'client' with
    the client's Telegram id. Anyone else's item reads as not found."""
    now = core.now()
    async with core.db.tx() as conn:
        item = await items_repo.get_plan_item(conn, item_id)
        if item is None:
            return ItemResult("not_found")
        worker: Worker | None = None
        if actor_kind_ == "client":
            client = await people_repo.client_by_telegram(conn, actor_ref)
            if client is None or client.id != item.client_id:
                return ItemResult("not_found")
        elif actor_kind_ == "worker":
            worker = await people_repo.get_worker(conn, actor_ref)
            client = await people_repo.get_client(conn, item.client_id)
            if worker is None or client is None or not await can_see_client(conn, worker, client):
                return ItemResult("not_found")
        else:
            raise ValueError(f"unknown actor kind {actor_kind_!r}")
        if client.status == "closed":
            return ItemResult("closed", client)
        done = item.state != "done"
        item = await items_repo.update_plan_item(
            conn,
            item.id,
            done_at=now if done else None,
            done_by=actor_kind_ if done else None,
            state="done" if done else "open",
            state_by_kind=actor_kind_,
            state_by=worker.id if worker else None,
            state_by_partner=None,
            state_at=now,
        )
        await audit_by(
            conn,
            now,
            worker,
            "plan.tick" if done else "plan.untick",
            client_id=client.id,
            detail=f"item {item_id}",
            kind=None if worker else "client",
        )
    return ItemResult("ok", client, item=item)
