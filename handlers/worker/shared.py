"""Helpers the worker's task modules share: naming clients, finding one, dates, limits."""

from __future__ import annotations

from datetime import date, timedelta

from bot.i18n import N_, Translator
from bot.messages import h
from bot.services import items as item_service
from bot.services import workers as worker_service
from bot.timeparse import example_datetime
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request
from storage.models import Client

MAX_TEXT = 3800  # under Telegram's 4096, leaving room for a closing line


def client_name(t: Translator, client: Client) -> str:
    return t.ltr(h(client.label))


def closed_text(t: Translator, client: Client) -> str:
    return t("{client} is closed.").format(client=client_name(t, client))


def as_code(text: str) -> str:
    return f"<code>{h(text)}</code>"


def fit(lines: list[str], more: str) -> str:
    """Lines up to Telegram's length limit; `more` (with {n}) says how many were left out."""
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > MAX_TEXT:
            out.append(more.format(n=len(lines) - i))
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


async def send_tracked(rq: Request, message: OutMessage) -> int | None:
    """Send into the update's chat and return the message id (for cards a reply may answer);
    None when Telegram would not take it now and the outbox delivers it later."""
    return await rq.reply(message)


def not_found(t: Translator, status: str = "none") -> str:
    """An unknown, ambiguous or not-visible client (existence is never revealed)."""
    if status == "many":
        return t(
            "More than one client has that name; use the number, e.g. #12. "
            "/clients shows your clients and their numbers."
        )
    return t("No such client among yours. /clients shows your clients and their numbers.")


async def find_client(rq: Request, ref: str) -> Client | None:
    """A client from a command argument, or a polite answer why not."""
    found = await worker_service.find_client(rq.core, rq.me, ref)
    if found.client is None:
        await rq.reply(not_found(rq.t, found.status))
    return found.client


# The commands about one client: action (as on the client buttons) -> (command, question asked
# when no client is named).
PICKS: dict[str, tuple[str, str]] = {
    "appt": ("appointment", N_("Whom is the appointment with?")),
    "appts": ("appointments", N_("Whose appointments?")),
    "dl": ("deadline", N_("Whose deadline?")),
    "dls": ("deadlines", N_("Whose deadlines?")),
    "plan": ("plan", N_("Whose release plan?")),
    "ct": ("contacts", N_("Whose contacts?")),
    "inv": ("invite", N_("Whom is the new invite for?")),
    "close": ("close", N_("Whose service do you want to end?")),
    "sum": ("summary", N_("Whose summary for the client record?")),
}


async def pick_client(rq: Request, action: str) -> Client | None:
    """The client named after the command; without one, buttons of the worker's own clients."""
    ref = rq.args
    if ref:
        return await find_client(rq, ref)
    t = rq.t
    command, question = PICKS[action]
    rows = await worker_service.my_clients(rq.core, rq.me)
    clients = [r.client for r in rows if r.client.status != "closed"]
    if not clients:
        await rq.reply(
            t(
                "You have no clients of your own yet. Add one with /newclient, or write a "
                "team client's number after the command, e.g. {example}."
            ).format(example=as_code(f"/{command} 12")),
        )
        return None
    text = t(question)
    if len(clients) > kb.MAX_PICK:
        text += "\n" + t(
            "Not all fit here: write the number after the command, e.g. {example}."
        ).format(example=as_code(f"/{command} 12"))
    await rq.reply(OutMessage(text, kb.client_picker(clients, action)))
    return None


def today(rq: Request) -> date:
    core = rq.core
    return core.now().astimezone(core.policy.zone).date()


def date_example(rq: Request) -> str:
    day = today(rq) + timedelta(days=14)
    return f"{day.day}.{day.month}.{day.year}"


def datetime_example(rq: Request) -> str:
    core = rq.core
    return example_datetime(core.now(), core.policy.zone)


# Why a typed date and time (or a date) was refused, by TimeParseError.reason; "format" for
# any other reason.
TIME_PROBLEMS = {
    "past": N_("That time has already passed. Write a time in the future, like {example}."),
    "impossible": N_("That date or time does not exist. Write it like {example}."),
    "format": N_("I could not read that. Write the date and time like {example}."),
}


DATE_PROBLEMS = {
    "past": N_("That date has already passed. Write a date from today on, like {example}."),
    "impossible": N_("That date does not exist. Write it like {example}."),
    "format": N_("I could not read that date. Write it like {example}."),
}


def _problem(t: Translator, texts: dict[str, str], reason: str, example: str) -> str:
    """Why a typed date or time was refused, with an example that works."""
    return t(texts.get(reason, texts["format"])).format(example=as_code(example))


def time_problem(t: Translator, reason: str, example: str) -> str:
    return _problem(t, TIME_PROBLEMS, reason, example)


def date_problem(t: Translator, reason: str, example: str) -> str:
    return _problem(t, DATE_PROBLEMS, reason, example)


def item_problem(t: Translator, result: item_service.ItemResult) -> str:
    """Why a change to an appointment, deadline or plan item was not made."""
    if result.status == "closed" and result.client is not None:
        return closed_text(t, result.client)
    if result.status == "gone":
        return t("This has already changed. Nothing was done.")
    if result.status == "past":
        return t("That time has already passed. Nothing was saved.")
    if result.status == "too_far":
        return t("That date is more than five years ahead. Nothing was saved.")
    if result.status == "invalid":
        return t("That does not fit. Nothing was saved.")
    return t("No such client among yours.")
