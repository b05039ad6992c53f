"""What partners read (the shared view of a client, notices, the weekly list), and the lines
workers read about what partners did (a referral's card, notes, ticks, a moved release date)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.appointment_text import link_buttons, worker_what
from bot.callbacks import encode
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from bot.messages import Buttons, h
from bot.outgoing import OutMessage
from bot.policy import Policy
from bot.services.plan import item_title
from storage.models import Appointment, Client, Partner, PlanItem, Referral

REFERRAL_REASONS = {
    "housing": N_("housing"),
    "income": N_("income"),
    "substance": N_("substance-use services"),
    "id_bank": N_("ID and bank"),
    "other": N_("other"),
}
DECLINE_REASONS = {
    "area": N_("not our area"),
    "known": N_("already a client of ours"),
    "consent": N_("the client's consent is needed first"),
    "other": N_("other reason; we will call you"),
}
CONSENTS = {
    "yes": N_("the client agreed that the prison contacts social services"),
    "not_asked": N_("the client was not asked yet"),
}


def note_rules(t: Translator, limit: int) -> str:
    """What a note on a shared plan item may hold (both sides write them)."""
    return t(
        "Please write at most {n} characters, with no identity number and no health details."
    ).format(n=limit)


def release_date_example(t: Translator) -> str:
    """Asked again when a release date could not be read."""
    return t("Please write the expected release date, e.g. {example}.").format(example="15.3.2027")


def days_to(t: Translator, day: date, today: date) -> str:
    n = (day - today).days
    if n == 0:
        return t("release today")
    return t.ngettext("release in {n} day", "release in {n} days", n).format(n=n)


def shared_view(
    t: Translator,
    policy: Policy,
    client: Client,
    worker_name: str,
    items: list[PlanItem],
    notes: dict[int, list[tuple[str, str]]],
    meetings: list[Appointment] | None = None,
) -> OutMessage:
    """A linked client as a partner sees it: nickname, release date, the prison's items with
    their notes, and the worker's name and phone; a button per item and for the date."""
    lines = [t("👤 {client}").format(client=t.ltr(h(client.label)))]
    if client.release_date is not None:
        lines.append(t("Release date: {date}").format(date=t.day(client.release_date)))
    else:
        lines.append(t("Release date: not known"))
    phone = policy.invites.team_phone
    lines.append(
        t("Worker: {worker}, {phone}").format(worker=t.ltr(h(worker_name)), phone=h(phone or "—"))
    )
    for appt in meetings or []:
        lines.append(meeting_line(t, policy.zone, appt))
    lines.append("")
    if not items:
        lines.append(t("No items for the prison in the plan yet."))
    for item in items:
        mark = "☑ " if item.state == "done" else "☐ "
        line = mark + h(item_title(policy, t, item))
        due = item.due(client.release_date)
        if due is not None:
            line += " — " + t.day(due)
        lines.append(line)
        lines.extend(f"   📝 {h(text)} ({t.ltr(h(who))})" for who, text in notes.get(item.id, []))
    buttons: Buttons = []
    for item in items[:12]:
        verb = "open" if item.state == "done" else "done"
        label = ("↩️ " if item.state == "done" else "✅ ") + item_title(policy, t, item)
        buttons.append(
            [
                (label[:40], encode("pt", item.id, verb)),
                (t("📝 Note"), encode("pt", item.id, "note")),
            ]
        )
    buttons.append([(t("📅 Release date"), encode("pc", client.id, "release"))])
    return OutMessage("\n".join(lines), buttons)


def referral_card(
    t: Translator,
    zone: ZoneInfo,
    referral: Referral,
    partner: Partner | None,
    now: datetime,
) -> list[str]:
    """The lines of a referral's alert card (no client yet: the referral is what it is about)."""
    org = partner.organisation if partner else "?"
    today = now.astimezone(zone).date()
    head = t("🔔 New referral from {organisation}").format(organisation=t.ltr(h(org)))
    if referral.release_date is not None:
        head += ": " + days_to(t, referral.release_date, today)
    lines = [head, t("Nickname: {name}").format(name=t.ltr(h(referral.nickname or "—")))]
    if referral.release_date is not None:
        lines.append(t("Release date: {date}").format(date=t.day(referral.release_date)))
    lines.append(
        t("Reason: {reason}").format(reason=t(REFERRAL_REASONS.get(referral.reason, "other")))
    )
    if referral.language:
        lines.append(
            t("🗣 Writes in: {language}").format(
                language=LANGUAGE_NAMES.get(referral.language, referral.language)
            )
        )
    lines.append(t(CONSENTS.get(referral.consent, "")))
    if partner is not None:
        lines.append(t("From: {partner}").format(partner=t.ltr(h(partner.name))))
    return lines


