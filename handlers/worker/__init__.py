"""The worker's side of the bot: what the router calls, by command, button kind and step.

One module per task (clients, newclient, appointments, deadlines, plan, contacts, handover, alerts,
replies, help); `flow` runs the multi-step conversations whose steps are mapped here.
"""

from __future__ import annotations

from bot.callbacks import Callback
from handlers.common import Command, Press, Request
from handlers.context import Flow
from handlers.worker import (
    alerts,
    appointments,
    clients,
    contacts,
    deadlines,
    guide,
    handover,
    help,
    newclient,
    partners,
    plan,
    replies,
    summary,
)
from handlers.worker.clients import CARD_CHANGES, CLIENT_ACTIONS
from handlers.worker.flow import ButtonStep, TextStep, cmd_cancel, on_guess, press
from handlers.worker.help import cmd_start, join_as_worker

__all__ = ["CALLBACKS", "CARD_CHANGES", "CLIENT_ACTIONS", "COMMANDS", "cmd_start", "join_as_worker"]

TEXT_STEPS: dict[tuple[str, str], TextStep] = {
    ("newclient", "nickname"): newclient.on_nickname,
    ("newclient", "release"): newclient.on_release,
    ("appointment", "when"): appointments.on_when,
    ("appointment", "place"): appointments.on_place,
    ("appointment", "link"): appointments.on_link,
    ("apptmove", "when"): appointments.on_new_time,
    ("deadline", "label"): deadlines.on_label,
    ("deadline", "due"): deadlines.on_due,
    ("planadd", "title"): plan.on_title,
    ("plandue", "due"): plan.on_due,
    ("plannote", "text"): plan.on_note,
    ("release", "date"): newclient.on_release_change,
    ("myname", "name"): help.on_name,
    **{("contact", step): contacts.on_field for step in contacts.FIELDS},
}


async def on_guessed_date(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    """Yes or no to "Did you mean 1.12.2027?" in a step where a date is typed."""
    await on_guess(rq, flow, verb, TEXT_STEPS)


GUESS = ButtonStep(on_guessed_date, verbs=("gy", "gn"))


async def on_appointment_when(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    """Under "When is the appointment?": a kind of appointment, or yes/no to a guessed date."""
    if verb.startswith(appointments.KIND_VERB):
        await appointments.on_kind(rq, flow, verb, item_id)
    else:
        await on_guessed_date(rq, flow, verb, item_id)


BUTTON_STEPS: dict[tuple[str, str], ButtonStep] = {
    ("appointment", "when"): ButtonStep(
        on_appointment_when, verbs=GUESS.verbs, prefix=appointments.KIND_VERB
    ),
    ("apptmove", "when"): GUESS,
    ("deadline", "due"): GUESS,
    ("release", "date"): ButtonStep(newclient.on_release_unknown, verbs=("unknown",)),
    ("newclient", "language"): ButtonStep(newclient.on_language, prefix="lang-"),
    ("newclient", "release"): ButtonStep(newclient.on_skip_release, verbs=("skip",)),
    ("newclient", "backup"): ButtonStep(newclient.on_backup, verbs=("bk",)),
    ("appointment", "confirm"): ButtonStep(appointments.on_save, verbs=("save", "reword")),
    ("deadline", "kind"): ButtonStep(deadlines.on_kind, prefix="k"),
    ("deadline", "monthly"): ButtonStep(deadlines.on_monthly, verbs=("m0", "m1")),
    ("contact", "role"): ButtonStep(contacts.on_role, prefix="r-"),
    **{
        ("contact", step): ButtonStep(contacts.on_skip, verbs=("skip",)) for step in contacts.FIELDS
    },
    ("contact", "share"): ButtonStep(contacts.on_save, verbs=("s0", "s1")),
}


async def on_text(rq: Request) -> None:
    """Plain text from a worker: a reply to a relayed message, or a conversation's step."""
    await replies.on_text(rq, TEXT_STEPS)


async def on_media(rq: Request) -> None:
    """A photo, voice message or file from a worker: an answer to a client, if it replies."""
    await replies.on_media(rq)


async def on_flow_button(rq: Request, cb: Callback) -> None:
    """A button of a conversation."""
    await press(rq, cb, BUTTON_STEPS)


COMMANDS: dict[str, Command] = {
    "help": help.cmd_help,
    "cancel": cmd_cancel,
    "clients": clients.cmd_clients,
    "newclient": newclient.cmd_newclient,
    "invite": newclient.cmd_invite,
    "appointment": appointments.cmd_appointment,
    "appointments": appointments.cmd_appointments,
    "deadline": deadlines.cmd_deadline,
    "deadlines": deadlines.cmd_deadlines,
    "plan": plan.cmd_plan,
    "contacts": contacts.cmd_contacts,
    "alerts": alerts.cmd_alerts,
    "reply": replies.cmd_reply,
    "handover": handover.cmd_handover,
    "close": clients.cmd_close,
    "summary": summary.cmd_summary,
    "addpartner": partners.cmd_addpartner,
    "partners": partners.cmd_partners,
}
CALLBACKS: dict[str, Press] = {
    "al": alerts.on_alert_button,
    "at": appointments.on_attendance,
    "fl": on_flow_button,
    "cl": clients.on_client_button,
    "gs": guide.on_send_topic,
    "wa": appointments.on_appointment_button,
    "wd": deadlines.on_deadline_button,
    "pl": plan.on_plan_button,
    "co": contacts.on_contact_button,
    "ho": handover.on_handover_button,
    "rc": summary.on_recorded,
    "rn": replies.on_send_now,
    "rf": partners.on_referral_button,
    "pp": partners.on_partner_button,
}
