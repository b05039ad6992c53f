"""/clients, the client card and its buttons (pause, resume, close), /close."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from bot.callbacks import Callback
from bot.contact_text import contact_line
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from bot.messages import choice_label, h, phase_text
from bot.services import workers as worker_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.worker import guide
from handlers.worker.appointments import appointment_line, show_appointments, start_appointment
from handlers.worker.contacts import show_contacts
from handlers.worker.deadlines import show_deadlines, start_deadline
from handlers.worker.handover import ask_handover
from handlers.worker.newclient import new_invite, start_release_change
from handlers.worker.partners import unlink_buttons
from handlers.worker.plan import show_plan
from handlers.worker.shared import (
    as_code,
    client_name,
    closed_text,
    fit,
    not_found,
    pick_client,
    send_tracked,
)
from handlers.worker.summary import show_summary
from storage.models import Client

STATUS_MARKS = {
    "invited": ("⏳", N_("not joined yet")),
    "active": ("✅", N_("active")),
    "paused": ("⏸", N_("paused")),
    "unreachable": ("📵", N_("unreachable")),
    "closed": ("⛔", N_("closed")),
}


def _status(t: Translator, client: Client) -> str:
    mark, label = STATUS_MARKS[worker_service.status_key(client)]
    return f"{mark} {t(label)}"


def _last_answer(t: Translator, zone: ZoneInfo, client: Client) -> str | None:
    if not client.last_answer or client.last_answer_at is None:
        return None
    return t("{answer}, {when}").format(
        answer=choice_label(t, "ck", client.last_answer), when=t.stamp(client.last_answer_at, zone)
    )


async def cmd_clients(rq: Request) -> None:
    """/clients (or /clients all for the team's): status, last answer, open alerts."""
    t = rq.t
    zone = rq.core.policy.zone
    team = rq.args.lower() in ("all", "team", "kaikki", "alla")
    rows = await worker_service.my_clients(rq.core, rq.me, team=team)
    if not rows:
        await rq.reply(t("You have no clients yet. Add one with /newclient."))
        return
    head = (t("Clients you can see ({n}):") if team else t("Your clients ({n}):")).format(
        n=len(rows)
    )
    lines = [head]
    for row in rows:
        mark = STATUS_MARKS[worker_service.status_key(row.client)][0]
        parts = [f"{mark} {client_name(t, row.client)}"]
        if row.backup:
            parts.append(t("(you back up)"))
        if row.client.status == "invited":
            parts.append(t("not joined yet"))
        elif row.client.unreachable:
            parts.append(t("unreachable"))
        if row.phase.name != "closed":
            parts.append(phase_text(t, row.phase))
        answer = _last_answer(t, zone, row.client)
        if answer:
            parts.append(answer)
        if row.open_alerts:
            parts.append(f"🔔 {row.open_alerts}")
        lines.append(" — ".join(parts))
    lines.append("")
    lines.append(t("Tap a client to open the card."))
    if not team:
        lines.append(
            t("Your team's clients too: {command}").format(command=as_code(t("/clients all")))
        )
    await rq.reply(OutMessage(fit(lines, t("… and {n} more.")), kb.client_list(rows)))


async def _card_message(rq: Request, client_id: int) -> tuple[OutMessage, int] | None:
    t = rq.t
    card = await worker_service.client_card(rq.core, rq.me, client_id)
    if card is None:
        return None
    zone = rq.core.policy.zone
    client = card.client
    lines = [f"👤 <b>{client_name(t, client)}</b> — {_status(t, client)}"]
    if card.worker is not None:
        staff = t("Worker: {worker}").format(worker=t.ltr(h(card.worker.name)))
        if card.backup is not None:
            staff += " · " + t("Backup: {worker}").format(worker=t.ltr(h(card.backup.name)))
        lines.append(staff)
    if client.language:
        # Workers wrote Finnish to clients who read Russian or Arabic: say which language.
        lines.append(
            t("🗣 Writes in: {language}").format(
                language=LANGUAGE_NAMES.get(client.language, client.language)
            )
        )
    phase = phase_text(t, card.phase)
    if client.release_date is not None:
        phase += " (" + t.date(client.release_date) + ")"
    lines.append(t("Phase: {phase}").format(phase=phase))
    answer = _last_answer(t, zone, client)
    lines.append(t("Last answer: {answer}").format(answer=answer or "—"))
    lines.append(t("Open alerts: {n}").format(n=card.open_alerts))
    if card.next_appointment is not None:
        lines.append(
            t("Next appointment: {appointment}").format(
                appointment=appointment_line(t, zone, card.next_appointment)
            )
        )
    lines.append(t("Open deadlines: {n}").format(n=card.open_deadlines))
    if card.plan_total:
        lines.append(
            t("Release plan: {done} of {total} done").format(
                done=card.plan_done, total=card.plan_total
            )
        )
    for contact in card.partners[:6]:
        lines.append(("📇🔓 " if contact.shareable else "📇 ") + contact_line(t, contact))
    if client.status != "closed":
        lines.append("")
        lines.append(t("Reply to this message to write to the client."))
    lines[2:2] = [
        t("🏛 Prison partner: {partner}").format(partner=t.ltr(h(f"{p.name}, {p.organisation}")))
        for p in card.prison_partners
    ]
    buttons = kb.card_actions(t, client)
    if client.status != "closed":
        buttons += unlink_buttons(t, client.id, card.prison_partners)
    return OutMessage("\n".join(lines), buttons), client.id


async def _send_card(rq: Request, client_id: int) -> None:
    t = rq.t
    found = await _card_message(rq, client_id)
    if found is None:
        await rq.reply(not_found(t))
        return
    message, cid = found
    message_id = await send_tracked(rq, message)
    chat = rq.update.effective_chat
    if message_id is not None and chat is not None:
        await worker_service.remember_card(rq.core, rq.me, cid, chat.id, message_id)


async def on_client_button(rq: Request, cb: Callback) -> None:
    """A client picked from a list, or an action on the client's card."""
    query = rq.query
    t = rq.t
    core = rq.core
    me = rq.me
    action = cb.choice
    found = await worker_service.find_client(core, me, str(cb.id))
    client = found.client
    if client is None or (action not in CLIENT_ACTIONS and action not in CARD_CHANGES):
        await kb.stale(query, t)
        return
    if action in ("pause", "resume"):
        change = await worker_service.set_paused(core, me, client.id, action == "pause")
        await answer_query(
            query, _pause_text(t, change, action == "pause"), alert=change.status == "client_paused"
        )
        refreshed = await _card_message(rq, client.id)
        if refreshed is not None:
            await edit_query_message(query, refreshed[0].text, refreshed[0].buttons)
        return
    if action == "closeok":
        change = await worker_service.close_client(core, me, client.id)
        await answer_query(query)
        if change.status == "done":
            await edit_query_message(
                query,
                t(
                    "{client} is closed. A goodbye is on its way to the client: I will tell "
                    "you whether it arrived. Nothing more is planned, and the record is kept "
                    "for the retention period."
                ).format(client=client_name(t, client)),
            )
        else:
            await edit_query_message(query, closed_text(t, client))
        return
    if action == "keep":
        await answer_query(query)
        await edit_query_message(query, t("Kept as it was."))
        return
    await answer_query(query)
    await CLIENT_ACTIONS[action](rq, client)


def _pause_text(t: Translator, change: worker_service.ClientChange, pause: bool) -> str:
    if change.status == "done":
        return (
            t("Paused: no messages to the client until you resume.")
            if pause
            else t("Resumed: messages are on again.")
        )
    if change.status == "client_paused":
        return t("The client paused the messages themselves. They turn them on again with /start.")
    if change.status == "not_joined":
        return t("The client has not joined yet.")
    if change.status == "closed":
        return t("The client is closed.")
    return t("No change was needed.")


async def _ask_close(rq: Request, client: Client) -> None:
    t = rq.t
    if client.status == "closed":
        await rq.reply(closed_text(t, client))
        return
    await rq.reply(
        OutMessage(
            t(
                "End the service of {client}? The client gets a kind goodbye, all planned messages "
                "stop, open alerts close and invites stop working. The record is kept for the "
                "retention period."
            ).format(client=client_name(t, client)),
            kb.confirm_close(t, client),
        ),
    )


async def cmd_close(rq: Request) -> None:
    """/close CLIENT: asks for confirmation first."""
    client = await pick_client(rq, "close")
    if client is not None:
        await _ask_close(rq, client)


async def _card(rq: Request, client: Client) -> None:
    await _send_card(rq, client.id)


async def _appts(rq: Request, client: Client) -> None:
    await show_appointments(rq, client.id)


async def _dls(rq: Request, client: Client) -> None:
    await show_deadlines(rq, client.id)


async def _plan(rq: Request, client: Client) -> None:
    await show_plan(rq, client.id)


ClientAction = Callable[[Request, Client], Awaitable[None]]
CLIENT_ACTIONS: dict[str, ClientAction] = {
    "card": _card,
    "appt": start_appointment,
    "appts": _appts,
    "dl": start_deadline,
    "dls": _dls,
    "plan": _plan,
    "ct": show_contacts,
    "inv": new_invite,
    "ho": ask_handover,
    "rel": start_release_change,
    "close": _ask_close,
    "sum": show_summary,
    "guide": guide.ask_topic,
}


# Card buttons that change the client, handled in on_client_button itself.
CARD_CHANGES = frozenset({"pause", "resume", "closeok", "keep"})
