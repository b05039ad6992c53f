"""Typed constructors of outbox rows: the one place where each kind's key format is written.

A row's key makes planning idempotent (`storage.outbox.add` ignores a key that exists), so a key
says what makes two rows the same: the next check-in at one moment, one reminder offset of one
appointment at its current time, one ladder step of one alert. Services and the planner build rows
only through these functions.

Keys of planned rows keep the formats of earlier versions: a database upgraded in place must not
get a second reminder beside a pending one.

Each row is written with its priority class, the `priority` of its kind class (checked by
tests/unit/test_kinds.py), or higher where the row says so: an urgent alert's card and ladder,
a reminder due within hours rather than the day before.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from storage.models import Alert, Appointment, Deadline, PlanItem, Worker
from storage.outbox import ROUTINE, TIMELY, URGENT, Planned
from storage.times import utc_iso

# --- client-side, planned --------------------------------------------------------------------


def checkin(client_id: int, due: datetime) -> Planned:
    return Planned(
        key=f"checkin:{client_id}:{utc_iso(due)}",
        kind="checkin",
        due_at=due,
        client_id=client_id,
        priority=ROUTINE,
    )


def appt_reminder_key(appt: Appointment, tag: str) -> str:
    return f"appt:{appt.id}:{tag}:{utc_iso(appt.at)}"


def is_appt_reminder_of(appt: Appointment, key: str) -> bool:
    """Whether `key` is a reminder of this appointment at its current time (not a moved one)."""
    return key.startswith(f"appt:{appt.id}:") and key.endswith(f":{utc_iso(appt.at)}")


def appt_reminder(appt: Appointment, tag: str, due: datetime, *, day_before: bool) -> Planned:
    return _item(
        appt_reminder_key(appt, tag),
        "appt_reminder",
        due,
        appt.client_id,
        appt.id,
        {"offset": tag, "day_before": day_before},
        priority=ROUTINE if day_before else TIMELY,
    )


def appt_confirm_check_key(appt: Appointment) -> str:
    return f"apptcheck:{appt.id}:{utc_iso(appt.at)}"


def appt_confirm_check(appt: Appointment, due: datetime) -> Planned:
    return _item(
        appt_confirm_check_key(appt),
        "appt_confirm_check",
        due,
        appt.client_id,
        appt.id,
        priority=TIMELY,
    )


def appt_after(appt: Appointment, due: datetime) -> Planned:
    return _item(
        f"apptafter:{appt.id}:{utc_iso(appt.at)}", "appt_after", due, appt.client_id, appt.id
    )


def deadline_reminder_key(dl: Deadline, tag: str) -> str:
    return f"dl:{dl.id}:{tag}:{dl.due_date.isoformat()}"


def deadline_snooze_key(dl: Deadline, until: datetime) -> str:
    return f"dl:{dl.id}:snooze:{utc_iso(until)}"


def is_deadline_reminder_of(dl: Deadline, key: str) -> bool:
    """Whether `key` is a reminder of this deadline at its current date, or its snooze."""
    if dl.snoozed_until is not None and key == deadline_snooze_key(dl, dl.snoozed_until):
        return True
    return key.startswith(f"dl:{dl.id}:") and key.endswith(f":{dl.due_date.isoformat()}")


def deadline_reminder(dl: Deadline, tag: str, due: datetime) -> Planned:
    return _item(
        deadline_reminder_key(dl, tag),
        "deadline_reminder",
        due,
        dl.client_id,
        dl.id,
        {"offset": tag},
    )


def deadline_snooze(dl: Deadline, until: datetime) -> Planned:
    return _item(
        deadline_snooze_key(dl, until),
        "deadline_reminder",
        until,
        dl.client_id,
        dl.id,
        {"offset": "snooze"},
    )


def deadline_passed(dl: Deadline, due: datetime) -> Planned:
    return _item(
        f"dlpass:{dl.id}:{dl.due_date.isoformat()}", "deadline_passed", due, dl.client_id, dl.id
    )


def pause_end(client_id: int, until: datetime) -> Planned:
    return Planned(
        key=f"pauseend:{client_id}:{utc_iso(until)}",
        kind="pause_end",
        due_at=until,
        client_id=client_id,
        priority=ROUTINE,
    )


def _item(
    key: str,
    kind: str,
    due: datetime,
    client_id: int,
    ref_id: int,
    payload: dict[str, Any] | None = None,
    *,
    priority: int = ROUTINE,
) -> Planned:
    """A row about one thing of a client's (an appointment, a deadline, a question)."""
    return Planned(
        key=key,
        kind=kind,
        due_at=due,
        client_id=client_id,
        ref_id=ref_id,
        payload=payload or {},
        priority=priority,
    )


