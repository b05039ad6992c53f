"""/plan: a client's release plan; tick, add and remove items."""

from __future__ import annotations

from bot.callbacks import Callback
from bot.i18n import Translator
from bot.messages import PLAN_OWNERS, h
from bot.partner_text import note_rules
from bot.policy import Policy
from bot.services import items as item_service
from bot.services import partners as partner_service
from bot.services import plan as plan_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import Flow
from handlers.keyboards import plan_item_title
from handlers.worker.flow import begin_flow, end_flow, prompt
from handlers.worker.shared import client_name, item_problem, not_found, pick_client
from storage.models import Client, PlanItem


async def cmd_plan(rq: Request) -> None:
    """/plan [CLIENT]: the release plan; tap to tick, add or remove items."""
    client = await pick_client(rq, "plan")
    if client is not None:
        await show_plan(rq, client.id)


def _item_line(t: Translator, policy: Policy, client: Client, item: PlanItem) -> str:
    """'☐ ID card — Prison, 12 Dec (14 days before release)'."""
    parts = [t(PLAN_OWNERS.get(item.owner, item.owner))]
    due = item.due(client.release_date)
    if due is not None:
        parts.append(t.day(due))
    if item.due_date is None and item.due_offset is not None:
        parts.append(_relative(t, item.due_offset))
    line = kb.PLAN_MARKS.get(item.state, "☐ ") + h(plan_item_title(policy, t, item))
    return line + " — " + ", ".join(parts)


def _relative(t: Translator, days: int) -> str:
    if days == 0:
        return t("on release day")
    if days < 0:
        return t.ngettext("{n} day before release", "{n} days before release", -days).format(
            n=-days
        )
    return t.ngettext("{n} day after release", "{n} days after release", days).format(n=days)


def _plan_text(t: Translator, client: Client, items: list[PlanItem], policy: Policy) -> str:
    done = sum(1 for i in items if i.state == "done")
    lines = [
        t("📋 Release plan of {client}: {done} of {total} done.").format(
            client=client_name(t, client), done=done, total=len(items)
        )
    ]
    if client.release_date is not None:
        lines.append(t("Release date: {date}").format(date=t.day(client.release_date)))
    lines.extend(_item_line(t, policy, client, i) for i in items[: kb.MAX_PICK])
    if items and client.status != "closed":
        lines.append(
            t("Tap an item to tick it, ✏️ for its owner and date. The client sees it with /next.")
        )
    elif not items:
        lines.append(t("The plan is empty."))
    return "\n".join(lines)


async def _full_text(rq: Request, client: Client, items: list[PlanItem]) -> str:
    """The plan with what the prison partner ticked and the notes of both sides."""
    t = rq.t
    text = _plan_text(t, client, items, rq.core.policy)
    marks = await partner_service.plan_marks(rq.core, rq.me, client.id)
    zone = rq.core.policy.zone
    titles = {i.id: plan_item_title(rq.core.policy, t, i) for i in items}
    lines = [
        t("☑ {item}: ticked by {partner}, {when}").format(
            item=h(titles.get(item_id, "?")), partner=t.ltr(h(who)), when=t.stamp(at, zone)
        )
        for item_id, (who, at) in marks.ticks.items()
    ]
    lines += [
        f"📝 {h(titles.get(item_id, '?'))} — {t.ltr(h(who))}: {h(note)}"
        for item_id, group in marks.notes.items()
        for who, note, _ in group
    ]
    return "\n".join([text, *lines]) if lines else text


async def show_plan(rq: Request, client_id: int) -> None:
    t = rq.t
    client, items = await item_service.open_plan(rq.core, rq.me, client_id)
    if client is None:
        await rq.reply(not_found(t))
        return
    await rq.reply(
        OutMessage(
            await _full_text(rq, client, items),
            kb.plan_view(t, client, items, rq.core.policy),
        )
    )


