"""Texts and buttons of everything Silta sends, rendered in the recipient's language.

Client messages open with a neutral line: a lock-screen preview must not reveal prison,
substance use or health. User-provided text is HTML-escaped before it enters a message.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from bot import appointment_kinds, appointment_text
from bot.callbacks import encode
from bot.i18n import N_, Translator
from bot.outgoing import MAX_RELAY_UNITS as MAX_RELAY_UNITS
from bot.outgoing import OutMessage, clip
from bot.outgoing import utf16_len as utf16_len
from bot.services.digest import DigestFacts
from bot.services.phases import ClientPhase
from bot.services.plan import title_of
from storage.models import Appointment, Client, Deadline

Buttons = list[list[tuple[str, str]]]

CHECKIN_CHOICES = (
    ("good", N_("😊 Good")),
    ("ok", N_("🙂 Okay")),
    ("bad", N_("😟 Not good")),
    ("call", N_("📞 Please contact me")),
)
APPOINTMENT_CHOICES = (
    ("yes", N_("✅ I'll be there")),
    ("move", N_("🕐 I need another time")),
    ("help", N_("🙋 I need help")),
)
DEADLINE_CHOICES = (
    ("done", N_("✅ Done")),
    ("later", N_("⏰ Remind me tomorrow")),
    ("help", N_("🙋 I need help")),
)
CHOICES = {"ck": CHECKIN_CHOICES, "ap": APPOINTMENT_CHOICES, "dl": DEADLINE_CHOICES}
# On a deadline's own day "tomorrow" is too late: that reminder offers "later today" instead.
LATER_TODAY = ("today", N_("⏰ Remind me later today"))
CONTACT_KIND_CODES = {"checkin": "ck", "appointment": "ap", "deadline": "dl"}

ALERT_REASONS = {
    "no_answer": N_("has not answered"),
    "not_good": N_("is not doing well"),
    "contact_me": N_("asks you to get in touch"),
    "reschedule": N_("needs another time for an appointment"),
    "appointment_help": N_("needs help with an appointment"),
    "deadline_help": N_("needs help with a deadline"),
    "deadline_missed": N_("let a deadline pass without marking it done"),
    "unconfirmed": N_("has not confirmed an appointment"),
    "paused": N_("paused the messages"),
    "blocked": N_("cannot be reached: blocked the bot or left Telegram"),
    "message": N_("wrote a message"),
    "plan_item": N_("has a release plan with open items"),
    "not_reachable_after_release": N_("not yet reachable after release"),
    "plan_help": N_("needs help with a release-plan item"),
    "referral": N_("new referral from the prison"),
}


PLAN_OWNERS = {
    "client": N_("Client"),
    "worker": N_("Worker"),
    "prison": N_("Prison"),
    "other": N_("Other organisation"),
}
PLAN_STATES = {"open": N_("Open"), "done": N_("Done"), "not_needed": N_("Not needed")}


def h(text: object) -> str:
    """Escape user-provided text for HTML parse mode."""
    return escape(str(text), quote=False)


def choice_buttons(
    t: Translator, code: str, contact_id: int, *, due_today: bool = False
) -> Buttons:
    """One-tap answers for a contact, two to a row so they fit narrow screens."""
    choices = CHOICES[code]
    if due_today:
        choices = tuple(
            LATER_TODAY if choice == "later" else (choice, label) for choice, label in choices
        )
    labels = [(t(label), encode(code, contact_id, choice)) for choice, label in choices]
    return [labels[i : i + 2] for i in range(0, len(labels), 2)]


def choice_label(t: Translator, code: str, choice: str) -> str:
    """The translated label of an answer."""
    for key, label in (*CHOICES.get(code, ()), LATER_TODAY):
        if key == choice:
            return t(label)
    return choice


def checkin(t: Translator, contact_id: int) -> OutMessage:
    """A check-in question with four one-tap answers."""
    text = t("Hi! How are things today?") + "\n" + t("Tap one button.")
    return OutMessage(text, choice_buttons(t, "ck", contact_id), protect=True)


def appointment_reminder(
    t: Translator,
    zone: ZoneInfo,
    appt: Appointment,
    contact_id: int,
    *,
    day_before: bool,
    worker: str = "",
) -> OutMessage:
    """An appointment reminder (its kind in plain words below the first line); the day before,
    one met at a place also prompts a plan for getting there."""
    answers = choice_buttons(t, "ap", contact_id)
    return appointment_text.reminder(t, zone, appt, worker, answers, day_before=day_before)


def deadline_what(t: Translator, policy_label: str, deadline: Deadline) -> str:
    """What a deadline is about: the catalogue label, or the worker's short text for 'other'."""
    if deadline.kind == "other" and deadline.label:
        return h(deadline.label)
    return h(policy_label)


