"""The client's side: joining with an invite, answering, writing, pausing, seeing what is next."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from aiosqlite import Connection

from bot import invites as invite_codes
from bot.clock import utc_iso
from bot.core import Core
from bot.i18n import available_languages, pick_language
from bot.policy import in_quiet_hours, local_to_utc, next_working_time
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.services import alerts, invite_secret
from bot.services.audit import audit_by
from bot.services.hosts import host_name
from bot.services.next_step import NextStep, next_step
from bot.services.onboarding import note_wrong_code
from storage import admin as admin_repo
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Appointment, Client, Contact, Deadline, PlanItem

# Wrong invite codes: at most this many per Telegram user per hour. There is no limit on everyone
# together: a stranger with many accounts could then lock every real client out on their release
# day; codes have about 59 bits, which the per-user limit protects (onboarding.note_wrong_code
# tells the admins about an unusual rate instead).
GUESSES_PER_USER_PER_HOUR = 5
PAUSE_CHOICES = {"week": timedelta(days=7), "month": timedelta(days=30), "open": None}
CHECKIN_CHOICES = ("good", "ok", "bad", "call")
CONTACT_CODES = {"ck": "checkin", "ap": "appointment", "dl": "deadline"}
VALID_CHOICES = {
    "checkin": ("good", "ok", "bad", "call"),
    "appointment": ("yes", "move", "help"),
    "deadline": ("done", "later", "today", "help"),
}
# Answers by which the client asks for help or says they are not OK: with these, the crisis
# numbers go along when nobody sees the answer now.
HELP_ASKED = frozenset(
    {("checkin", "bad"), ("checkin", "call"), ("appointment", "help"), ("deadline", "help")}
)
# "Remind me later" on a deadline's own day: this much later, if that is still today and not in
# the quiet hours; otherwise the client is told plainly that no reminder can come in time.
LATER_TODAY = (timedelta(hours=3), timedelta(hours=1))


@dataclass(frozen=True)
class JoinOffer:
    """The result of presenting an invite code."""

    status: (
        str  # offer, worker_invite, partner_invite, invalid, expired, used, throttled, is_worker
    )
    invite_id: int | None = None
    worker_name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class JoinResult:
    status: str  # joined, declined, stale, expired, used
    client: Client | None = None
    worker_name: str | None = None


@dataclass(frozen=True)
class AnswerResult:
    status: str  # ok, stale
    kind: str | None = None
    choice: str | None = None
    worker_name: str | None = None
    # Who sees the answer and when, for answers that reach a worker (an alert).
    next: NextStep | None = None
    late: bool = False
    # "Remind me later" on a deadline: when the reminder comes (None: none can come in time).
    remind_at: datetime | None = None


@dataclass(frozen=True)
class Upcoming:
    appointments: list[Appointment] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    plan: list[PlanItem] = field(default_factory=list)
    release_date: date | None = None
    # Appointment id -> who the client meets there, by first name ("Anna will call you").
    hosts: dict[int, str] = field(default_factory=dict)


async def _worker_name(conn: Connection, client: Client | None) -> str:
    if client is None or client.worker_id is None:
        return ""
    worker = await people_repo.get_worker(conn, client.worker_id)
    return worker.first_name if worker else ""


async def _audit_client(
    conn: Connection, now: datetime, action: str, client_id: int, kind: str = "client"
) -> None:
    """Audit what a client did (with `kind`, what Silta did for them)."""
    await audit_by(conn, now, None, action, client_id=client_id, kind=kind)


async def throttled(conn: Connection, telegram_id: int, now: datetime) -> bool:
    """Too many wrong codes from this user in the last hour."""
    hour_ago = now - timedelta(hours=1)
    mine = await admin_repo.failed_attempts_since(conn, hour_ago, telegram_id)
    return mine >= GUESSES_PER_USER_PER_HOUR


async def present_code(core: Core, telegram_id: int, raw: str) -> JoinOffer:
    """Check an invite code (typed or from a deep link) and remember who may consent to it."""
    now = core.now()
    async with core.db.tx() as conn:
        if await throttled(conn, telegram_id, now):
            return JoinOffer("throttled")
        code = invite_codes.normalize_code(raw)
        invite = None
        if code is not None:
            invite = await invite_secret.find_invite(conn, core.settings, code)
        if invite is None or invite.revoked_at is not None:
            await note_wrong_code(conn, telegram_id, now)
            return JoinOffer("invalid")
        if invite.used_at is not None:
            return JoinOffer("used")
        if invite.expires_at <= now:
            return JoinOffer("expired")
        if invite.kind == "worker":
            return JoinOffer("worker_invite", invite_id=invite.id)
        if invite.kind == "partner":
            return JoinOffer("partner_invite", invite_id=invite.id)
        if await people_repo.worker_by_telegram(conn, telegram_id) is not None:
            return JoinOffer("is_worker")
        await admin_repo.set_invite(conn, invite.id, pending_telegram_id=telegram_id)
        client = await people_repo.get_client(conn, invite.client_id or 0)
        if client is None or client.status == "closed":
            return JoinOffer("invalid")
        return JoinOffer(
            "offer",
            invite_id=invite.id,
            worker_name=await _worker_name(conn, client),
            language=client.language,
        )


async def consent(
    core: Core, telegram_id: int, invite_id: int, agree: bool, telegram_language: str | None
) -> JoinResult:
    """Agree (link this Telegram account to the client) or decline (link nothing)."""
    now = core.now()
    async with core.db.tx() as conn:
        invite = await admin_repo.pending_invite_for(conn, invite_id, telegram_id)
        if invite is None or invite.revoked_at is not None:
            return JoinResult("stale")
        if invite.used_at is not None:
            return JoinResult("used")
        if invite.expires_at <= now:
            return JoinResult("expired")
        client = await people_repo.get_client(conn, invite.client_id or 0)
        if client is None or client.status == "closed":
            return JoinResult("stale")
        if not agree:
            await admin_repo.set_invite(conn, invite.id, pending_telegram_id=None)
            if client.worker_id:
                # One line, once per invite: the worker should know, without an alert.
                notice = rows.worker_notice(
                    client.worker_id, client.id, "declined", now, once=str(invite.id)
                )
                await outbox.add(conn, notice, now)
            name = await _worker_name(conn, client)
            core.wake()
            return JoinResult("declined", client, name)
        # This Telegram account may have belonged to an older record: free it first.
        other = await people_repo.client_by_telegram(conn, telegram_id)
        if other is not None and other.id != client.id:
            await people_repo.update_client(conn, other.id, telegram_id=None)
        replaced = client.telegram_id is not None and client.telegram_id != telegram_id
        client = await people_repo.update_client(
            conn,
            client.id,
            telegram_id=telegram_id,
            consent_at=now,
            joined_at=client.joined_at or now,
            unreachable=0,
            last_seen_at=now,
            status="active" if client.status == "invited" else client.status,
            language=client.language or pick_language(None, telegram_language),
        )
        assert client is not None
        await admin_repo.set_invite(conn, invite.id, used_at=now, pending_telegram_id=None)
        await _audit_client(conn, now, "client.rejoin" if replaced else "client.join", client.id)
        if client.worker_id:
            notice = rows.worker_notice(
                client.worker_id, client.id, "joined", now, once=str(invite.id)
            )
            await outbox.add(conn, notice, now)
        await planner.plan_client(conn, core, client.id)
        name = await _worker_name(conn, client)
    core.wake()
    return JoinResult("joined", client, name)


async def answer(
    core: Core, telegram_id: int, code: str, contact_id: int, choice: str
) -> AnswerResult:
    """One tap on a check-in or reminder: record it and do what the answer asks."""
    now = core.now()
    kind = CONTACT_CODES.get(code)
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        contact = await engine_repo.get_contact(conn, contact_id)
        if (
            client is None
            or contact is None
            or kind is None
            or contact.client_id != client.id
            or contact.kind != kind
            or choice not in VALID_CHOICES[kind]
            or contact.state in ("answered", "void")
        ):
            return AnswerResult("stale")
        late = contact.state == "expired"
        await engine_repo.set_contact(
            conn, contact.id, state="answered", answered_at=now, answer=choice
        )
        await outbox.drop_pending(
            conn, "answered", client_id=client.id, kinds=("nudge", "contact_due"), ref_id=contact.id
        )
        await people_repo.update_client(
            conn,
            client.id,
            last_seen_at=now,
            unreachable=0,
            **({"last_answer": choice, "last_answer_at": now} if kind == "checkin" else {}),
        )
        if kind == "checkin":
            # Any answer settles "has not answered", late or not, for this or an older question.
            await alerts.all_clear(conn, core, client.id)
        raised = await _ANSWERS[kind](conn, core, client, contact, choice)
        await _audit_client(conn, now, f"answer.{kind}.{choice}", client.id)
        name = await _worker_name(conn, client)
        step = None
        if raised:
            step = await next_step(conn, core, client, help_asked=(kind, choice) in HELP_ASKED)
        remind_at = None
        if kind == "deadline" and choice in ("later", "today"):
            dl = await items_repo.get_deadline(conn, contact.ref_id or 0)
            remind_at = dl.snoozed_until if dl is not None else None
    core.wake()
    return AnswerResult("ok", kind, choice, name, step, late, remind_at)


async def _checkin_answered(
    conn: Connection, core: Core, client: Client, contact: Contact, choice: str
) -> bool:
    """Not good, or please call: an urgent alert; True when an alert was raised."""
    if choice not in ("bad", "call"):
        return False
    reason = "not_good" if choice == "bad" else "contact_me"
    await alerts.raise_alert(conn, core, client, reason, contact_id=contact.id)
    return True


async def _appointment_answered(
    conn: Connection, core: Core, client: Client, contact: Contact, choice: str
) -> bool:
    """Confirmed, or asks for another time or for help (the worker is alerted: True)."""
    now = core.now()
    appt = await items_repo.get_appointment(conn, contact.ref_id or 0)
    if appt is None or appt.status != "scheduled":
        return False
    status = {"yes": "confirmed", "move": "reschedule", "help": "help"}[choice]
    await items_repo.update_appointment(conn, appt.id, now, confirmation=status, confirmed_at=now)
    if choice == "yes":
        await alerts.settle_matter(conn, core, client.id, f"appointment:{appt.id}", "settled")
    else:
        # Folds into an open "not confirmed" alert about the same appointment, as its news.
        reason = "reschedule" if choice == "move" else "appointment_help"
        await alerts.raise_alert(conn, core, client, reason, ref_id=appt.id)
    await planner.plan_appointments(conn, core, client, now)
    return choice != "yes"


async def _deadline_answered(
    conn: Connection, core: Core, client: Client, contact: Contact, choice: str
) -> bool:
    """Done, remind me tomorrow, or help (the worker is alerted: True)."""
    now = core.now()
    dl = await items_repo.get_deadline(conn, contact.ref_id or 0)
    if dl is None or dl.status != "open":
        return False
    if choice == "done":
        await mark_deadline_done(conn, core, dl)
        await alerts.settle_matter(conn, core, client.id, f"deadline:{dl.id}", "settled")
    elif choice in ("later", "today"):
        await items_repo.update_deadline(conn, dl.id, snoozed_until=later_reminder(core, dl, now))
    else:
        await alerts.raise_alert(conn, core, client, "deadline_help", ref_id=dl.id)
    await planner.plan_deadlines(conn, core, client, now)
    return choice == "help"


def later_reminder(core: Core, dl: Deadline, now: datetime) -> datetime | None:
    """When "remind me later" reminds: tomorrow morning if the deadline is not yet due then,
    else later today outside the quiet hours; None when no reminder can come before it ends."""
    policy = core.policy
    today = now.astimezone(policy.zone).date()
    tomorrow = today + timedelta(days=1)
    if tomorrow <= dl.due_date:
        return local_to_utc(tomorrow, policy.deadlines.morning, policy.zone)
    if dl.due_date < today:
        return None
    for wait in LATER_TODAY:
        when = now + wait
        if when.astimezone(policy.zone).date() == today and not in_quiet_hours(policy, when):
            return when
    return None


_ANSWERS = {
    "checkin": _checkin_answered,
    "appointment": _appointment_answered,
    "deadline": _deadline_answered,
}


def add_month(day: date) -> date:
    """The same day next month, or the month's last day when it is shorter."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def mark_deadline_done(conn: Connection, core: Core, dl: Deadline) -> None:
    """Done: a monthly deadline moves to next month, others close."""
    now = core.now()
    if dl.monthly:
        await items_repo.update_deadline(
            conn, dl.id, due_date=add_month(dl.due_date), snoozed_until=None, done_at=now
        )
    else:
        await items_repo.update_deadline(
            conn, dl.id, status="done", done_at=now, snoozed_until=None
        )


