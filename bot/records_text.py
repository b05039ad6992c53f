"""A summary and a team report in words: plain text ready to paste into the client record
system, and the same facts as CSV and JSON (one rendering, so the three always agree)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from bot import appointment_kinds
from bot.appointment_text import kind_label
from bot.i18n import N_, Translator
from bot.messages import choice_label
from bot.services.records import Event, Summary, TeamReport, Totals

# The same words as the /stats view, so the catalogs hold them once.
ALERT_LABELS = {
    "no_answer": N_("No answer"),
    "not_good": N_("Not doing well"),
    "contact_me": N_("Asks for contact"),
    "reschedule": N_("New time needed"),
    "appointment_help": N_("Appointment help"),
    "deadline_help": N_("Deadline help"),
    "unconfirmed": N_("Unconfirmed"),
    "paused": N_("Paused"),
    "blocked": N_("Unreachable"),
    "message": N_("Message"),
    "plan_item": N_("Release plan"),
    "plan_help": N_("Release plan help"),
    "not_reachable_after_release": N_("Not reachable after release"),
}
APPOINTMENT_OUTCOMES = {
    "attended": N_("Appointment ({place}): attended"),
    "missed": N_("Appointment ({place}): missed"),
    "scheduled": N_("Appointment ({place}): attendance not marked"),
}
CSV_COLUMNS = ("date", "time", "kind", "text")


def span(t: Translator, value: timedelta | None) -> str:
    """A duration in the reader's language ('40 minutes'), or a dash."""
    if value is None:
        return "–"
    return format_timedelta(value, threshold=1.5, locale=t.locale)


def _answer(t: Translator, code: str, e: Event) -> str | None:
    answer = e.facts.get("answer")
    return choice_label(t, code, answer) if answer else None


def _checkin(t: Translator, zone: ZoneInfo, e: Event) -> str:
    answer = _answer(t, "ck", e)
    if answer is not None:
        return t("Check-in: answered {answer} at {time}").format(
            answer=answer, time=t.time(e.facts["answered_at"], zone)
        )
    if e.facts.get("state") == "expired":
        return t("Check-in: no answer")
    return t("Check-in: waiting for an answer")


def _reminder(t: Translator, e: Event) -> str:
    code = "ap" if e.kind == "appointment_reminder" else "dl"
    answer = _answer(t, code, e) or t("no answer")
    if code == "ap":
        return t("Appointment reminder: {answer}").format(answer=answer)
    return t("Deadline reminder: {answer}").format(answer=answer)


def _alert(t: Translator, zone: ZoneInfo, e: Event) -> str:
    reason = e.facts.get("reason", "")
    label = t(ALERT_LABELS[reason]) if reason in ALERT_LABELS else reason
    if e.facts.get("urgent"):
        return t("Urgent alert: {reason}").format(reason=label)
    return t("Alert: {reason}").format(reason=label)


def _taken(t: Translator, zone: ZoneInfo, e: Event) -> str:
    return t("Alert taken by {worker} after {time}").format(
        worker=t.ltr(e.facts.get("by") or "—"),
        time=span(t, timedelta(minutes=e.facts.get("minutes", 0))),
    )


def _resolved(t: Translator, zone: ZoneInfo, e: Event) -> str:
    if e.facts.get("by"):
        return t("Alert resolved by {worker}").format(worker=t.ltr(e.facts["by"]))
    return t("Alert resolved: the client answered")


def _appointment(t: Translator, zone: ZoneInfo, e: Event) -> str:
    text = APPOINTMENT_OUTCOMES.get(e.facts.get("status", ""), APPOINTMENT_OUTCOMES["scheduled"])
    place = t.ltr(e.facts.get("place") or "—")
    kind = e.facts.get("kind") or appointment_kinds.IN_PERSON
    if kind != appointment_kinds.IN_PERSON:
        # The client system records a phone call or a home visit differently from a meeting.
        label = kind_label(t, kind)
        place = f"{label}, {place}" if e.facts.get("place") else label
    return t(text).format(place=place)


def _moved(t: Translator, zone: ZoneInfo, e: Event) -> str:
    return t("Appointment moved to {time}").format(time=t.record(e.facts["new_time"], zone))


def _plan(t: Translator, zone: ZoneInfo, e: Event) -> str:
    title = e.facts.get("title") or "—"
    labels = e.facts.get("labels") or {}
    if labels:
        title = labels.get(t.lang) or labels.get("en") or labels.get("fi") or title
    elif not e.facts.get("own"):
        title = t(title)
    if e.facts.get("by") == "client":
        return t("Release plan item done by the client: {item}").format(item=title)
    return t("Release plan item done: {item}").format(item=title)


def _message_in(t: Translator, zone: ZoneInfo, e: Event) -> str:
    return t("Message from the client")


def _message_out(t: Translator, zone: ZoneInfo, e: Event) -> str:
    return t("Message to the client from {worker}").format(worker=t.ltr(e.facts.get("by") or "—"))


EVENT_TEXTS: dict[str, Callable[[Translator, ZoneInfo, Event], str]] = {
    "checkin": _checkin,
    "appointment_reminder": lambda t, zone, e: _reminder(t, e),
    "deadline_reminder": lambda t, zone, e: _reminder(t, e),
    "alert": _alert,
    "alert_taken": _taken,
    "alert_resolved": _resolved,
    "appointment": _appointment,
    "appointment_moved": _moved,
    "plan_done": _plan,
    "message_from_client": _message_in,
    "message_to_client": _message_out,
}