def deadline_reminder(
    t: Translator, what: str, deadline: Deadline, contact_id: int, *, due_today: bool = False
) -> OutMessage:
    """A deadline reminder: by when first, what below (on the day itself, no "tomorrow").

    The first line is all a lock screen shows, so it names no benefit or office.
    """
    text = "\n".join(
        [
            t("You have something to do. Last day: {date}.").format(date=t.day(deadline.due_date)),
            t("What: {what}").format(what=what),
        ]
    )
    buttons = choice_buttons(t, "dl", contact_id, due_today=due_today)
    return OutMessage(text, buttons, protect=True)


def nudge(t: Translator, code: str, contact_id: int, *, due_today: bool = False) -> OutMessage:
    """One gentle second ask, with the same buttons (no "tomorrow" on a deadline's day)."""
    text = t("Hi again! One tap is enough, when you have a moment.")
    return OutMessage(text, choice_buttons(t, code, contact_id, due_today=due_today), protect=True)


def answered(t: Translator, original: str, code: str, choice: str, after: str = "") -> str:
    """The question with the buttons removed, the chosen answer shown and `after` it (the
    thanks: what happens next)."""
    text = f"{original}\n\n" + t("Your answer: {answer}").format(
        answer=choice_label(t, code, choice)
    )
    return f"{text}\n\n{after}" if after else text


def client_notice(t: Translator, zone: ZoneInfo, notice: str, args: dict) -> OutMessage:
    """Messages that tell the client of a change; args hold only ids, names and times."""
    worker = t.ltr(h(args.get("worker", "")))
    when = datetime.fromisoformat(args["at"]) if args.get("at") else None
    if notice in ("appt_new", "appt_changed", "appt_cancelled") and when:
        return appointment_text.notice(t, zone, notice, when, args)
    if notice == "handover":
        text = t("From now on your worker is {worker}. You can write here as before.").format(
            worker=worker
        )
    elif notice == "goodbye":
        # The goodbye names no service: it is often the last preview on a shared phone.
        text = t(
            "Silta messages have now ended for you. Thank you, and all the best! "
            "If you need help later, you can contact the office where you met your worker."
        )
    elif notice == "resumed":
        text = t("Welcome back! Messages are on again.")
    else:
        text = t("You have a new message in Silta.")
    return OutMessage(text, protect=True)


def relay_to_client(t: Translator, worker_first_name: str, text: str) -> OutMessage:
    """A worker's reply as the client sees it: from the worker by first name."""
    head = t("Message from {worker}:").format(worker=t.ltr(h(worker_first_name)))
    return OutMessage(f"{head}\n{h(text)}", protect=True)


def relay_to_worker(t: Translator, client: Client, text: str) -> OutMessage:
    """A further message from a client whose message alert is already open."""
    head = t("💬 {client} wrote:").format(client=t.ltr(h(client.label)))
    return OutMessage(f"{head}\n{h(text)}\n\n" + t("Reply to this message to answer the client."))


# What kind of thing a client or worker sent, for the line above a copied photo, voice or file.
MEDIA_KINDS = {
    "photo": N_("a photo"),
    "voice": N_("a voice message"),
    "video_note": N_("a video message"),
    "video": N_("a video"),
    "audio": N_("an audio file"),
    "document": N_("a file"),
    "animation": N_("an animation"),
}
# Telegram's limit for a caption, in UTF-16 units.
MAX_CAPTION = 1024
MAX_MESSAGE_UNITS = 4096


def _copy(head: str, caption: str, tail: str, media: dict) -> tuple[str, tuple[int, int]]:
    """The caption for a copied message (head, the sender's caption cut to fit, tail)."""
    source = (int(media["chat_id"]), int(media["message_id"]))
    if media.get("kind") == "video_note":
        return "", source  # Telegram gives round video messages no caption
    room = MAX_CAPTION - utf16_len(head) - utf16_len(tail) - 4
    parts = [head]
    if caption:
        parts.append(h(clip(caption, room)))
    if tail:
        parts += ["", tail]
    return "\n".join(parts), source