async def write_to_worker(core: Core, telegram_id: int, text: str) -> tuple[str, NextStep | None]:
    """A linked client's free text goes to their worker (an alert that climbs the ladder; with
    no worker, the ladder alone); returns (status, who sees it and when)."""
    now = core.now()
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None or client.status == "closed":
            return ("not_found", None)
        client = await mark_seen(conn, core, client)
        open_msg = await engine_repo.open_alert_of_matter(conn, client.id, "message")
        if open_msg is not None and client.worker_id is not None:
            due = next_working_time(core.policy, now)
            relay = rows.relay_to_worker(client.id, client.worker_id, text, due, uuid.uuid4().hex)
            await outbox.add(conn, relay, now)
        # The alert keeps the latest words until it is resolved (a backup's copy shows them).
        await alerts.raise_alert(
            conn, core, client, "message", words=text, ref_id=int(now.timestamp())
        )
        await _audit_client(conn, now, "client.message", client.id)
        step = await next_step(conn, core, client)
    core.wake()
    return ("relayed", step)


async def mark_seen(conn: Connection, core: Core, client: Client) -> Client:
    """The client wrote: they are reachable again, and planning resumes if it had stopped."""
    now = core.now()
    was_unreachable = client.unreachable
    updated = await people_repo.update_client(conn, client.id, last_seen_at=now, unreachable=0)
    assert updated is not None
    if was_unreachable:
        told = await alerts.settle_matter(conn, core, client.id, "reach", "reachable")
        if client.worker_id and not told:
            notice = rows.worker_notice(
                client.worker_id, client.id, "reachable", now, once=utc_iso(now)
            )
            await outbox.add(conn, notice, now)
        await planner.plan_client(conn, core, client.id)
        core.wake()
    return updated