# --- release plan and release day --------------------------------------------------------------


def plan_reminder_key(item: PlanItem, tag: str, due_day: date) -> str:
    # The due day is in the key: a moved release date (or a new due date) plans a new row and
    # the old one is dropped as replanned.
    return f"plan:{item.id}:{tag}:{due_day.isoformat()}"


def is_plan_reminder_of(item: PlanItem, due_day: date, key: str) -> bool:
    """Whether `key` is a reminder of this item at its current due day."""
    return key.startswith(f"plan:{item.id}:") and key.endswith(f":{due_day.isoformat()}")


def plan_reminder(item: PlanItem, tag: str, due_day: date, at: datetime) -> Planned:
    """A reminder to the client of one of their own plan items, `tag` before it is due."""
    return _item(
        plan_reminder_key(item, tag, due_day),
        "plan_reminder",
        at,
        item.client_id,
        item.id,
        {"offset": tag, "due": due_day.isoformat()},
    )


def release_day(client_id: int, day: date, at: datetime) -> Planned:
    """The one short message on the morning of the client's release day."""
    return Planned(
        key=f"release:{client_id}:{day.isoformat()}",
        kind="release_day",
        due_at=at,
        client_id=client_id,
        payload={"day": day.isoformat()},
    )


# --- answers ---------------------------------------------------------------------------------


def nudge(client_id: int, contact_id: int, due: datetime) -> Planned:
    return Planned(
        key=f"nudge:{contact_id}",
        kind="nudge",
        due_at=due,
        client_id=client_id,
        ref_id=contact_id,
        priority=TIMELY,
    )


def contact_due(client_id: int, contact_id: int, due: datetime) -> Planned:
    return _item(
        f"contactdue:{contact_id}", "contact_due", due, client_id, contact_id, priority=TIMELY
    )


# --- alerts ----------------------------------------------------------------------------------


def alert_card(
    alert: Alert, worker_id: int, due: datetime, *, step: int, again: datetime | None = None
) -> Planned:
    """The alert card to one recipient of one ladder step; `again` marks a later round (an
    urgent upgrade, a skipped recipient, a hand-over) that must not collide with the first."""
    key = f"alert:{alert.id}:{worker_id}:{step}"
    if again is not None:
        key += f":{utc_iso(again)}"
    return _alert_row(key, alert, worker_id, due, {}, kind="alert")


def alert_card_moved(alert: Alert, worker_id: int, due: datetime, now: datetime) -> Planned:
    """The card again, to a recipient the ladder reached after a worker left."""
    return _alert_row(
        f"alertmove:{alert.id}:{worker_id}:{utc_iso(now)}", alert, worker_id, due, {}, kind="alert"
    )


def alert_card_back(alert: Alert, worker_id: int, now: datetime) -> Planned:
    """The card back to the worker who took the alert and left it unresolved."""
    return _alert_row(
        f"alertback:{alert.id}:{utc_iso(now)}",
        alert,
        worker_id,
        now,
        {"resurfaced": True},
        kind="alert",
    )


def alert_edit(
    alert: Alert,
    recipient: dict[str, Any],
    now: datetime,
    *,
    tag: str,
    words: str | None = None,
) -> Planned:
    """Refresh the card a recipient got (who took it, resolved); `tag` tells apart the edits.
    `words` keeps the client's text on a resolved card (wiped from the row once sent)."""
    payload: dict[str, Any] = {
        "chat_id": recipient["chat_id"],
        "message_id": recipient["message_id"],
    }
    if words is not None:
        payload["words"] = words
    return _alert_row(
        f"alertedit:{alert.id}:{recipient['worker_id']}:{tag}",
        alert,
        recipient["worker_id"],
        now,
        payload,
        kind="alert_edit",
        priority=URGENT,
    )