async def on_plan_button(rq: Request, cb: Callback) -> None:
    """Tick an item (id is the item), or add / remove / back (id is the client)."""
    query = rq.query
    t = rq.t
    core = rq.core
    me = rq.me
    if cb.choice in ("item", "due", "note") or cb.choice[:1] in ("o", "s"):
        await _on_item(rq, cb)
        return
    if cb.choice in ("tick", "del"):
        result = (
            await item_service.toggle_plan_item(core, "worker", me.id, cb.id)
            if cb.choice == "tick"
            else await item_service.remove_plan_item(core, me, cb.id)
        )
        if result.status != "ok" or result.client is None:
            await answer_query(
                query,
                t("This button is no longer active.")
                if result.status == "not_found"
                else item_problem(t, result),
            )
            return
        await answer_query(query)
        client, items = await item_service.current_plan(core, me, result.client.id)
        if client is not None:
            buttons = (
                kb.plan_view(t, client, items, rq.core.policy)
                if cb.choice == "tick"
                else kb.plan_remove(t, client, items, rq.core.policy)
            )
            await edit_query_message(query, await _full_text(rq, client, items), buttons)
        return
    client, items = await item_service.current_plan(core, me, cb.id)
    if client is None or cb.choice not in ("add", "edit", "view"):
        await kb.stale(query, t)
        return
    await answer_query(query)
    if cb.choice == "view":
        await edit_query_message(
            query,
            await _full_text(rq, client, items),
            kb.plan_view(t, client, items, rq.core.policy),
        )
    elif cb.choice == "edit":
        await edit_query_message(
            query,
            await _full_text(rq, client, items) + "\n" + t("Tap an item to remove it."),
            kb.plan_remove(t, client, items, rq.core.policy),
        )
    else:
        flow = begin_flow(rq, "planadd", "title", client_id=client.id)
        await prompt(
            rq,
            flow,
            t("Write the new item for the plan of {client}, at most {n} characters.").format(
                client=client_name(t, client), n=item_service.MAX_PLAN_TITLE
            ),
        )


async def on_title(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    result = await item_service.add_plan_item(rq.core, rq.me, flow.client_id, text)
    if result.status == "invalid":
        await prompt(
            rq,
            flow,
            t("Please write it in at most {n} characters.").format(n=item_service.MAX_PLAN_TITLE),
        )
        return
    end_flow(rq)
    if result.status != "ok":
        await rq.reply(item_problem(t, result))
        return
    await show_plan(rq, flow.client_id)


async def _on_item(rq: Request, cb: Callback) -> None:
    """One item's menu: owner (o...), state (s...), or a new due date typed by the worker."""
    t = rq.t
    core = rq.core
    if cb.choice[:1] == "o" and cb.choice != "open":
        result = await plan_service.set_owner(core, rq.me, cb.id, cb.choice[1:])
    elif cb.choice[:1] == "s":
        result = await plan_service.set_state(core, rq.me, cb.id, cb.choice[1:])
    else:
        result = await plan_service.item_of_worker(core, rq.me, cb.id)
    if result.status != "ok" or result.item is None or result.client is None:
        await answer_query(rq.query, t("This button is no longer active."))
        return
    await answer_query(rq.query)
    if cb.choice == "due":
        flow = begin_flow(rq, "plandue", "due", client_id=result.client.id, item_id=result.item.id)
        await prompt(rq, flow, _due_question(t))
        return
    if cb.choice == "note":
        flow = begin_flow(
            rq, "plannote", "text", client_id=result.client.id, item_id=result.item.id
        )
        await prompt(
            rq,
            flow,
            t("Write the note for the prison (at most {n} characters, no health details).").format(
                n=partner_service.MAX_NOTE
            ),
        )
        return
    text = _item_line(t, core.policy, result.client, result.item)
    await edit_query_message(rq.query, text, kb.plan_item_menu(t, result.item))


def _due_question(t: Translator) -> str:
    return t(
        "When is it due? Days from the release date, like -14d (two weeks before), 0d (release "
        "day) or +7d, or a date like 15.1.2027. A dash (-) takes the date away."
    )


async def on_due(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    result = await plan_service.set_due(rq.core, rq.me, flow.item_id, text)
    if result.status == "invalid":
        await prompt(rq, flow, _due_question(t))
        return
    end_flow(rq)
    if result.status != "ok":
        await rq.reply(item_problem(t, result))
        return
    await show_plan(rq, flow.client_id)


async def on_note(rq: Request, flow: Flow, text: str) -> None:
    """The worker's note on a prison item: the linked partners are told."""
    t = rq.t
    result = await partner_service.worker_note(rq.core, rq.me, flow.item_id, text)
    if result.status == "invalid":
        await prompt(
            rq,
            flow,
            note_rules(t, partner_service.MAX_NOTE),
        )
        return
    end_flow(rq)
    if result.status != "ok":
        await rq.reply(t("This button is no longer active."))
        return
    await show_plan(rq, flow.client_id)
