"""/deadline, /deadlines: benefit deadlines of a client."""

from __future__ import annotations

from datetime import date

from bot.callbacks import Callback, encode
from bot.messages import h
from bot.services import items as item_service
from bot.timeparse import TimeParseError, parse_local_date
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import Flow
from handlers.worker.flow import (
    ask_guess,
    begin_flow,
    chosen,
    end_flow,
    flow_buttons,
    prompt,
    text_or_ask,
)
from handlers.worker.shared import (
    as_code,
    client_name,
    closed_text,
    date_example,
    date_problem,
    fit,
    item_problem,
    not_found,
    pick_client,
    today,
)
from storage.models import Client, Deadline


async def cmd_deadline(rq: Request) -> None:
    """/deadline [CLIENT]: kind, (text), due date, every month or not."""
    client = await pick_client(rq, "dl")
    if client is not None:
        await start_deadline(rq, client)


async def start_deadline(rq: Request, client: Client) -> None:
    t = rq.t
    if client.status == "closed":
        await rq.reply(closed_text(t, client))
        return
    policy = rq.core.policy
    kinds = list(policy.benefit_kinds)
    flow = begin_flow(rq, "deadline", "kind", client_id=client.id, label=client.label, kinds=kinds)
    button = flow_buttons(flow)
    lang = rq.me.language
    rows = [
        [(kb.short(policy.benefit_label(kind, lang), 60), button(f"k{i}"))]
        for i, kind in enumerate(kinds[: kb.MAX_PICK])
    ]
    await prompt(
        rq,
        flow,
        t("What is the deadline of {client} about?").format(client=client_name(t, client)),
        rows,
    )


async def on_kind(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    query = rq.query
    t = rq.t
    kinds = flow.kinds
    index = verb[1:]
    if (
        not index.isdigit()
        or int(index) >= len(kinds)
        or kinds[int(index)] not in rq.core.policy.benefit_kinds
    ):
        await kb.stale(query, t)
        return
    await answer_query(query)
    kind = kinds[int(index)]
    flow.kind = kind
    await chosen(rq, rq.core.policy.benefit_label(kind, rq.me.language))
    if kind == "other":
        flow.step = "label"
        await prompt(
            rq,
            flow,
            t("What is it? A short text, at most {n} characters.").format(n=item_service.MAX_LABEL),
        )
        return
    await _ask_due(rq, flow)


async def _ask_due(rq: Request, flow: Flow) -> None:
    t = rq.t
    flow.step = "due"
    await prompt(
        rq,
        flow,
        t("By which date? For example {example}.").format(example=as_code(date_example(rq))),
    )


async def on_label(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    label = await text_or_ask(
        rq,
        flow,
        text,
        item_service.MAX_LABEL,
        t("Please write it in at most {n} characters."),
    )
    if label is None:
        return
    flow.text = label
    await _ask_due(rq, flow)


async def on_due(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    try:
        due = parse_local_date(text, today(rq))
    except TimeParseError as exc:
        if isinstance(exc.suggestion, date):
            when = exc.suggestion
            await ask_guess(rq, flow, f"{when.day}.{when.month}.{when.year}", t.day(when))
        else:
            await prompt(rq, flow, date_problem(t, exc.reason, date_example(rq)))
        return
    flow.due = due
    flow.step = "monthly"
    button = flow_buttons(flow)
    await prompt(
        rq,
        flow,
        t("Due {date}. Does it come back every month?").format(date=t.day(due)),
        [[(t("🔁 Every month"), button("m1")), (t("Only once"), button("m0"))]],
    )


async def on_monthly(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    query = rq.query
    t = rq.t
    assert flow.due is not None  # the monthly step comes after the date
    end_flow(rq)
    monthly = verb == "m1"
    result = await item_service.add_deadline(
        rq.core,
        rq.me,
        flow.client_id,
        flow.kind,
        flow.due,
        monthly=monthly,
        label=flow.text,
    )
    await answer_query(query)
    if result.status != "ok" or result.deadline is None:
        await chosen(rq, item_problem(t, result))
        return
    await chosen(
        rq,
        (t("Every month") if monthly else t("Only once"))
        + "\n"
        + t("Saved. {client} gets reminders before the date.").format(client=t.ltr(h(flow.label))),
    )


def _deadline_what(rq: Request, dl: Deadline) -> str:
    if dl.kind == "other" and dl.label:
        return dl.label
    return rq.core.policy.benefit_label(dl.kind, rq.me.language)


async def cmd_deadlines(rq: Request) -> None:
    """/deadlines [CLIENT]: open deadlines with cancel buttons."""
    client = await pick_client(rq, "dls")
    if client is not None:
        await show_deadlines(rq, client.id)


async def _deadlines_message(rq: Request, client_id: int) -> OutMessage | None:
    t = rq.t
    client, found = await item_service.open_deadlines(rq.core, rq.me, client_id)
    if client is None:
        return None
    if not found:
        return OutMessage(
            t("{client} has no open deadlines. Add one: {command}").format(
                client=client_name(t, client), command=as_code(f"/deadline {client.id}")
            )
        )
    lines = [t("Open deadlines of {client}:").format(client=client_name(t, client))]
    rows: kb.Buttons = []
    for dl in found[: kb.MAX_PICK]:
        what = _deadline_what(rq, dl)
        line = "• " + t("{what}, last day: {date}").format(what=h(what), date=t.day(dl.due_date))
        if dl.monthly:
            line += " " + t("(every month)")
        lines.append(line)
        rows.append(
            [
                (
                    t("✖ Cancel: {what}, {date}").format(
                        what=kb.short(what, 28), date=t.date(dl.due_date)
                    ),
                    encode("wd", dl.id, "cancel"),
                )
            ]
        )
    return OutMessage(fit(lines, t("… and {n} more.")), rows)


async def show_deadlines(rq: Request, client_id: int) -> None:
    t = rq.t
    message = await _deadlines_message(rq, client_id)
    await rq.reply(message or not_found(t))


async def on_deadline_button(rq: Request, cb: Callback) -> None:
    """Cancel a deadline from the /deadlines list."""
    query = rq.query
    t = rq.t
    if cb.choice != "cancel":
        await kb.stale(query, t)
        return
    result = await item_service.cancel_deadline(rq.core, rq.me, cb.id)
    if result.status != "ok" or result.client is None:
        await kb.stale(query, t)
        return
    await answer_query(query, t("Cancelled."))
    message = await _deadlines_message(rq, result.client.id)
    if message is not None:
        await edit_query_message(query, message.text, message.buttons)