def alert_settled(alert: Alert, worker_id: int, now: datetime, resolution: str) -> Planned:
    """One line to a recipient: the matter settled itself (the client answered, came back)."""
    return _alert_row(
        f"allclear:{alert.id}:{worker_id}",
        alert,
        worker_id,
        now,
        {"notice": "settled", "resolution": resolution},
        kind="worker_notice",
        priority=TIMELY,
    )


def worker_unreachable_notice(admin_id: int, worker: Worker, now: datetime) -> Planned:
    """An admin is told once that Silta cannot reach a worker (until the worker comes back)."""
    return Planned(
        key=f"wunreach:{admin_id}:{worker.id}:{worker.telegram_id}",
        kind="worker_notice",
        due_at=now,
        worker_id=admin_id,
        payload={"notice": "worker_unreachable", "worker": worker.name},
    )


def alert_step(
    alert: Alert, step: int, due: datetime, *, moved_at: datetime | None = None
) -> Planned:
    """The ladder's timer for `step`; a moved ladder (`moved_at`) gets timers of its own."""
    key = f"alertstep:{alert.id}:{step}"
    if moved_at is not None:
        key += f":{utc_iso(moved_at)}"
    return Planned(
        key=key,
        kind="alert_step",
        due_at=due,
        alert_id=alert.id,
        client_id=alert.client_id,
        payload={"step": step},
        priority=_alert_priority(alert),
    )


def alert_resurface(alert: Alert, at: datetime) -> Planned:
    return Planned(
        key=f"alertresurface:{alert.id}:{utc_iso(at)}",
        kind="alert_resurface",
        due_at=at,
        alert_id=alert.id,
        client_id=alert.client_id,
        priority=TIMELY,
    )


def _alert_row(
    key: str,
    alert: Alert,
    worker_id: int,
    due: datetime,
    payload: dict[str, Any],
    *,
    kind: str,
    priority: int | None = None,
) -> Planned:
    return Planned(
        key=key,
        kind=kind,
        due_at=due,
        worker_id=worker_id,
        alert_id=alert.id,
        client_id=alert.client_id,
        payload=payload,
        priority=_alert_priority(alert) if priority is None else priority,
    )


def _alert_priority(alert: Alert) -> int:
    """A person asking for help (not OK, please contact me) or writing to their worker (the
    card carries the message) is urgent; other alerts are timely."""
    return URGENT if alert.urgent or alert.reason == "message" else TIMELY


# --- messages and notices due now -------------------------------------------------------------


def relay_to_worker(client_id: int, worker_id: int, text: str, due: datetime, once: str) -> Planned:
    """A client's message to their worker; `once` is fresh per message (two are two rows)."""
    return Planned(
        key=f"relay:{client_id}:{once}",
        kind="relay_to_worker",
        due_at=due,
        worker_id=worker_id,
        client_id=client_id,
        payload={"text": text},
        priority=URGENT,
    )


def relay_to_client(client_id: int, worker_id: int, text: str, due: datetime, once: str) -> Planned:
    """A worker's reply (due now, or at the end of the quiet hours); it reaches a paused client
    too (they wrote first)."""
    return Planned(
        key=f"reply:{client_id}:{worker_id}:{once}",
        kind="relay_to_client",
        due_at=due,
        client_id=client_id,
        worker_id=worker_id,
        payload={"text": text, "any_status": True},
        priority=URGENT,
    )


def guide_topic(client_id: int, worker_id: int, topic: str, now: datetime, once: str) -> Planned:
    """A guide topic a worker sent the client (rendered from the guide in force when sent)."""
    return Planned(
        key=f"guide:{client_id}:{worker_id}:{once}",
        kind="guide_topic",
        due_at=now,
        client_id=client_id,
        worker_id=worker_id,
        payload={"topic": topic},
    )


def media_to_worker(
    client_id: int, worker_id: int, media: dict[str, Any], due: datetime, once: str
) -> Planned:
    """A client's photo, voice message or file for their worker. `media` holds only Telegram's
    ids (chat, message, kind) and the caption, wiped once delivered."""
    return Planned(
        key=f"media:{client_id}:{once}",
        kind="media_to_worker",
        due_at=due,
        worker_id=worker_id,
        client_id=client_id,
        payload=dict(media),
        priority=URGENT,
    )