async def seen(core: Core, telegram_id: int) -> None:
    """Any update from a client counts as a sign of life."""
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is not None and client.unreachable:
            await mark_seen(conn, core, client)


async def ask_contact(core: Core, telegram_id: int) -> NextStep | None:
    """`/contact`: an urgent 'please contact me' alert; returns who sees it and when."""
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None:
            return None
        await alerts.raise_alert(
            conn, core, client, "contact_me", ref_id=int(core.now().timestamp()) // 3600
        )
        await _audit_client(conn, core.now(), "client.contact", client.id)
        step = await next_step(conn, core, client, help_asked=True)
    core.wake()
    return step


async def pause(core: Core, telegram_id: int, choice: str) -> Client | None:
    """`/stop`: pause messages for a week, a month or until resumed; the worker is told."""
    if choice not in PAUSE_CHOICES:
        return None
    now = core.now()
    span = PAUSE_CHOICES[choice]
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None or client.status not in ("active", "paused"):
            return None
        client = await people_repo.update_client(
            conn, client.id, status="paused", paused_until=now + span if span else None
        )
        assert client is not None
        await outbox.drop_pending(
            conn,
            "paused",
            client_id=client.id,
            kinds=("checkin", "appt_reminder", "deadline_reminder", "nudge", "contact_due"),
        )
        for contact in await engine_repo.open_contacts(conn, client.id):
            await engine_repo.set_contact(conn, contact.id, state="void")
        await planner.plan_client(conn, core, client.id)
        if client.worker_id:
            # One line to the worker: a pause is the client's choice, not an alert that climbs.
            until = utc_iso(client.paused_until) if client.paused_until else ""
            notice = rows.worker_notice(
                client.worker_id, client.id, "paused", now, once=utc_iso(now), until=until
            )
            await outbox.add(conn, notice, now)
        await _audit_client(conn, now, f"client.pause.{choice}", client.id)
    core.wake()
    return client


