"""The worker's multi-step conversations (/newclient, /appointment, /deadline, …): the engine.

A conversation's state is a typed `Flow` in the worker's user data; its buttons carry the flow's
token, so a button of an ended or replaced conversation is answered "no longer active". Each
task module writes its own steps; the worker package maps (conversation, step) to them.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.callbacks import Callback
from bot.services import items as item_service
from bot.timeparse import TimeParseError, parse_local_datetime
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import Flow
from handlers.worker.shared import datetime_example, time_problem

TextStep = Callable[[Request, Flow, str], Awaitable[None]]
# A button step gets the verb after the token and the button's item id.
ButtonRun = Callable[[Request, Flow, str, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ButtonStep:
    """What a step's buttons may say (exact verbs, or a prefix), and what runs when they do."""

    run: ButtonRun
    verbs: tuple[str, ...] = ()
    prefix: str = ""

    def accepts(self, verb: str) -> bool:
        return verb in self.verbs or bool(self.prefix and verb.startswith(self.prefix))


def current_flow(rq: Request) -> Flow | None:
    return rq.user_data.flow


def begin_flow(rq: Request, name: str, step: str, **data: Any) -> Flow:
    """A new conversation replaces any earlier one (its buttons stop working)."""
    flow = Flow(name=name, step=step, token=secrets.token_hex(3), **data)
    rq.user_data.flow = flow
    return flow


def end_flow(rq: Request) -> None:
    rq.user_data.flow = None


def flow_buttons(flow: Flow) -> kb.FlowButton:
    return kb.FlowButton(flow.token)


async def prompt(rq: Request, flow: Flow, text: str, rows: kb.Buttons | None = None) -> None:
    """A conversation's question, always with a Cancel button."""
    await rq.reply(OutMessage(text, [*(rows or []), flow_buttons(flow).cancel(rq.t)]))


async def chosen(rq: Request, text: str) -> None:
    """The pressed question keeps its text with the choice shown, and loses its buttons."""
    query = rq.update.callback_query
    if query is None:
        return
    message = query.message
    original = getattr(message, "text_html", None) or ""
    await edit_query_message(query, f"{original}\n\n✔️ {text}" if original else f"✔️ {text}")


async def time_or_ask(rq: Request, flow: Flow, text: str) -> datetime | None:
    """The typed date and time, or None after asking again with the reason and an example."""
    core = rq.core
    zone = core.policy.zone
    try:
        return parse_local_datetime(text, core.now(), zone)
    except TimeParseError as exc:
        if isinstance(exc.suggestion, datetime):
            local = exc.suggestion.astimezone(zone)
            typed = f"{local.day}.{local.month}.{local.year} {local:%H:%M}"
            await ask_guess(rq, flow, typed, rq.t.datetime(exc.suggestion, zone))
        else:
            await prompt(rq, flow, time_problem(rq.t, exc.reason, datetime_example(rq)))
        return None


async def ask_guess(rq: Request, flow: Flow, typed: str, shown: str) -> None:
    """A date without a year that was only recently: "Did you mean …?" with yes and no.

    Read silently as next year it would plan a year late; refused it would puzzle. Yes goes
    on as if `typed` (the date with its year) had been written.
    """
    t = rq.t
    flow.guess = typed
    button = flow_buttons(flow)
    await prompt(
        rq,
        flow,
        t("Did you mean {when}?").format(when=shown),
        [[(t("Yes"), button("gy")), (t("No"), button("gn"))]],
    )


async def on_guess(
    rq: Request, flow: Flow, verb: str, steps: Mapping[tuple[str, str], TextStep]
) -> None:
    """The answer to "Did you mean …?": yes continues with that date, no asks for the year."""
    t = rq.t
    await answer_query(rq.query)
    guess, flow.guess = flow.guess, ""
    step = steps.get((flow.name, flow.step))
    if verb == "gy" and guess and step is not None:
        await chosen(rq, t("Yes"))
        await step(rq, flow, guess)
        return
    await chosen(rq, t("No"))
    await prompt(rq, flow, t("Please write the date again, with the year."))


async def text_or_ask(rq: Request, flow: Flow, text: str, limit: int, problem: str) -> str | None:
    """The typed text tidied if it fits `limit`, or None after asking again with `problem`."""
    value = item_service.clean_text(text, limit)
    if value is None:
        await prompt(rq, flow, problem.format(n=limit))
    return value


async def cmd_cancel(rq: Request) -> None:
    """/cancel: stop the conversation in progress."""
    t = rq.t
    if current_flow(rq) is None:
        await rq.reply(t("There is nothing to cancel."))
        return
    end_flow(rq)
    await rq.reply(t("Cancelled. Nothing was saved."))


async def take_text(rq: Request, text: str, steps: Mapping[tuple[str, str], TextStep]) -> bool:
    """Typed text for the conversation in progress; False when there is none."""
    flow = current_flow(rq)
    if flow is None:
        return False
    step = steps.get((flow.name, flow.step))
    if step is not None:
        await step(rq, flow, text)
    else:
        await rq.reply(rq.t("Please use the buttons above, or /cancel."))
    return True


async def press(rq: Request, cb: Callback, steps: Mapping[tuple[str, str], ButtonStep]) -> None:
    """A button of a conversation: valid only for the conversation in progress and its step."""
    query = rq.query
    t = rq.t
    token, _, verb = cb.choice.partition(".")
    flow = current_flow(rq)
    if flow is None or flow.token != token:
        await kb.stale(query, t)
        return
    if verb == "x":
        end_flow(rq)
        await answer_query(query)
        await chosen(rq, t("Cancelled. Nothing was saved."))
        return
    step = steps.get((flow.name, flow.step))
    if step is None or not step.accepts(verb):
        await kb.stale(query, t)
        return
    await step.run(rq, flow, verb, cb.id)
