"""A partner's view: their linked clients, the shared plan, ticks, notes and the release date."""

from __future__ import annotations

from bot.callbacks import Callback, encode
from bot.partner_text import note_rules, release_date_example, shared_view
from bot.services import joint_meetings, onboarding
from bot.services import partners as partner_service
from bot.services.partners import SharedView
from bot.timeparse import TimeParseError
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import Flow
from handlers.worker.flow import begin_flow, chosen, end_flow, flow_buttons, prompt


def _render(rq: Request, view: SharedView) -> OutMessage:
    notes = {
        item_id: [
            (view.authors.get((n.author_kind, n.author_id), "?"), n.text or "") for n in found
        ]
        for item_id, found in view.notes.items()
    }
    worker = view.worker.name if view.worker else "—"
    return shared_view(rq.t, rq.core.policy, view.client, worker, view.items, notes, view.meetings)


async def cmd_clients(rq: Request) -> None:
    """/clients: the partner's linked clients, a button each."""
    t = rq.t
    found = await partner_service.my_clients(rq.core, rq.partner)
    if not found:
        await rq.reply(t("No clients are linked to you yet. Start with /refer."))
        return
    buttons = [[(kb.short(c.label), encode("pc", c.id, "view"))] for c in found[:30]]
    await rq.reply(OutMessage(t("Your clients in Silta:"), buttons))


async def show(rq: Request, client_id: int) -> None:
    view = await partner_service.shared_view(rq.core, rq.partner, client_id)
    if view is None:
        await rq.reply(rq.t("Sorry, that is not available to you."))
        return
    await rq.reply(_render(rq, view))


async def on_client_button(rq: Request, cb: Callback) -> None:
    """pc: open a linked client, or start moving their release date."""
    t = rq.t
    view = await partner_service.shared_view(rq.core, rq.partner, cb.id)
    if view is None:
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    if cb.choice == "release":
        flow = begin_flow(rq, "prelease", "date", client_id=cb.id)
        await prompt(
            rq,
            flow,
            t("What is the new expected release date? For example {example}.").format(
                example="15.3.2027"
            ),
            [[(t("Not known"), flow_buttons(flow)("unknown"))]],
        )
        return
    await rq.reply(_render(rq, view))


async def on_item_button(rq: Request, cb: Callback) -> None:
    """pt: tick a prison item done (or open again), or write a note on it."""
    t = rq.t
    if cb.choice == "note":
        if not await partner_service.may_note(rq.core, rq.partner, cb.id):
            await kb.stale(rq.query, t)
            return
        flow = begin_flow(rq, "pnote", "text", item_id=cb.id)
        await answer_query(rq.query)
        await prompt(
            rq,
            flow,
            t("Write the note (at most {n} characters, no health details).").format(
                n=partner_service.MAX_NOTE
            ),
        )
        return
    change = await partner_service.tick(rq.core, rq.partner, cb.id, cb.choice)
    if change.status != "ok" or change.view is None:
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query, t("Saved."))
    message = _render(rq, change.view)
    await edit_query_message(rq.query, message.text, message.buttons)


async def on_note(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    change = await partner_service.partner_note(rq.core, rq.partner, flow.item_id, text)
    if change.status == "invalid":
        await prompt(
            rq,
            flow,
            note_rules(t, partner_service.MAX_NOTE),
        )
        return
    end_flow(rq)
    if change.view is None:
        await rq.reply(t("Sorry, that is not available to you."))
        return
    await rq.reply(t("Saved. The worker sees the note."))
    await rq.reply(_render(rq, change.view))


async def _release(rq: Request, flow: Flow, day_text: str | None) -> None:
    t = rq.t
    day = None
    if day_text is not None:
        today = rq.core.now().astimezone(rq.core.policy.zone).date()
        try:
            day = onboarding.parse_release_date(day_text, today)
        except TimeParseError:
            await prompt(
                rq,
                flow,
                release_date_example(t),
            )
            return
    change = await partner_service.set_release(rq.core, rq.partner, flow.client_id, day)
    end_flow(rq)
    if change.view is None:
        await rq.reply(t("Sorry, that is not available to you."))
        return
    await rq.reply(t("Saved. The worker was told, and the plan's dates moved with it."))
    await rq.reply(_render(rq, change.view))


async def on_release_text(rq: Request, flow: Flow, text: str) -> None:
    await _release(rq, flow, text)


async def on_release_unknown(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    await answer_query(rq.query)
    await _release(rq, flow, None)


async def on_joint_button(rq: Request, cb: Callback) -> None:
    """pa: confirm a joint meeting, or ask for another time; the worker is told."""
    t = rq.t
    change = await joint_meetings.joint_answer(rq.core, rq.partner, cb.id, cb.choice)
    if change.status != "ok":
        await kb.stale(rq.query, t)
        return
    text = (
        t("Thank you, confirmed. The worker was told.")
        if cb.choice == "confirmed"
        else t("The worker was told that you need another time.")
    )
    await answer_query(rq.query, text)
    await chosen(rq, text)