async def resume_in_tx(conn: Connection, core: Core, client: Client, *, actor: str) -> Client:
    """Messages on again; the worker hears of it and the pause alert closes."""
    now = core.now()
    updated = await people_repo.update_client(conn, client.id, status="active", paused_until=None)
    assert updated is not None
    for alert in await engine_repo.open_alerts(conn, client_id=client.id, reason="paused"):
        await alerts.resolve(conn, alert.id, now, by=None, resolution="resumed")
    await outbox.drop_pending(conn, "resumed", client_id=client.id, kinds=("pause_end",))
    if client.worker_id:
        notice = rows.worker_notice(client.worker_id, client.id, "resumed", now, once=utc_iso(now))
        await outbox.add(conn, notice, now)
    if actor == "system":
        await outbox.add(
            conn, rows.client_notice(client.id, "resumed", now, once=utc_iso(now)), now
        )
    await _audit_client(conn, now, "client.resume", client.id, kind=actor)
    await planner.plan_client(conn, core, client.id)
    return updated


async def resume(core: Core, telegram_id: int) -> Client | None:
    """`/start` while paused."""
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None or client.status != "paused":
            return None
        client = await resume_in_tx(conn, core, client, actor="client")
    core.wake()
    return client


async def set_language(core: Core, telegram_id: int, lang: str) -> bool:
    """`/language`: the client's own choice."""
    if lang not in available_languages():
        return False
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None:
            return False
        await people_repo.update_client(conn, client.id, language=lang)
    return True


async def upcoming(core: Core, telegram_id: int) -> Upcoming:
    """`/next`: the client's coming appointments, open deadlines and plan items."""
    now = core.now()
    async with core.db.read() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None:
            return Upcoming()
        today = now.astimezone(core.policy.zone).date()
        appts = await items_repo.appointments_of(conn, client.id, upcoming_from=now)
        dls = [d for d in await items_repo.deadlines_of(conn, client.id) if d.due_date >= today]
        plan = [p for p in await items_repo.plan_of(conn, client.id) if p.state == "open"]
        hosts = {a.id: await host_name(conn, a, client) for a in appts}
    return Upcoming(appts, dls, plan, client.release_date, hosts)
