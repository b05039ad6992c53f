"""/appointment, /appointments: booking, moving and cancelling; attendance afterwards."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import appointment_kinds as appt_kinds
from bot.appointment_text import kind_label, worker_what
from bot.callbacks import Callback, encode
from bot.i18n import Translator
from bot.messages import h
from bot.services import items as item_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import Flow
from handlers.worker.flow import (
    begin_flow,
    chosen,
    end_flow,
    flow_buttons,
    prompt,
    text_or_ask,
    time_or_ask,
)
from handlers.worker.shared import (
    as_code,
    client_name,
    closed_text,
    datetime_example,
    fit,
    item_problem,
    not_found,
    pick_client,
)
from storage.models import Appointment, Client


async def cmd_appointment(rq: Request) -> None:
    """/appointment [CLIENT]: time, place, confirm."""
    client = await pick_client(rq, "appt")
    if client is not None:
        await start_appointment(rq, client)


KIND_VERB = "kd-"


def _kind_rows(rq: Request, flow: Flow) -> kb.Buttons:
    """Buttons for the kinds other than the one chosen so far (one a row: the labels are long)."""
    button = flow_buttons(flow)
    return [
        [(kind_label(rq.t, kind), button(KIND_VERB + kind))]
        for kind in appt_kinds.KINDS
        if kind != flow.appt_kind
    ]


async def start_appointment(rq: Request, client: Client) -> None:
    t = rq.t
    if client.status == "closed":
        await rq.reply(closed_text(t, client))
        return
    flow = begin_flow(rq, "appointment", "when", client_id=client.id, label=client.label)
    # In person unless the worker taps another kind: the usual booking needs no extra tap.
    text = t("When is the appointment with {client}? Write the date and time, e.g. {example}.")
    text = text.format(client=client_name(t, client), example=as_code(datetime_example(rq)))
    text += "\n" + t("It is in person; for another kind, tap it below.")
    await prompt(rq, flow, text, _kind_rows(rq, flow))


async def on_kind(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    """A kind tapped under the question of when: asked again for that kind."""
    t = rq.t
    kind = verb.removeprefix(KIND_VERB)
    if kind not in appt_kinds.KINDS:
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    flow.appt_kind = kind
    await chosen(rq, kind_label(t, kind))
    text = f"{kind_label(t, kind)} — {t.ltr(h(flow.label))}\n" + t(
        "When is it? Write the date and time, e.g. {example}."
    ).format(example=as_code(datetime_example(rq)))
    await prompt(rq, flow, text, _kind_rows(rq, flow))


async def on_when(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    at = await time_or_ask(rq, flow, text)
    if at is None:
        return
    flow.at = at
    if flow.appt_kind == appt_kinds.JOINT:
        flow.step = "place"
        await prompt(rq, flow, _joint_where(t))
    elif appt_kinds.needs_place(flow.appt_kind):
        flow.step = "place"
        await prompt(
            rq,
            flow,
            t("Where is it? A short place, at most {n} characters.").format(
                n=item_service.MAX_PLACE
            ),
        )
    elif flow.appt_kind == appt_kinds.VIDEO:
        flow.step = "link"
        await prompt(
            rq,
            flow,
            t("The link to the video call? Paste the whole link, starting with https://."),
        )
    else:
        await _confirm(rq, flow)


def _joint_where(t: Translator) -> str:
    return t(
        "Where is it? A short place (at most {n} characters), or paste the link to the video "
        "call, starting with https://."
    ).format(n=item_service.MAX_PLACE)


async def on_place(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    # A joint meeting is at a place or on video: an answer that looks like a link is one.
    if flow.appt_kind == appt_kinds.JOINT and appt_kinds.looks_like_link(text):
        await on_link(rq, flow, text)
        return
    place = await text_or_ask(
        rq,
        flow,
        text,
        item_service.MAX_PLACE,
        t("Please write the place in at most {n} characters."),
    )
    if place is None:
        return
    flow.place = place
    await _confirm(rq, flow)


async def on_link(rq: Request, flow: Flow, text: str) -> None:
    """The video call's link: http or https only, or asked again (nothing else is kept)."""
    t = rq.t
    link = appt_kinds.clean_link(text)
    if link is None:
        await prompt(
            rq,
            flow,
            t(
                "That is not a link the client can open. Please paste the whole link, starting "
                "with https:// or http://, at most {n} characters."
            ).format(n=appt_kinds.MAX_LINK),
        )
        return
    flow.link = link
    flow.place = ""
    await _confirm(rq, flow)


