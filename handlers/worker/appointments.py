"""/appointment, /appointments: booking, moving and cancelling; attendance afterwards."""

from __future__ import annotations

from zoneinfo import ZoneInfo

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


async def start_appointment(rq: Request, client: Client) -> None:
    t = rq.t
    if client.status == "closed":
        await rq.reply(closed_text(t, client))
        return
    flow = begin_flow(rq, "appointment", "when", client_id=client.id, label=client.label)
    await prompt(
        rq,
        flow,
        t("When is the appointment with {client}? Write the date and time, e.g. {example}.").format(
            client=client_name(t, client), example=as_code(datetime_example(rq))
        ),
    )


async def on_when(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    at = await time_or_ask(rq, flow, text)
    if at is None:
        return
    flow.at = at
    flow.step = "place"
    await prompt(
        rq,
        flow,
        t("Where is it? A short place, at most {n} characters.").format(n=item_service.MAX_PLACE),
    )


async def on_place(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
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
    flow.step = "confirm"
    zone = rq.core.policy.zone
    at = flow.at
    assert at is not None
    text = t(
        "Appointment with {client}: {when}, {place}. The client is told now and "
        "reminded before. Save it?"
    ).format(client=t.ltr(h(flow.label)), when=t.datetime(at, zone), place=t.ltr(h(place)))
    rows = [[(t("✅ Save"), flow_buttons(flow)("save"))]]
    # The place is shown on the client's lock screen: a clinic's name there tells others.
    if rq.core.policy.privacy.revealing(place):
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
    result = await item_service.add_appointment(rq.core, rq.me, flow.client_id, flow.at, flow.place)
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
    line = t("{when}, {place}").format(when=t.datetime(appt.at, zone), place=t.ltr(h(appt.place)))
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
            place=t.ltr(h(result.appointment.place)),
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
