"""/plan: a client's release plan; tick, add and remove items."""

from __future__ import annotations

from bot.callbacks import Callback
from bot.i18n import Translator
from bot.services import items as item_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import Flow
from handlers.worker.flow import begin_flow, end_flow, prompt
from handlers.worker.shared import client_name, item_problem, not_found, pick_client
from storage.models import Client, PlanItem


async def cmd_plan(rq: Request) -> None:
    """/plan [CLIENT]: the release plan; tap to tick, add or remove items."""
    client = await pick_client(rq, "plan")
    if client is not None:
        await show_plan(rq, client.id)


def _plan_text(t: Translator, client: Client, items: list[PlanItem]) -> str:
    done = sum(1 for i in items if i.done_at is not None)
    lines = [
        t("📋 Release plan of {client}: {done} of {total} done.").format(
            client=client_name(t, client), done=done, total=len(items)
        )
    ]
    if client.release_date is not None:
        lines.append(t("Release date: {date}").format(date=t.day(client.release_date)))
    if items and client.status != "closed":
        lines.append(t("Tap an item to tick it. The client sees the plan with /next."))
    elif not items:
        lines.append(t("The plan is empty."))
    return "\n".join(lines)


async def show_plan(rq: Request, client_id: int) -> None:
    t = rq.t
    client, items = await item_service.open_plan(rq.core, rq.me, client_id)
    if client is None:
        await rq.reply(not_found(t))
        return
    await rq.reply(OutMessage(_plan_text(t, client, items), kb.plan_view(t, client, items)))


async def on_plan_button(rq: Request, cb: Callback) -> None:
    """Tick an item (id is the item), or add / remove / back (id is the client)."""
    query = rq.query
    t = rq.t
    core = rq.core
    me = rq.me
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
                kb.plan_view(t, client, items)
                if cb.choice == "tick"
                else kb.plan_remove(t, client, items)
            )
            await edit_query_message(query, _plan_text(t, client, items), buttons)
        return
    client, items = await item_service.current_plan(core, me, cb.id)
    if client is None or cb.choice not in ("add", "edit", "view"):
        await kb.stale(query, t)
        return
    await answer_query(query)
    if cb.choice == "view":
        await edit_query_message(
            query, _plan_text(t, client, items), kb.plan_view(t, client, items)
        )
    elif cb.choice == "edit":
        await edit_query_message(
            query,
            _plan_text(t, client, items) + "\n" + t("Tap an item to remove it."),
            kb.plan_remove(t, client, items),
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