def referral_buttons(t: Translator, referral: Referral) -> Buttons:
    if referral.state != "open":
        return []
    return [
        [(t("✋ Take: create the client"), encode("rf", referral.id, "take"))],
        [(t("Decline"), encode("rf", referral.id, "decline"))],
    ]


def decline_buttons(t: Translator, referral: Referral) -> Buttons:
    return [
        [(t(text), encode("rf", referral.id, f"d-{key}"))] for key, text in DECLINE_REASONS.items()
    ]


def referral_outcome(t: Translator, referral: Referral, by: str) -> str:
    """How a referral's card ends: taken or declined, by whom."""
    if referral.state == "taken":
        return t("✔️ Taken by {worker}").format(worker=t.ltr(h(by)))
    if referral.state == "declined":
        return t("✖️ Declined by {worker}: {reason}").format(
            worker=t.ltr(h(by)), reason=t(DECLINE_REASONS.get(referral.decline_reason or "", ""))
        )
    return ""


def partner_notice(t: Translator, notice: str, args: dict, client: Client | None) -> OutMessage:
    """Short notices to partners."""
    who = t.ltr(h(client.label)) if client else t.ltr(h(args.get("nickname", "—")))
    worker = t.ltr(h(args.get("worker", "")))
    if notice == "taken":
        text = t(
            "✅ {worker} took your referral of {client}. The client is now in Silta; "
            "/clients shows the shared plan."
        ).format(worker=worker, client=who)
    elif notice == "declined":
        text = t("The referral of {client} was declined by {worker}: {reason}").format(
            client=who, worker=worker, reason=t(DECLINE_REASONS.get(args.get("reason", ""), ""))
        )
    elif notice == "note":
        text = t("📝 The worker added a note to the plan of {client}. /clients shows it.").format(
            client=who
        )
    else:
        text = t("Silta: {client}").format(client=who)
    return OutMessage(text)


def weekly(
    t: Translator, policy: Policy, overdue: list[tuple[PlanItem, Client, date]]
) -> OutMessage:
    """A partner's weekly list: the prison's overdue items, oldest first."""
    lines = [
        t.ngettext(
            "Silta: {n} prison item is overdue.",
            "Silta: {n} prison items are overdue.",
            len(overdue),
        ).format(n=len(overdue))
    ]
    for item, client, day in overdue[:20]:
        lines.append(
            t("☐ {client}: {item}, due {date}").format(
                client=t.ltr(h(client.label)), item=h(item_title(policy, t, item)), date=t.day(day)
            )
        )
    return OutMessage("\n".join(lines))


PARTNER_ANSWERS = {"confirmed": N_("you confirmed"), "reschedule": N_("you asked for another time")}


def meeting_line(t: Translator, zone: ZoneInfo, appt: Appointment) -> str:
    """'👥 ti 15.12. klo 10.00: Joint meeting with the prison, Room 2 (you confirmed)'."""
    line = t("👥 {when}: {what}").format(when=t.datetime(appt.at, zone), what=worker_what(t, appt))
    if appt.partner_answer in PARTNER_ANSWERS:
        line += f" ({t(PARTNER_ANSWERS[appt.partner_answer])})"
    return line


def joint_meeting(
    t: Translator,
    zone: ZoneInfo,
    appt: Appointment,
    client: Client,
    worker: str,
    *,
    day_before: bool,
) -> OutMessage:
    """A joint meeting to the partner: booked, or tomorrow; confirm or ask for another time.
    A client not in Silta yet hears of it only from the partner."""
    head = (
        t("👥 Tomorrow: joint meeting about {client}")
        if day_before
        else t("👥 New joint meeting about {client}")
    ).format(client=t.ltr(h(client.label)))
    lines = [head, meeting_line(t, zone, appt)]
    if worker:
        lines.append(t("Worker: {worker}").format(worker=t.ltr(h(worker))))
    if client.telegram_id is None or client.status != "active":
        lines.append(
            t("{client} is not in Silta yet: please tell them about the meeting.").format(
                client=t.ltr(h(client.nickname or ""))
            )
        )
    buttons: Buttons = [
        [
            (t("✅ Confirm"), encode("pa", appt.id, "confirmed")),
            (t("🔁 Another time"), encode("pa", appt.id, "reschedule")),
        ],
        *link_buttons(t, appt.kind, appt.link),
    ]
    return OutMessage("\n".join(lines), buttons)
