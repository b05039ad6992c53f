"""How an appointment of each kind reads: to the client in plain words, to the worker in short.

The client's first line stays the neutral "Reminder of a meeting: …" line (lock-screen
previews); what kind of meeting it is comes below it. A video call's link is a button that
opens in the browser.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot import appointment_kinds as kinds
from bot.i18n import N_, Translator
from bot.outgoing import OutMessage
from storage.models import Appointment

Buttons = list[list[tuple[str, str]]]

KIND_LABELS = {
    kinds.IN_PERSON: N_("🤝 In person"),
    kinds.PHONE: N_("📞 Phone call"),
    kinds.VIDEO: N_("📹 Video call"),
    kinds.HOME_VISIT: N_("🏠 Home visit"),
    kinds.JOINT: N_("👥 Joint meeting with the prison"),
}
# The question under a reminder, by kind: "Will you make it?" is odd for a phone call.
QUESTIONS = {
    kinds.IN_PERSON: N_("Will you make it?"),
    kinds.JOINT: N_("Will you make it?"),
    kinds.PHONE: N_("Can you answer the phone then?"),
    kinds.VIDEO: N_("Can you join the call then?"),
    kinds.HOME_VISIT: N_("Will you be at home then?"),
}


def _h(text: object) -> str:
    return escape(str(text), quote=False)


def kind_label(t: Translator, kind: str) -> str:
    """'📞 Phone call', in the reader's language."""
    return t(KIND_LABELS.get(kind, KIND_LABELS[kinds.IN_PERSON]))


def worker_what(t: Translator, appt: Appointment) -> str:
    """What a worker reads after the time: the place (in person, as before), else the kind and
    any place ('📞 Phone call', '👥 Joint meeting with the prison, Room 2'). HTML-escaped."""
    place = t.ltr(_h(appt.place)) if appt.place else ""
    if appt.kind == kinds.IN_PERSON:
        return place
    label = kind_label(t, appt.kind)
    return f"{label}, {place}" if place else label


def client_details(t: Translator, kind: str, place: str, worker: str) -> list[str]:
    """The lines below the first one: where, or who calls, visits or meets the client."""
    name = t.ltr(_h(worker)) if worker else t("your worker")
    where = t("Place: {place}").format(place=t.ltr(_h(place)))
    if kind == kinds.PHONE:
        return [t("{worker} will call you.").format(worker=name)]
    if kind == kinds.VIDEO:
        return [t("Video call: open the link.")]
    if kind == kinds.HOME_VISIT:
        return [t("{worker} will visit you at home.").format(worker=name)]
    if kind == kinds.JOINT:
        joint = t("Joint meeting with {worker} and the prison staff.").format(worker=name)
        # A joint meeting on video has no place: its link is a button below.
        return [joint, where] if place else [joint, t("Video call: open the link.")]
    return [where]


def client_what(t: Translator, appt: Appointment, worker: str) -> str:
    """One line's worth for lists (/next, the release-day message): the place, or the details."""
    if appt.kind == kinds.IN_PERSON:
        return t.ltr(_h(appt.place))
    return " ".join(client_details(t, appt.kind, appt.place, worker))


def link_buttons(t: Translator, kind: str, link: str | None) -> Buttons:
    """A video call's or joint meeting's link as a button (Telegram opens it in the browser)."""
    if not kinds.takes_link(kind) or not link:
        return []
    return [[(t("📹 Open the video call"), link)]]


def video_buttons(t: Translator, zone: ZoneInfo, appts: list[Appointment]) -> Buttons:
    """One link button per video call in a list, each saying which day it is."""
    return [
        [(t("📹 Open the video call") + " " + t.date(a.at, zone), a.link or "")]
        for a in appts
        if kinds.takes_link(a.kind) and a.link
    ]


def reminder(
    t: Translator,
    zone: ZoneInfo,
    appt: Appointment,
    worker: str,
    answers: Buttons,
    *,
    day_before: bool,
) -> OutMessage:
    """An appointment reminder; the day before, one met at a place asks how to get there."""
    lines = [
        t("Reminder of a meeting: {when}.").format(when=t.datetime(appt.at, zone)),
        *client_details(t, appt.kind, appt.place, worker),
    ]
    if day_before and kinds.needs_place(appt.kind):
        lines.append("")
        lines.append(t("Plan now how you will get there: when you leave and how you travel."))
    lines.append("")
    lines.append(t(QUESTIONS.get(appt.kind, QUESTIONS[kinds.IN_PERSON])))
    buttons = [*answers, *link_buttons(t, appt.kind, appt.link)]
    return OutMessage("\n".join(lines), buttons, protect=True)


def notice(t: Translator, zone: ZoneInfo, notice: str, when: datetime, args: dict) -> OutMessage:
    """A new, moved or cancelled appointment, as the client is told of it at once."""
    at = t.datetime(when, zone)
    kind = args.get("kind") or kinds.IN_PERSON
    place = args.get("place", "")
    if notice == "appt_cancelled":
        return OutMessage(
            t("A meeting is cancelled: {when}.").format(when=at),
            protect=True,
        )
    if kind == kinds.IN_PERSON:
        # One line, as it always read (rows planned before kinds existed carry no kind).
        first = (
            t("New meeting: {when}. Place: {place}")
            if notice == "appt_new"
            else t("Your meeting has changed. New time: {when}. Place: {place}")
        )
        return OutMessage(first.format(when=at, place=t.ltr(_h(place))), protect=True)
    first = (
        t("New meeting: {when}.")
        if notice == "appt_new"
        else t("Your meeting has changed. New time: {when}.")
    )
    lines = [
        first.format(when=at),
        *client_details(t, kind, place, args.get("worker", "")),
    ]
    return OutMessage("\n".join(lines), link_buttons(t, kind, args.get("link")), protect=True)