def media_to_worker(t: Translator, client: Client, media: dict) -> OutMessage:
    """A client's photo, voice message or file as the worker sees it: copied, with who sent it."""
    head = t("💬 {client} sent {what}:").format(
        client=t.ltr(h(client.label)), what=t(MEDIA_KINDS.get(media.get("kind", ""), "a file"))
    )
    tail = t("Reply to this message to answer the client.")
    text, source = _copy(head, media.get("caption", ""), tail, media)
    # A round video message takes no caption: a button names the client (and opens the card).
    card = [] if text else [[(f"💬 {client.label}", encode("cl", client.id, "card"))]]
    return OutMessage(text, card, copy_from=source)


def media_to_client(t: Translator, worker_first_name: str, media: dict) -> OutMessage:
    """A worker's photo, voice message or file as the client sees it: from the worker by name."""
    head = t("Message from {worker}:").format(worker=t.ltr(h(worker_first_name)))
    text, source = _copy(head, media.get("caption", ""), "", media)
    return OutMessage(text, protect=True, copy_from=source)


def worker_notice(
    t: Translator, zone: ZoneInfo, notice: str, args: dict, client: Client | None
) -> OutMessage:
    """Short notes to workers (all clear, hand-over)."""
    who = t.ltr(h(client.label)) if client else "—"
    if notice == "settled":
        text = _settled_notice(t, args.get("resolution", ""), who)
    elif notice == "worker_unreachable":
        text = t(
            "⚠️ Silta cannot reach worker {worker}: ask them to open the bot and press Start. "
            "Their alerts go to the next step meanwhile."
        ).format(worker=t.ltr(h(args.get("worker", ""))))
    elif notice == "paused":
        text = _paused_notice(t, zone, args, who)
    elif notice == "goodbye_undelivered":
        text = t(
            "⚠️ The goodbye to {client} could not be delivered: they had blocked Silta."
        ).format(client=who)
    elif notice == "goodbye_delivered":
        text = t("✉️ {client} got the goodbye message.").format(client=who)
    elif notice == "declined":
        text = t("{client} did not accept the terms, so Silta sends them nothing.").format(
            client=who
        )
    elif notice == "blocked_now":
        text = t("🚫 {client} blocked Silta: messages to them have stopped.").format(client=who)
    elif notice == "handover_in":
        text = t("📥 {client} was handed over to you by {worker}.").format(
            client=who, worker=t.ltr(h(args.get("worker", "")))
        )
    elif notice == "handover_out":
        text = t("📤 {client} is now with {worker}.").format(
            client=who, worker=t.ltr(h(args.get("worker", "")))
        )
    elif notice == "joined":
        text = t("✅ {client} joined Silta.").format(client=who)
    elif notice == "resumed":
        text = t("▶️ {client} turned messages back on.").format(client=who)
    elif notice == "reachable":
        text = t("📶 {client} can be reached again.").format(client=who)
    elif notice == "release_earlier":
        text = t(
            "🔓 {client} will be released earlier: {day} (was {before}). The plan's dates moved "
            "with it; /plan shows them."
        ).format(
            client=who,
            day=t.day(date.fromisoformat(args.get("day", ""))),
            before=t.day(date.fromisoformat(args.get("before", ""))),
        )
    elif notice in ("partner_ended", "partner_unlinked"):
        text = _partner_gone(t, notice, args, who)
    elif notice in ("partner_note", "partner_release", "partner_joint"):
        text = _partner_did(t, zone, notice, args, who)
    elif notice == "wrong_codes":
        text = t(
            "⚠️ Unusually many wrong invite codes: {count} in the last hour. Someone may be "
            "guessing. Valid codes still work, and each account can try only a few times an hour."
        ).format(count=args.get("count", 0))
    else:
        text = t("Silta: {client}").format(client=who)
    return OutMessage(text)