def event_text(t: Translator, zone: ZoneInfo, e: Event) -> str:
    """What happened, without the time."""
    return EVENT_TEXTS[e.kind](t, zone, e)


def event_line(t: Translator, zone: ZoneInfo, e: Event) -> str:
    """One record line: local date and time, then what happened."""
    return f"{t.record(e.at, zone)} {event_text(t, zone, e)}"


def phase_text(t: Translator, s: Summary) -> str:
    if s.release_day is None:
        return t("Phase: no release date")
    if s.release_day < 0:
        return t("Phase: before release (release on {date})").format(
            date=t.record(s.client.release_date) if s.client.release_date else "—"
        )
    return t("Phase: day {n} after release").format(n=s.release_day)


def header_lines(t: Translator, zone: ZoneInfo, s: Summary) -> list[str]:
    worker = s.worker.name if s.worker is not None else "—"
    return [
        t("Silta summary: {client}").format(client=t.ltr(s.client.label)),
        t("Period: {start} – {end}").format(
            start=t.record(s.since, zone), end=t.record(s.until, zone)
        ),
        t("Responsible worker: {worker}").format(worker=t.ltr(worker)),
        phase_text(t, s),
    ]


def totals_lines(t: Translator, totals: Totals) -> list[str]:
    x = totals
    return [
        t("Check-ins: {asked} asked, {answered} answered, {unanswered} unanswered").format(
            asked=x.checkins_asked, answered=x.checkins_answered, unanswered=x.checkins_unanswered
        ),
        t("Reminders: {sent}, answered {answered}").format(
            sent=x.reminders, answered=x.reminder_answers
        ),
        t(
            "Alerts: {raised} raised, {taken} taken, {resolved} resolved; "
            "median time to take {time}"
        ).format(
            raised=x.alerts_raised,
            taken=x.alerts_acknowledged,
            resolved=x.alerts_resolved,
            time=span(t, x.median_acknowledge),
        ),
        t("Appointments: {kept} kept, {missed} missed, {moved} moved").format(
            kept=x.appointments_kept, missed=x.appointments_missed, moved=x.appointments_moved
        ),
        t("Release plan items done: {n}").format(n=x.plan_done),
        t("Messages: {inbound} from the client, {outbound} to the client").format(
            inbound=x.messages_from_client, outbound=x.messages_to_client
        ),
    ]


def summary_text(t: Translator, zone: ZoneInfo, s: Summary) -> str:
    """The whole summary as plain text (no markup): header, one line per event, totals."""
    lines = header_lines(t, zone, s)
    lines.append("")
    if s.events:
        lines += [event_line(t, zone, e) for e in s.events]
    else:
        lines.append(t("Nothing happened in this period."))
    lines.append("")
    lines.append(t("Totals:"))
    lines += totals_lines(t, s.totals)
    return "\n".join(lines) + "\n"


def summary_csv(t: Translator, zone: ZoneInfo, s: Summary) -> str:
    """One row per event: local date, local time, kind, and the same words as the text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in s.events:
        local = e.at.astimezone(zone)
        writer.writerow([f"{local:%Y-%m-%d}", f"{local:%H:%M}", e.kind, event_text(t, zone, e)])
    return out.getvalue()


def _local(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).isoformat(timespec="seconds")


def summary_json(t: Translator, zone: ZoneInfo, s: Summary) -> dict[str, Any]:
    """The summary as data: the same events and words as the text, and the totals by name."""
    return {
        "client": {"id": s.client.id, "nickname": s.client.nickname},
        "worker": s.worker.name if s.worker is not None else None,
        "since": _local(s.since, zone),
        "until": _local(s.until, zone),
        "release_day": s.release_day,
        "phase": phase_text(t, s),
        "events": [
            {"at": _local(e.at, zone), "kind": e.kind, "text": event_text(t, zone, e)}
            for e in s.events
        ],
        "totals": s.totals.as_dict(),
    }


REPORT_COLUMNS = ("client_id", "nickname", "worker", *Totals().as_dict())


def report_rows(report: TeamReport) -> list[dict[str, Any]]:
    """One row per client: who, and the same totals as their summary."""
    return [
        {
            "client_id": s.client.id,
            "nickname": s.client.nickname,
            "worker": s.worker.name if s.worker is not None else "",
            **s.totals.as_dict(),
        }
        for s in report.rows
    ]


def report_csv(report: TeamReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report_rows(report):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def report_lines(t: Translator, zone: ZoneInfo, report: TeamReport) -> list[str]:
    """The team report for a chat: a heading, then one short line per client."""
    lines = [
        t("Team {team}: {start} – {end}").format(
            team=t.ltr(report.team),
            start=t.record(report.since, zone),
            end=t.record(report.until, zone),
        ),
        "",
    ]
    if not report.rows:
        lines.append(t("The team has no clients."))
    for s in report.rows:
        x = s.totals
        lines.append(
            t(
                "{client}: check-ins {answered}/{asked}, alerts {raised} (median to take {time}), "
                "appointments {kept} kept / {missed} missed, plan {plan}"
            ).format(
                client=t.ltr(s.client.label),
                answered=x.checkins_answered,
                asked=x.checkins_asked,
                raised=x.alerts_raised,
                time=span(t, x.median_acknowledge),
                kept=x.appointments_kept,
                missed=x.appointments_missed,
                plan=x.plan_done,
            )
        )
    return lines