async def _confirm(rq: Request, flow: Flow) -> None:
    """The summary with Save (and, for a place that names a service, a rewording offer)."""
    t = rq.t
    flow.step = "confirm"
    zone = rq.core.policy.zone
    at = flow.at
    assert at is not None
    what = t.ltr(h(flow.place))
    if flow.appt_kind != appt_kinds.IN_PERSON:
        what = kind_label(t, flow.appt_kind) + (", " + what if flow.place else "")
    text = t(
        "Appointment with {client}: {when}, {place}. The client is told now and "
        "reminded before. Save it?"
    ).format(client=t.ltr(h(flow.label)), when=t.datetime(at, zone), place=what)
    if flow.link:
        text += "\n" + t("Link: {link}").format(link=t.ltr(h(flow.link)))
    rows = [[(t("✅ Save"), flow_buttons(flow)("save"))]]
    # An in-person place opens the client's notice, on the lock screen: a clinic's name there
    # tells others. (A joint meeting's place comes below a neutral line.)
    if flow.appt_kind == appt_kinds.IN_PERSON and rq.core.policy.privacy.revealing(flow.place):
        text += "\n\n" + t(
            "⚠️ The place may name a clinic or service, and the client's lock screen can show "
            "it. You can write a neutral wording instead, e.g. the street address."
        )
        rows.append([(t("✏️ Write a neutral place"), flow_buttons(flow)("reword"))])
    await prompt(rq, flow, text, rows)