def _partner_gone(t: Translator, notice: str, args: dict, who: str) -> str:
    """One line: the prison no longer sees a client (access ended, or unlinked)."""
    by = t.ltr(h(args.get("by", "")))
    if notice == "partner_ended":
        return t(
            "🔒 The access of {partner} to Silta was ended: they no longer see {client}."
        ).format(partner=by, client=who)
    return t("🔒 {partner} no longer sees {client}: the link was ended.").format(
        partner=by, client=who
    )


def _partner_did(t: Translator, zone: ZoneInfo, notice: str, args: dict, who: str) -> str:
    """One line: a partner (the prison) added a note, answered a joint meeting or moved the
    release date."""
    by = t.ltr(h(args.get("by", "")))
    if notice == "partner_note":
        return t(
            "📝 {partner} added a note to the release plan of {client}. /plan shows it."
        ).format(partner=by, client=who)
    if notice == "partner_joint":
        at = datetime.fromisoformat(args.get("at", ""))
        if args.get("answer") == "confirmed":
            text = t("👥 {partner} confirmed the joint meeting about {client} ({when}).")
        else:
            text = t(
                "👥 {partner} asks for another time for the joint meeting about {client} ({when})."
            )
        return text.format(partner=by, client=who, when=t.stamp(at, zone))
    day, before = args.get("day"), args.get("before")
    return t("📅 {partner} set the release date of {client}: {day} (was {before}).").format(
        partner=by,
        client=who,
        day=t.day(date.fromisoformat(day)) if day else t("not known"),
        before=t.day(date.fromisoformat(before)) if before else t("not known"),
    )


def _settled_notice(t: Translator, resolution: str, who: str) -> str:
    """One line: an alert closed because the client acted."""
    if resolution == "reachable":
        return t("📶 {client} can be reached again; the alert is closed.").format(client=who)
    if resolution == "settled":
        return t("✔️ {client} answered the reminder; the alert is closed.").format(client=who)
    return t("✔️ All clear: {client} answered.").format(client=who)


def _paused_notice(t: Translator, zone: ZoneInfo, args: dict, who: str) -> str:
    """One line: the client paused the messages (until when)."""
    until = args.get("until")
    if until:
        return t("⏸ {client} paused the messages until {when}.").format(
            client=who, when=t.stamp(datetime.fromisoformat(until), zone)
        )
    return t("⏸ {client} paused the messages until they turn them back on.").format(client=who)


def attendance_question(
    t: Translator, zone: ZoneInfo, client: Client, appt: Appointment
) -> OutMessage:
    """Asked once after an appointment: did the client come (or answer, or let them in)?"""
    text = t("Did {client} come to the meeting {when}?").format(
        client=t.ltr(h(client.label)), when=t.datetime(appt.at, zone)
    )
    if appt.kind != appointment_kinds.IN_PERSON:
        text += "\n" + appointment_text.worker_what(t, appt)
    return OutMessage(
        text,
        [
            [
                (t("✅ Attended"), encode("at", appt.id, "came")),
                (t("❌ Missed"), encode("at", appt.id, "missed")),
            ]
        ],
    )


def phase_text(t: Translator, phase: ClientPhase) -> str:
    """'release in 12 days', 'day 3 after release', ...: the client's phase in a few words."""
    if phase.name == "closed":
        return t("closed")
    if phase.name == "before_release":
        if phase.days is None:
            return t("before release, date not set")
        return t.ngettext("release in {n} day", "release in {n} days", phase.days).format(
            n=phase.days
        )
    if phase.days == 0:
        return t("released today")
    # Some languages inflect "day {n}" by the number, so it is a plural message too.
    return t.ngettext("day {n} after release", "day {n} after release", phase.days or 0).format(
        n=phase.days
    )


def _with_phase(t: Translator, facts: DigestFacts, client: Client) -> str:
    """A digest line: the client and, when known, their phase."""
    phase = facts.phases.get(client.id)
    line = "• " + t.ltr(h(client.label))
    return line + " — " + phase_text(t, phase) if phase is not None else line