def media_to_client(
    client_id: int, worker_id: int, media: dict[str, Any], now: datetime, once: str
) -> Planned:
    """A worker's photo, voice message or file answering a client (reaches a paused one too)."""
    return Planned(
        key=f"mreply:{client_id}:{worker_id}:{once}",
        kind="media_to_client",
        due_at=now,
        client_id=client_id,
        worker_id=worker_id,
        payload={**media, "any_status": True},
        priority=URGENT,
    )


def client_notice(
    client_id: int, notice: str, now: datetime, *, once: str, **payload: Any
) -> Planned:
    """A short notice to the client (`notice` names its text in bot.messages); `once` is what
    makes it one of a kind, e.g. the appointment it is about."""
    return Planned(
        key=f"cnotice:{notice}:{client_id}:{once}",
        kind="client_notice",
        due_at=now,
        client_id=client_id,
        payload={"notice": notice, **payload},
        priority=URGENT,
    )


def worker_notice(
    worker_id: int,
    client_id: int | None,
    notice: str,
    now: datetime,
    *,
    once: str,
    **payload: Any,
) -> Planned:
    """A short notice to a worker about a client."""
    return Planned(
        key=f"wnotice:{notice}:{worker_id}:{client_id}:{once}",
        kind="worker_notice",
        due_at=now,
        worker_id=worker_id,
        client_id=client_id,
        payload={"notice": notice, **payload},
        priority=TIMELY,
    )


def answer(
    chat_id: int, message: dict[str, Any], now: datetime, once: str, edit_message_id: int | None
) -> Planned:
    """A direct answer to someone's update that Telegram would not take at once (rendered
    already: `message` is an OutMessage payload); `edit_message_id` makes it an edit."""
    return Planned(
        key=f"answer:{chat_id}:{once}",
        kind="answer",
        due_at=now,
        payload={"chat_id": chat_id, "edit": edit_message_id, "message": message},
        priority=URGENT,
    )


def digest(worker_id: int, day: date, due: datetime) -> Planned:
    return Planned(
        key=f"digest:{worker_id}:{day.isoformat()}",
        kind="digest",
        due_at=due,
        worker_id=worker_id,
        priority=ROUTINE,
    )


def daily(day: date, due: datetime) -> Planned:
    return Planned(key=f"daily:{day.isoformat()}", kind="daily", due_at=due, priority=ROUTINE)


# --- to partners -------------------------------------------------------------------------------


def partner_notice(
    partner_id: int, client_id: int | None, notice: str, now: datetime, *, once: str, **payload: Any
) -> Planned:
    """A short notice to a partner (`notice` names its text in bot.partner_text); the partner
    is in the payload, since outbox rows name only workers and clients."""
    return Planned(
        key=f"pnotice:{notice}:{partner_id}:{client_id}:{once}",
        kind="partner_notice",
        due_at=now,
        client_id=client_id,
        payload={"notice": notice, "partner": partner_id, **payload},
        priority=TIMELY,
    )


def partner_joint(
    partner_id: int, appt: Appointment, tag: str, due: datetime, now: datetime
) -> Planned:
    """A joint meeting to a partner: `tag` 'new' when booked, '-1d' the day before. The time is
    in the key and the payload, so a moved meeting is told again and the old row skips."""
    return Planned(
        key=f"pjoint:{appt.id}:{partner_id}:{tag}:{utc_iso(appt.at)}",
        kind="partner_joint",
        due_at=max(due, now),
        client_id=appt.client_id,
        ref_id=appt.id,
        payload={"partner": partner_id, "tag": tag, "at": utc_iso(appt.at)},
        priority=TIMELY if tag == "new" else ROUTINE,
    )


def partner_weekly(partner_id: int, day: date, due: datetime) -> Planned:
    """A partner's short weekly list of overdue prison items, composed when sent."""
    return Planned(
        key=f"pweekly:{partner_id}:{day.isoformat()}",
        kind="partner_weekly",
        due_at=due,
        payload={"partner": partner_id},
        priority=ROUTINE,
    )