async def on_save(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    query = rq.query
    t = rq.t
    assert flow.at is not None  # the confirm step comes after the time
    if verb == "reword":
        await answer_query(query)
        await chosen(rq, t("✏️ Write a neutral place"))
        flow.step = "place"
        await prompt(rq, flow, t("Where is it? For example the street address."))
        return
    end_flow(rq)
    result = await item_service.add_appointment(
        rq.core,
        rq.me,
        flow.client_id,
        flow.at,
        flow.place,
        kind=flow.appt_kind,
        link=flow.link or None,
    )
    await answer_query(query)
    if result.status == "ok":
        await chosen(rq, t("Saved."))
    elif result.status == "past":
        await chosen(
            rq,
            t("That time has passed meanwhile. Nothing was saved; start again with /appointment."),
        )
    else:
        await chosen(rq, item_problem(t, result))


async def cmd_appointments(rq: Request) -> None:
    """/appointments [CLIENT]: coming appointments with change and cancel buttons."""
    client = await pick_client(rq, "appts")
    if client is not None:
        await show_appointments(rq, client.id)


async def show_appointments(rq: Request, client_id: int) -> None:
    t = rq.t
    zone = rq.core.policy.zone
    client, appts = await item_service.upcoming_appointments(rq.core, rq.me, client_id)
    if client is None:
        await rq.reply(not_found(t))
        return
    if not appts:
        await rq.reply(
            t("{client} has no coming appointments. Book one: {command}").format(
                client=client_name(t, client), command=as_code(f"/appointment {client.id}")
            ),
        )
        return
    lines = [t("Coming appointments of {client}:").format(client=client_name(t, client))]
    rows: kb.Buttons = []
    for appt in appts[: kb.MAX_PICK // 2]:
        lines.append("• " + appointment_line(t, zone, appt))
        stamp = t.stamp(appt.at, zone)
        rows.append(
            [
                (t("🕐 Change {when}").format(when=stamp), encode("wa", appt.id, "move")),
                (t("✖ Cancel {when}").format(when=stamp), encode("wa", appt.id, "cancel")),
            ]
        )
    await rq.reply(OutMessage(fit(lines, t("… and {n} more.")), rows))


def appointment_line(t: Translator, zone: ZoneInfo, appt: Appointment) -> str:
    """'to 3.12. klo 10.00, 📞 Phone call ✅': when, the place or kind, the client's answer."""
    line = t("{when}, {place}").format(when=t.datetime(appt.at, zone), place=worker_what(t, appt))
    if appt.confirmation == "confirmed":
        line += " ✅"
    elif appt.confirmation in ("reschedule", "help"):
        line += " ❗"
    return line


async def on_appointment_button(rq: Request, cb: Callback) -> None:
    """Change the time of / cancel an appointment from the /appointments list."""
    query = rq.query
    t = rq.t
    core = rq.core
    if cb.choice == "move":
        client, appt = await item_service.appointment_for(core, rq.me, cb.id)
        if client is None or appt is None or appt.status != "scheduled" or appt.at <= core.now():
            await kb.stale(query, t)
            return
        await answer_query(query)
        flow = begin_flow(rq, "apptmove", "when", appointment_id=appt.id)
        await prompt(
            rq,
            flow,
            t(
                "The new time for the appointment of {client} ({when})? For example {example}."
            ).format(
                client=client_name(t, client),
                when=t.datetime(appt.at, core.policy.zone),
                example=as_code(datetime_example(rq)),
            ),
        )
    elif cb.choice == "cancel":
        await answer_query(query)
        await rq.reply(
            OutMessage(
                t("Cancel this appointment? The client is told."),
                [
                    [
                        (t("Yes, cancel it"), encode("wa", cb.id, "cancelok")),
                        (t("No, keep it"), encode("wa", cb.id, "keep")),
                    ]
                ],
            ),
        )
    elif cb.choice == "cancelok":
        result = await item_service.cancel_appointment(core, rq.me, cb.id)
        if result.status != "ok" or result.appointment is None:
            await kb.stale(query, t)
            await edit_query_message(query, item_problem(t, result))
            return
        await answer_query(query, t("Cancelled."))
        assert result.client is not None
        zone = core.policy.zone
        await edit_query_message(
            query,
            t("Cancelled: the appointment of {client}, {when}. The client is told.").format(
                client=client_name(t, result.client), when=t.datetime(result.appointment.at, zone)
            ),
        )
    elif cb.choice == "keep":
        await answer_query(query)
        await edit_query_message(query, t("Kept as it was."))
    else:
        await kb.stale(query, t)


async def on_new_time(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    at = await time_or_ask(rq, flow, text)
    if at is None:
        return
    end_flow(rq)
    result = await item_service.move_appointment(rq.core, rq.me, flow.appointment_id, at)
    if result.status != "ok" or result.appointment is None or result.client is None:
        await rq.reply(item_problem(t, result))
        return
    zone = rq.core.policy.zone
    await rq.reply(
        t("Moved: {client}, {when}, {place}. The client is told.").format(
            client=client_name(t, result.client),
            when=t.datetime(result.appointment.at, zone),
            place=worker_what(t, result.appointment),
        ),
    )


async def on_attendance(rq: Request, cb: Callback) -> None:
    """After an appointment: did the client come? Recorded once."""
    query = rq.query
    t = rq.t
    result = await item_service.record_attendance(rq.core, rq.me, cb.id, cb.choice)
    if result.status != "ok":
        await kb.stale(query, t)
        return
    await answer_query(query, t("Thank you, recorded."))
    await chosen(rq, t("Attended") if cb.choice == "came" else t("Missed"))