def digest(t: Translator, zone: ZoneInfo, facts: DigestFacts) -> OutMessage:
    """A worker's morning digest."""
    lines = [t("☀️ Good morning! Your Silta day:")]
    if facts.releases_today:
        lines.append("")
        lines.append(t("🔓 Released today: {n}").format(n=len(facts.releases_today)))
        lines.extend("• " + t.ltr(h(c.label)) for c in facts.releases_today[:10])
    lines.append("")
    lines.append(t("Open alerts: {n}").format(n=len(facts.open_alerts)))
    for alert, client in facts.open_alerts[:10]:
        lines.append(
            "• " + t.ltr(h(client.label)) + " — " + t(ALERT_REASONS.get(alert.reason, alert.reason))
        )
    lines.append("")
    lines.append(t("Appointments today: {n}").format(n=len(facts.todays_appointments)))
    for appt, client in facts.todays_appointments:
        lines.append(
            "• "
            + t.time(appt.at, zone)
            + " "
            + t.ltr(h(client.label))
            + ", "
            + appointment_text.worker_what(t, appt)
        )
    lines.append("")
    lines.append(t("Not joined yet: {n}").format(n=len(facts.not_joined)))
    for client in facts.not_joined[:10]:
        lines.append(_with_phase(t, facts, client))
    if facts.before_release:
        lines.append("")
        lines.append(t("Before release: {n}").format(n=len(facts.before_release)))
        for client in facts.before_release[:10]:
            lines.append(_with_phase(t, facts, client))
    lines.extend(_digest_plan(t, facts))
    if facts.silent_longest:
        lines.append("")
        lines.append(t("Silent longest:"))
        for client in facts.silent_longest:
            seen = client.last_seen_at or client.joined_at
            when = t.stamp(seen, zone) if seen else "—"
            lines.append("• " + t.ltr(h(client.label)) + " — " + when)
    if facts.unrecorded:
        lines.append("")
        lines.append(
            t.ngettext(
                "Not yet in the client system, events older than {n} day:",
                "Not yet in the client system, events older than {n} days:",
                facts.remind_after_days,
            ).format(n=facts.remind_after_days)
        )
        for client, since in facts.unrecorded[:10]:
            lines.append("• " + t.ltr(h(client.label)) + " — " + t.stamp(since, zone))
        lines.append(t("/summary shows what to record."))
    return OutMessage("\n".join(lines))


def _digest_plan(t: Translator, facts: DigestFacts) -> list[str]:
    """The digest's release-plan part: items due soon, then overdue ones."""
    lines: list[str] = []
    for heading, found in (
        (t("📋 Release plan items due soon:"), facts.plan_due),
        (t("⏰ Release plan items overdue (yours or the prison's):"), facts.plan_overdue),
    ):
        if not found:
            continue
        lines.extend(["", heading])
        for item, client, day in found[:15]:
            title = title_of(facts.plan_templates, t, item)
            lines.append(
                "• "
                + t.ltr(h(client.label))
                + " — "
                + h(title)
                + " ("
                + t(PLAN_OWNERS.get(item.owner, item.owner))
                + ", "
                + t.day(day)
                + ")"
            )
    if lines:
        lines.append(t("/plan shows a client's plan."))
    return lines


def plan_reminder(t: Translator, title: str, due: date, item_id: int) -> OutMessage:
    """A reminder of one of the client's own plan items, with done / later / help."""
    text = t("🗓 A reminder: {what}. Last day: {date}.").format(what=h(title), date=t.day(due))
    return OutMessage(
        text,
        [
            [(t("✅ Done"), encode("pi", item_id, "done"))],
            [(t("⏰ Remind me later"), encode("pi", item_id, "later"))],
            [(t("🙋 I need help"), encode("pi", item_id, "help"))],
        ],
        protect=True,
    )


def release_day(
    t: Translator,
    zone: ZoneInfo,
    appts: list[Appointment],
    items: list[str],
    worker: str,
    hosts: dict[int, str] | None = None,
) -> OutMessage:
    """The one short message of the release day (`hosts`: who the client meets, by appointment)."""
    lines = [t("Good morning! Today is a new start.")]
    for appt in appts:
        what = appointment_text.client_what(t, appt, (hosts or {}).get(appt.id, worker))
        lines.append(
            "📅 " + t("{when}: {place}").format(when=t.datetime(appt.at, zone), place=what)
        )
    if items:
        lines.append(t("Still to do:"))
        lines.extend("☐ " + h(title) for title in items)
    if worker:
        lines.append(
            t("Your worker is {name}. Write here any time; {name} reads it.").format(
                name=t.ltr(h(worker))
            )
        )
    return OutMessage(
        "\n".join(lines), appointment_text.video_buttons(t, zone, appts), protect=True
    )
