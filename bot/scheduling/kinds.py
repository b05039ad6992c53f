"""What each kind of outbox row means: checks at send time, the message, and what follows.

`prepare` runs in a transaction just before sending and may open a contact; `after_sent`
records what Telegram answered. Timers are rows without a message: `run_timer` acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from aiosqlite import Connection

from bot import messages
from bot.clock import utc_iso
from bot.core import Core
from bot.i18n import translator
from bot.policy import in_quiet_hours, move_out_of_quiet_hours
from bot.scheduling import planner
from bot.services import alerts
from bot.transport import OutMessage
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Client, Contact, OutboxRow
from storage.outbox import Planned

# A check-in this late is no longer "today's" question: drop it and plan the next one.
CHECKIN_STALE = timedelta(hours=3)
CLIENT_MESSAGE_KINDS = frozenset(planner.CLIENT_KINDS)
WORKER_MESSAGE_KINDS = frozenset(
    {"alert", "alert_edit", "relay_to_worker", "worker_notice", "appt_after", "digest"}
)
TIMER_KINDS = frozenset(
    {
        "contact_due",
        "alert_step",
        "alert_resurface",
        "appt_confirm_check",
        "deadline_passed",
        "pause_end",
        "daily",
    }
)


@dataclass
class Send:
    """Send (or edit) this message."""

    chat_id: int
    message: OutMessage
    edit_message_id: int | None = None
    wipe_payload: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Skip:
    """Do not send; finish the row with this state and reason."""

    reason: str
    state: str = "dropped"


@dataclass
class Later:
    """Not now (quiet hours): try again at `due_at`."""

    due_at: datetime
    reason: str


Prepared = Send | Skip | Later


async def _client_target(
    conn: Connection, core: Core, row: OutboxRow, now: datetime, *, any_status: bool = False
) -> Client | Skip | Later:
    """The client if they can be messaged now; otherwise why not."""
    client = await people_repo.get_client(conn, row.client_id or 0)
    if client is None or client.telegram_id is None:
        return Skip("no client")
    if client.unreachable:
        return Skip("client unreachable")
    if not any_status and client.status != "active":
        return Skip(f"client {client.status}")
    if in_quiet_hours(core.policy, now):
        return Later(move_out_of_quiet_hours(core.policy, now), "quiet hours")
    return client


async def _contact_for(
    conn: Connection,
    core: Core,
    row: OutboxRow,
    client: Client,
    kind: str,
    answer_due: datetime,
    now: datetime,
    *,
    timer: bool = True,
) -> Contact:
    """The contact this row opens (re-used if a crash made us prepare it twice)."""
    existing = await engine_repo.contact_for_outbox(conn, row.id)
    if existing is not None:
        return existing
    # A newer question about the same thing replaces an older unanswered one.
    for old in await engine_repo.open_contacts(conn, client.id, kind=kind, ref_id=row.ref_id):
        await engine_repo.set_contact(conn, old.id, state="void")
        await outbox.drop_pending(
            conn, "replaced", client_id=client.id, kinds=("nudge", "contact_due"), ref_id=old.id
        )
    contact = await engine_repo.open_contact(
        conn,
        client_id=client.id,
        kind=kind,
        ref_id=row.ref_id,
        outbox_id=row.id,
        now=now,
        answer_due_at=answer_due,
    )
    policy = core.policy
    nudge_at = now + policy.checkins.nudge_after
    if nudge_at < answer_due:
        await outbox.add(
            conn,
            Planned(
                key=f"nudge:{contact.id}",
                kind="nudge",
                due_at=nudge_at,
                client_id=client.id,
                ref_id=contact.id,
            ),
            now,
        )
    if timer:
        await outbox.add(
            conn,
            Planned(
                key=f"contactdue:{contact.id}",
                kind="contact_due",
                due_at=answer_due,
                client_id=client.id,
                ref_id=contact.id,
            ),
            now,
        )
    return contact


async def prepare(conn: Connection, core: Core, row: OutboxRow) -> Prepared:
    """Decide, at send time, whether and what to send for a message row."""
    now = core.now()
    kind = row.kind
    policy = core.policy
    zone = policy.zone
    if kind in CLIENT_MESSAGE_KINDS:
        target = await _client_target(
            conn, core, row, now, any_status=bool(row.payload.get("any_status"))
        )
        if not isinstance(target, Client):
            if kind == "checkin" and isinstance(target, Skip):
                await planner.plan_checkin(conn, core, await _fresh(conn, row), now)
            return target
        client = target
        t = translator(client.language)
        chat = client.telegram_id
        assert chat is not None
        if kind == "checkin":
            if now - row.due_at > CHECKIN_STALE:
                # No longer today's question: the next one replaces it.
                await planner.plan_checkin(conn, core, client, now)
                return Skip("late")
            contact = await _contact_for(
                conn, core, row, client, "checkin", now + policy.checkins.answer_within, now
            )
            return Send(chat, messages.checkin(t, contact.id))
        if kind == "appt_reminder":
            appt = await items_repo.get_appointment(conn, row.ref_id or 0)
            if appt is None or appt.status != "scheduled":
                return Skip("appointment cancelled")
            if appt.at <= now:
                return Skip("appointment passed")
            contact = await _contact_for(
                conn, core, row, client, "appointment", appt.at, now, timer=False
            )
            return Send(
                chat,
                messages.appointment_reminder(
                    t, zone, appt, contact.id, day_before=bool(row.payload.get("day_before"))
                ),
            )
        if kind == "deadline_reminder":
            dl = await items_repo.get_deadline(conn, row.ref_id or 0)
            if dl is None or dl.status != "open":
                return Skip("deadline closed")
            if dl.due_date < now.astimezone(zone).date():
                return Skip("deadline passed")
            contact = await _contact_for(
                conn, core, row, client, "deadline", now + policy.checkins.answer_within, now
            )
            what = messages.deadline_what(t, policy.benefit_label(dl.kind, t.lang), dl)
            return Send(chat, messages.deadline_reminder(t, what, dl, contact.id))
        if kind == "nudge":
            asked = await engine_repo.get_contact(conn, row.ref_id or 0)
            if asked is None or asked.state != "open":
                return Skip("answered")
            code = messages.CONTACT_KIND_CODES[asked.kind]
            return Send(chat, messages.nudge(t, code, asked.id))
        if kind == "client_notice":
            return Send(
                chat, messages.client_notice(t, zone, row.payload.get("notice", ""), row.payload)
            )
        if kind == "relay_to_client":
            worker = await people_repo.get_worker(conn, row.worker_id or 0)
            name = worker.first_name if worker else ""
            return Send(
                chat,
                messages.relay_to_client(t, name, row.payload.get("text", "")),
                wipe_payload=True,
            )
        return Skip(f"unknown kind {kind}", state="failed")

    # Worker-side messages.
    worker_id = row.worker_id
    if kind == "appt_after":
        appt = await items_repo.get_appointment(conn, row.ref_id or 0)
        owner = await people_repo.get_client(conn, row.client_id or 0)
        if appt is None or owner is None or appt.status != "scheduled":
            return Skip("appointment settled")
        worker_id = owner.worker_id
    worker = await people_repo.get_worker(conn, worker_id or 0)
    if worker is None or worker.telegram_id is None or not worker.active:
        return Skip("worker unavailable", state="failed")
    t = translator(worker.language)
    chat = worker.telegram_id
    about = await people_repo.get_client(conn, row.client_id) if row.client_id else None
    if kind == "appt_after":
        assert about is not None and appt is not None
        return Send(chat, messages.attendance_question(t, zone, about, appt))
    if kind in ("alert", "alert_edit"):
        alert = await engine_repo.get_alert(conn, row.alert_id or 0)
        if alert is None:
            return Skip("alert gone")
        taker_id = alert.acknowledged_by if alert.state != "resolved" else alert.resolved_by
        taker = await people_repo.get_worker(conn, taker_id) if taker_id else None
        if kind == "alert":
            if alert.state == "resolved":
                return Skip("resolved before delivery")
            card = messages.alert_card(
                t,
                zone,
                alert,
                about,
                taker,
                text=row.payload.get("text"),
                resurfaced=bool(row.payload.get("resurfaced")),
            )
            return Send(chat, card, wipe_payload=True)
        card = messages.alert_card(t, zone, alert, about, taker)
        return Send(row.payload["chat_id"], card, edit_message_id=row.payload["message_id"])
    if kind == "relay_to_worker":
        if about is None:
            return Skip("no client")
        return Send(
            chat,
            messages.relay_to_worker(t, about, row.payload.get("text", "")),
            wipe_payload=True,
        )
    if kind == "worker_notice":
        return Send(
            chat,
            messages.worker_notice(t, zone, row.payload.get("notice", ""), row.payload, about),
        )
    if kind == "digest":
        from bot.services.digest import render_digest

        message = await render_digest(conn, core, worker, t)
        if message is None:
            return Skip("nothing to report")
        return Send(chat, message)
    return Skip(f"unknown kind {kind}", state="failed")


async def _fresh(conn: Connection, row: OutboxRow) -> Client:
    client = await people_repo.get_client(conn, row.client_id or 0)
    assert client is not None
    return client


async def after_sent(
    conn: Connection, core: Core, row: OutboxRow, prepared: Send, message_id: int | None
) -> None:
    """Bookkeeping once Telegram accepted the message."""
    now = core.now()
    if row.kind == "checkin" and row.client_id:
        client = await people_repo.get_client(conn, row.client_id)
        if client is not None:
            await planner.plan_checkin(conn, core, client, now)
    if row.kind == "alert" and row.alert_id and row.worker_id and message_id is not None:
        await engine_repo.set_recipient_message(
            conn, row.alert_id, row.worker_id, prepared.chat_id, message_id
        )
    if (
        row.kind in ("alert", "relay_to_worker")
        and row.client_id
        and row.worker_id
        and message_id is not None
    ):
        await engine_repo.add_relay(
            conn,
            client_id=row.client_id,
            worker_id=row.worker_id,
            chat_id=prepared.chat_id,
            message_id=message_id,
            now=now,
        )
    # appt_after needs nothing more: it is asked once, and the worker's answer settles it.


async def on_recipient_gone(conn: Connection, core: Core, row: OutboxRow, reason: str) -> None:
    """Blocked, deactivated or chat not found: stop messaging the client and tell the worker."""
    if row.kind not in CLIENT_MESSAGE_KINDS or not row.client_id:
        return
    client = await people_repo.update_client(conn, row.client_id, unreachable=1)
    contact = await engine_repo.contact_for_outbox(conn, row.id)
    if contact is not None and contact.state == "open":
        await engine_repo.set_contact(conn, contact.id, state="void")
    await outbox.drop_pending(
        conn,
        f"client {reason}",
        client_id=row.client_id,
        kinds=(*CLIENT_MESSAGE_KINDS, "contact_due"),
    )
    if client is not None:
        await alerts.raise_alert(conn, core, client, "blocked")


async def run_timer(conn: Connection, core: Core, row: OutboxRow) -> None:
    """Act on a timer row."""
    now = core.now()
    kind = row.kind
    if kind == "contact_due":
        contact = await engine_repo.get_contact(conn, row.ref_id or 0)
        if contact is None or contact.state != "open":
            return
        await engine_repo.set_contact(conn, contact.id, state="expired")
        client = await people_repo.get_client(conn, contact.client_id)
        if client is not None and client.status == "active":
            await alerts.raise_alert(conn, core, client, "no_answer", contact_id=contact.id)
    elif kind == "alert_step":
        await alerts.on_step_timer(conn, core, row.alert_id or 0, int(row.payload.get("step", 0)))
    elif kind == "alert_resurface":
        await alerts.on_resurface_timer(conn, core, row.alert_id or 0)
    elif kind == "appt_confirm_check":
        appt = await items_repo.get_appointment(conn, row.ref_id or 0)
        client = await people_repo.get_client(conn, row.client_id or 0)
        if appt and client and appt.status == "scheduled" and appt.confirmation != "confirmed":
            await alerts.raise_alert(conn, core, client, "unconfirmed", ref_id=appt.id)
    elif kind == "deadline_passed":
        dl = await items_repo.get_deadline(conn, row.ref_id or 0)
        if dl and dl.status == "open" and dl.monthly:
            from bot.services.items import roll_monthly

            await roll_monthly(conn, core, dl)
    elif kind == "pause_end":
        client = await people_repo.get_client(conn, row.client_id or 0)
        if (
            client
            and client.status == "paused"
            and client.paused_until
            and client.paused_until <= now
        ):
            from bot.services.clients import resume_in_tx

            await resume_in_tx(conn, core, client, actor="system")
    # "daily" never reaches here: the dispatcher runs it itself, as it needs several transactions.


def backoff(attempts: int, jitter: float) -> timedelta:
    """Exponential backoff capped at 15 minutes; `jitter` in [0, 1) spreads retries apart."""
    base = min(900.0, 2.0 ** min(attempts, 10))
    return timedelta(seconds=base * (0.5 + jitter))


def daily_key(now: datetime, core: Core) -> tuple[str, datetime]:
    """The next daily maintenance run, shortly after local midnight."""
    zone = core.policy.zone
    tomorrow = (now.astimezone(zone) + timedelta(days=1)).date()
    from bot.policy import local_to_utc

    due = local_to_utc(tomorrow, time(0, 5), zone)
    return f"daily:{tomorrow.isoformat()}", due


def utc_key(value: datetime) -> str:
    return utc_iso(value)
