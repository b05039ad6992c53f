"""The worker's side of the bot: clients, invites, appointments, deadlines, plans, alerts.

Multi-step conversations (/newclient, /appointment, /deadline, changing a time, adding a plan
item) keep their state in `context.user_data["flow"]`; their buttons carry the flow's token,
so a button of an ended or replaced conversation is answered "no longer active".
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.constants import ParseMode

from bot.callbacks import Callback, encode
from bot.i18n import LANGUAGE_NAMES, N_, Translator, available_languages, translator
from bot.messages import alert_card, choice_label, h
from bot.services import alerts as alert_service
from bot.services import items as item_service
from bot.services import onboarding
from bot.services import workers as worker_service
from bot.services.access import Who
from bot.services.onboarding import InviteCard, OnboardingError
from bot.timeparse import TimeParseError, example_datetime, parse_local_datetime
from bot.transport import OutMessage, keyboard
from handlers import keyboards as kb
from handlers.common import (
    SiltaContext,
    answer_query,
    command_args,
    edit_query_message,
    lang_of,
    reply,
)
from storage.models import Appointment, Client, Deadline, PlanItem, Worker

Command = Callable[[Update, SiltaContext, Who], Awaitable[None]]
Press = Callable[[Update, SiltaContext, Who, Callback], Awaitable[None]]

MENU = (
    ("clients", N_("Your clients")),
    ("newclient", N_("Add a client and make an invite")),
    ("appointment", N_("Book an appointment")),
    ("appointments", N_("A client's appointments: change or cancel")),
    ("deadline", N_("Add a benefit deadline")),
    ("deadlines", N_("A client's benefit deadlines")),
    ("plan", N_("A client's release plan")),
    ("alerts", N_("Open alerts")),
    ("reply", N_("Write to a client")),
    ("invite", N_("A new invite for a client")),
    ("handover", N_("Hand a client over to a colleague")),
    ("close", N_("End a client's service")),
    ("cancel", N_("Stop what you are doing")),
    ("help", N_("What I can do")),
)
STATUS_MARKS = {
    "invited": ("⏳", N_("not joined yet")),
    "active": ("✅", N_("active")),
    "paused": ("⏸", N_("paused")),
    "unreachable": ("📵", N_("unreachable")),
    "closed": ("⛔", N_("closed")),
}
MAX_TEXT = 3800  # under Telegram's 4096, leaving room for a closing line
MAX_ALERT_CARDS = 10
FLOW = "flow"


def _me(who: Who) -> Worker:
    assert who.worker is not None
    return who.worker


def _client(t: Translator, client: Client) -> str:
    return t.ltr(h(client.label))


def _closed(t: Translator, client: Client) -> str:
    return t("{client} is closed.").format(client=_client(t, client))


def _code(text: str) -> str:
    return f"<code>{h(text)}</code>"


def _fit(lines: list[str], more: str) -> str:
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


async def _send(update: Update, message: OutMessage) -> int | None:
    """Send into the update's chat and return the message id (for cards a reply may answer)."""
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await update.get_bot().send_message(
        chat.id, message.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(message.buttons)
    )
    return sent.message_id


def _not_found(t: Translator, status: str = "none") -> str:
    """An unknown, ambiguous or not-visible client (existence is never revealed)."""
    if status == "many":
        return t(
            "More than one client has that name; use the number, e.g. #12. "
            "/clients shows your clients and their numbers."
        )
    return t("No such client among yours. /clients shows your clients and their numbers.")


async def _find(update: Update, context: SiltaContext, who: Who, ref: str) -> Client | None:
    """A client from a command argument, or a polite answer why not."""
    found = await worker_service.find_client(context.core, _me(who), ref)
    if found.client is None:
        await reply(update, _not_found(lang_of(update, who), found.status))
    return found.client


# The commands about one client: action (as on the client buttons) -> (command, question asked
# when no client is named).
PICKS: dict[str, tuple[str, str]] = {
    "appt": ("appointment", N_("Whom is the appointment with?")),
    "appts": ("appointments", N_("Whose appointments?")),
    "dl": ("deadline", N_("Whose deadline?")),
    "dls": ("deadlines", N_("Whose deadlines?")),
    "plan": ("plan", N_("Whose release plan?")),
    "inv": ("invite", N_("Whom is the new invite for?")),
    "close": ("close", N_("Whose service do you want to end?")),
}


async def _for_client(update: Update, context: SiltaContext, who: Who, action: str) -> None:
    """A command about one client: the one named after it, or a pick; then its action."""
    client = await _client_or_pick(update, context, who, action)
    if client is not None:
        await CLIENT_ACTIONS[action](update, context, who, client)


async def _client_or_pick(
    update: Update, context: SiltaContext, who: Who, action: str
) -> Client | None:
    """The client named after the command; without one, buttons of the worker's own clients."""
    ref = command_args(update)
    if ref:
        return await _find(update, context, who, ref)
    t = lang_of(update, who)
    command, question = PICKS[action]
    rows = await worker_service.my_clients(context.core, _me(who))
    clients = [r.client for r in rows if r.client.status != "closed"]
    if not clients:
        await reply(
            update,
            t(
                "You have no clients of your own yet. Add one with /newclient, or write a "
                "team client's number after the command, e.g. {example}."
            ).format(example=_code(f"/{command} 12")),
        )
        return None
    text = t(question)
    if len(clients) > kb.MAX_PICK:
        text += "\n" + t(
            "Not all fit here: write the number after the command, e.g. {example}."
        ).format(example=_code(f"/{command} 12"))
    await reply(update, OutMessage(text, kb.client_picker(clients, action)))
    return None


# --- conversations ------------------------------------------------------------------------------


def _flow(context: SiltaContext) -> dict[str, Any] | None:
    data = context.user_data.get(FLOW) if context.user_data is not None else None
    return data if isinstance(data, dict) else None


def _begin(context: SiltaContext, name: str, step: str, **data: Any) -> dict[str, Any]:
    """A new conversation replaces any earlier one (its buttons stop working)."""
    assert context.user_data is not None
    flow = {"name": name, "step": step, "token": secrets.token_hex(3), "data": data}
    context.user_data[FLOW] = flow
    return flow


def _end(context: SiltaContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(FLOW, None)


def _buttons(flow: dict[str, Any]) -> kb.FlowButton:
    return kb.FlowButton(flow["token"])


async def _prompt(
    update: Update, t: Translator, flow: dict[str, Any], text: str, rows: kb.Buttons | None = None
) -> None:
    """A conversation's question, always with a Cancel button."""
    await reply(update, OutMessage(text, [*(rows or []), _buttons(flow).cancel(t)]))


async def _chosen(update: Update, t: Translator, text: str) -> None:
    """The pressed question keeps its text with the choice shown, and loses its buttons."""
    query = update.callback_query
    if query is None:
        return
    message = query.message
    original = getattr(message, "text_html", None) or ""
    await edit_query_message(query, f"{original}\n\n✔️ {text}" if original else f"✔️ {text}")


def _today(context: SiltaContext) -> date:
    core = context.core
    return core.now().astimezone(core.policy.zone).date()


def _date_example(context: SiltaContext) -> str:
    day = _today(context) + timedelta(days=14)
    return f"{day.day}.{day.month}.{day.year}"


def _datetime_example(context: SiltaContext) -> str:
    core = context.core
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
    return t(texts.get(reason, texts["format"])).format(example=_code(example))


def _time_problem(t: Translator, reason: str, example: str) -> str:
    return _problem(t, TIME_PROBLEMS, reason, example)


def _date_problem(t: Translator, reason: str, example: str) -> str:
    return _problem(t, DATE_PROBLEMS, reason, example)


async def cmd_cancel(update: Update, context: SiltaContext, who: Who) -> None:
    """/cancel: stop the conversation in progress."""
    t = lang_of(update, who)
    if _flow(context) is None:
        await reply(update, t("There is nothing to cancel."))
        return
    _end(context)
    await reply(update, t("Cancelled. Nothing was saved."))


# --- /newclient ---------------------------------------------------------------------------------


async def cmd_newclient(update: Update, context: SiltaContext, who: Who) -> None:
    """/newclient [NICKNAME]: nickname, language, release date, backup; then the invite."""
    t = lang_of(update, who)
    flow = _begin(context, "newclient", "nickname")
    nickname = command_args(update)
    if nickname:
        await _nc_nickname(update, context, who, flow, nickname)
        return
    await _prompt(
        update,
        t,
        flow,
        t(
            "What should the new client be called here? A first name or a nickname is enough. "
            "Never write an identity number."
        ),
    )


def _nickname_problem(t: Translator, code: str) -> str:
    if code == "identity_code":
        return t(
            "That looks like a personal identity code. Please use only a first name or a nickname."
        )
    return t("Please write a nickname of 1 to {n} characters.").format(n=onboarding.MAX_NICKNAME)


async def _nc_nickname(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str
) -> None:
    t = lang_of(update, who)
    try:
        nickname = onboarding.check_nickname(text)
    except OnboardingError as exc:
        await _prompt(update, t, flow, _nickname_problem(t, exc.code))
        return
    flow["data"]["nickname"] = nickname
    flow["step"] = "language"
    rows = kb.languages(t, _buttons(flow), available_languages())
    await _prompt(
        update,
        t,
        flow,
        t("Which language does {client} read?").format(client=t.ltr(h(nickname))),
        rows,
    )


async def _nc_language(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], verb: str
) -> None:
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    code = verb.removeprefix("lang-")
    if code != "auto" and code not in available_languages():
        await kb.stale(query, t)
        return
    await answer_query(query)
    flow["data"]["language"] = None if code == "auto" else code
    await _chosen(
        update, t, t("The client's phone decides") if code == "auto" else LANGUAGE_NAMES[code]
    )
    flow["step"] = "release"
    await _prompt(
        update,
        t,
        flow,
        t(
            "When is {client} released? Write the date, e.g. {example}. A date that has passed is "
            "fine too. Tap Skip if you do not know."
        ).format(client=t.ltr(h(flow["data"]["nickname"])), example=_code(_date_example(context))),
        [[(t("Skip"), _buttons(flow)("skip"))]],
    )


async def _nc_release(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str | None
) -> None:
    t = lang_of(update, who)
    if text is not None:
        try:
            day = onboarding.parse_release_date(text, _today(context))
        except TimeParseError as exc:
            await _prompt(
                update,
                t,
                flow,
                _date_problem(t, exc.reason, _date_example(context)),
                [[(t("Skip"), _buttons(flow)("skip"))]],
            )
            return
        flow["data"]["release"] = day.isoformat()
    else:
        flow["data"]["release"] = None
    candidates = await worker_service.backup_candidates(context.core, _me(who))
    if not candidates:
        await _nc_create(update, context, who, flow, None)
        return
    flow["step"] = "backup"
    button = _buttons(flow)
    rows = kb.pairs([(kb.short(w.name), button("bk", w.id)) for w in candidates[: kb.MAX_PICK]])
    rows.append([(t("No backup"), button("bk", 0))])
    await _prompt(
        update,
        t,
        flow,
        t("Who backs you up with {client} when you are away?").format(
            client=t.ltr(h(flow["data"]["nickname"]))
        ),
        rows,
    )


async def _nc_create(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], backup_id: int | None
) -> None:
    t = lang_of(update, who)
    data = flow["data"]
    _end(context)
    try:
        card = await onboarding.create_client(
            context.core,
            _me(who),
            data["nickname"],
            language=data.get("language"),
            release_date=date.fromisoformat(data["release"]) if data.get("release") else None,
            backup_worker_id=backup_id,
        )
    except OnboardingError as exc:
        text = (
            t("That colleague cannot be a backup now. Start again with /newclient.")
            if exc.code == "backup"
            else _nickname_problem(t, exc.code)
        )
        await reply(update, text)
        return
    await _send_invite(update, context, who, card, new=True)


async def _send_invite(
    update: Update, context: SiltaContext, who: Who, card: InviteCard, *, new: bool
) -> None:
    """The invite card: link, code grouped for typing, expiry, and a printable QR image."""
    t = lang_of(update, who)
    zone = context.core.policy.zone
    assert card.client is not None
    lines = [
        (
            t("✅ {client} was added. The invite:")
            if new
            else t("🔗 A new invite for {client}. The earlier one no longer works.")
        ).format(client=_client(t, card.client)),
        t("Link: {link}").format(link=t.ltr(h(card.link))),
        t("Code: {code}").format(code=t.ltr(_code(card.grouped))),
        t("Valid until {when}").format(when=t.datetime(card.expires_at, zone)),
        "",
        t(
            "Print the QR image or give the code. The client opens the link with Telegram, or "
            "sends the code to @{bot}."
        ).format(bot=h(context.core.bot_username)),
    ]
    await reply(update, OutMessage("\n".join(lines), photo=card.qr()))


async def cmd_invite(update: Update, context: SiltaContext, who: Who) -> None:
    """/invite CLIENT: a new invite (for a new phone or a lost card); the old one stops."""
    await _for_client(update, context, who, "inv")


async def _new_invite(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    t = lang_of(update, who)
    try:
        card = await onboarding.new_client_invite(
            context.core, _me(who), client, actor=worker_service.actor_kind(_me(who))
        )
    except OnboardingError:
        await reply(update, _closed(t, client))
        return
    await _send_invite(update, context, who, card, new=False)


# --- /appointment, /appointments ------------------------------------------------------------------


async def cmd_appointment(update: Update, context: SiltaContext, who: Who) -> None:
    """/appointment [CLIENT]: time, place, confirm."""
    await _for_client(update, context, who, "appt")


async def _start_appointment(
    update: Update, context: SiltaContext, who: Who, client: Client
) -> None:
    t = lang_of(update, who)
    if client.status == "closed":
        await reply(update, _closed(t, client))
        return
    flow = _begin(context, "appointment", "when", client_id=client.id, label=client.label)
    await _prompt(
        update,
        t,
        flow,
        t("When is the appointment with {client}? Write the date and time, e.g. {example}.").format(
            client=_client(t, client), example=_code(_datetime_example(context))
        ),
    )


async def _time_or_ask(
    update: Update, context: SiltaContext, t: Translator, flow: dict[str, Any], text: str
) -> datetime | None:
    """The typed date and time, or None after asking again with the reason and an example."""
    core = context.core
    try:
        return parse_local_datetime(text, core.now(), core.policy.zone)
    except TimeParseError as exc:
        await _prompt(update, t, flow, _time_problem(t, exc.reason, _datetime_example(context)))
        return None


async def _text_or_ask(
    update: Update, t: Translator, flow: dict[str, Any], text: str, limit: int, problem: str
) -> str | None:
    """The typed text tidied if it fits `limit`, or None after asking again with `problem`."""
    value = item_service.clean_text(text, limit)
    if value is None:
        await _prompt(update, t, flow, problem.format(n=limit))
    return value


async def _ap_when(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str
) -> None:
    t = lang_of(update, who)
    at = await _time_or_ask(update, context, t, flow, text)
    if at is None:
        return
    flow["data"]["at"] = at.isoformat()
    flow["step"] = "place"
    await _prompt(
        update,
        t,
        flow,
        t("Where is it? A short place, at most {n} characters.").format(n=item_service.MAX_PLACE),
    )


async def _ap_place(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str
) -> None:
    t = lang_of(update, who)
    place = await _text_or_ask(
        update,
        t,
        flow,
        text,
        item_service.MAX_PLACE,
        t("Please write the place in at most {n} characters."),
    )
    if place is None:
        return
    flow["data"]["place"] = place
    flow["step"] = "confirm"
    zone = context.core.policy.zone
    at = datetime.fromisoformat(flow["data"]["at"])
    await _prompt(
        update,
        t,
        flow,
        t(
            "Appointment with {client}: {day} at {time}, {place}. The client is told now and "
            "reminded before. Save it?"
        ).format(
            client=t.ltr(h(flow["data"]["label"])),
            day=t.day(at, zone),
            time=t.time(at, zone),
            place=t.ltr(h(place)),
        ),
        [[(t("✅ Save"), _buttons(flow)("save"))]],
    )


async def _ap_save(update: Update, context: SiltaContext, who: Who, flow: dict[str, Any]) -> None:
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    data = flow["data"]
    _end(context)
    result = await item_service.add_appointment(
        context.core, _me(who), data["client_id"], datetime.fromisoformat(data["at"]), data["place"]
    )
    await answer_query(query)
    if result.status == "ok":
        await _chosen(update, t, t("Saved."))
    elif result.status == "past":
        await _chosen(
            update,
            t,
            t("That time has passed meanwhile. Nothing was saved; start again with /appointment."),
        )
    else:
        await _chosen(update, t, _item_problem(t, result))


def _item_problem(t: Translator, result: item_service.ItemResult) -> str:
    """Why a change to an appointment, deadline or plan item was not made."""
    if result.status == "closed" and result.client is not None:
        return _closed(t, result.client)
    if result.status == "gone":
        return t("This has already changed. Nothing was done.")
    if result.status == "past":
        return t("That time has already passed. Nothing was saved.")
    if result.status == "invalid":
        return t("That does not fit. Nothing was saved.")
    return t("No such client among yours.")


async def cmd_appointments(update: Update, context: SiltaContext, who: Who) -> None:
    """/appointments [CLIENT]: coming appointments with change and cancel buttons."""
    await _for_client(update, context, who, "appts")


async def _show_appointments(
    update: Update, context: SiltaContext, who: Who, client_id: int
) -> None:
    t = lang_of(update, who)
    zone = context.core.policy.zone
    client, appts = await item_service.upcoming_appointments(context.core, _me(who), client_id)
    if client is None:
        await reply(update, _not_found(t))
        return
    if not appts:
        await reply(
            update,
            t("{client} has no coming appointments. Book one: {command}").format(
                client=_client(t, client), command=_code(f"/appointment {client.id}")
            ),
        )
        return
    lines = [t("Coming appointments of {client}:").format(client=_client(t, client))]
    rows: kb.Buttons = []
    for appt in appts[: kb.MAX_PICK // 2]:
        lines.append("• " + _appointment_line(t, zone, appt))
        stamp = t.stamp(appt.at, zone)
        rows.append(
            [
                (t("🕐 Change {when}").format(when=stamp), encode("wa", appt.id, "move")),
                (t("✖ Cancel {when}").format(when=stamp), encode("wa", appt.id, "cancel")),
            ]
        )
    await reply(update, OutMessage(_fit(lines, t("… and {n} more.")), rows))


def _appointment_line(t: Translator, zone: Any, appt: Appointment) -> str:
    line = t("{day} at {time}, {place}").format(
        day=t.day(appt.at, zone), time=t.time(appt.at, zone), place=t.ltr(h(appt.place))
    )
    if appt.confirmation == "confirmed":
        line += " ✅"
    elif appt.confirmation in ("reschedule", "help"):
        line += " ❗"
    return line


async def on_appointment_button(
    update: Update, context: SiltaContext, who: Who, cb: Callback
) -> None:
    """Change the time of / cancel an appointment from the /appointments list."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    core = context.core
    if cb.choice == "move":
        client, appt = await item_service.appointment_for(core, _me(who), cb.id)
        if client is None or appt is None or appt.status != "scheduled" or appt.at <= core.now():
            await kb.stale(query, t)
            return
        await answer_query(query)
        flow = _begin(context, "apptmove", "when", appointment_id=appt.id)
        await _prompt(
            update,
            t,
            flow,
            t(
                "The new time for the appointment of {client} on {day} at {time}? For example "
                "{example}."
            ).format(
                client=_client(t, client),
                day=t.day(appt.at, core.policy.zone),
                time=t.time(appt.at, core.policy.zone),
                example=_code(_datetime_example(context)),
            ),
        )
    elif cb.choice == "cancel":
        await answer_query(query)
        await reply(
            update,
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
        result = await item_service.cancel_appointment(core, _me(who), cb.id)
        if result.status != "ok" or result.appointment is None:
            await kb.stale(query, t)
            await edit_query_message(query, _item_problem(t, result))
            return
        await answer_query(query, t("Cancelled."))
        assert result.client is not None
        zone = core.policy.zone
        await edit_query_message(
            query,
            t(
                "The appointment of {client} on {day} at {time} was cancelled. The client is told."
            ).format(
                client=_client(t, result.client),
                day=t.day(result.appointment.at, zone),
                time=t.time(result.appointment.at, zone),
            ),
        )
    elif cb.choice == "keep":
        await answer_query(query)
        await edit_query_message(query, t("Kept as it was."))
    else:
        await kb.stale(query, t)


async def _mv_when(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str
) -> None:
    t = lang_of(update, who)
    at = await _time_or_ask(update, context, t, flow, text)
    if at is None:
        return
    _end(context)
    result = await item_service.move_appointment(
        context.core, _me(who), flow["data"]["appointment_id"], at
    )
    if result.status != "ok" or result.appointment is None or result.client is None:
        await reply(update, _item_problem(t, result))
        return
    zone = context.core.policy.zone
    await reply(
        update,
        t("Moved: {client} on {day} at {time}, {place}. The client is told.").format(
            client=_client(t, result.client),
            day=t.day(result.appointment.at, zone),
            time=t.time(result.appointment.at, zone),
            place=t.ltr(h(result.appointment.place)),
        ),
    )


async def on_attendance(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """After an appointment: did the client come? Recorded once."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    result = await item_service.record_attendance(context.core, _me(who), cb.id, cb.choice)
    if result.status != "ok":
        await kb.stale(query, t)
        return
    await answer_query(query, t("Thank you, recorded."))
    await _chosen(update, t, t("Attended") if cb.choice == "came" else t("Missed"))


# --- /deadline, /deadlines ---------------------------------------------------------------------


async def cmd_deadline(update: Update, context: SiltaContext, who: Who) -> None:
    """/deadline [CLIENT]: kind, (text), due date, every month or not."""
    await _for_client(update, context, who, "dl")


async def _start_deadline(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    t = lang_of(update, who)
    if client.status == "closed":
        await reply(update, _closed(t, client))
        return
    policy = context.core.policy
    kinds = list(policy.benefit_kinds)
    flow = _begin(context, "deadline", "kind", client_id=client.id, label=client.label, kinds=kinds)
    button = _buttons(flow)
    lang = _me(who).language
    rows = [
        [(kb.short(policy.benefit_label(kind, lang), 60), button(f"k{i}"))]
        for i, kind in enumerate(kinds[: kb.MAX_PICK])
    ]
    await _prompt(
        update,
        t,
        flow,
        t("What is the deadline of {client} about?").format(client=_client(t, client)),
        rows,
    )


async def _dl_kind(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], verb: str
) -> None:
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    kinds = flow["data"]["kinds"]
    index = verb[1:]
    if (
        not index.isdigit()
        or int(index) >= len(kinds)
        or kinds[int(index)] not in context.core.policy.benefit_kinds
    ):
        await kb.stale(query, t)
        return
    await answer_query(query)
    kind = kinds[int(index)]
    flow["data"]["kind"] = kind
    await _chosen(update, t, context.core.policy.benefit_label(kind, _me(who).language))
    if kind == "other":
        flow["step"] = "label"
        await _prompt(
            update,
            t,
            flow,
            t("What is it? A short text, at most {n} characters.").format(n=item_service.MAX_LABEL),
        )
        return
    await _ask_due(update, context, who, flow)


async def _ask_due(update: Update, context: SiltaContext, who: Who, flow: dict[str, Any]) -> None:
    t = lang_of(update, who)
    flow["step"] = "due"
    await _prompt(
        update,
        t,
        flow,
        t("By which date? For example {example}.").format(example=_code(_date_example(context))),
    )


async def _dl_label(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str
) -> None:
    t = lang_of(update, who)
    label = await _text_or_ask(
        update,
        t,
        flow,
        text,
        item_service.MAX_LABEL,
        t("Please write it in at most {n} characters."),
    )
    if label is None:
        return
    flow["data"]["text"] = label
    await _ask_due(update, context, who, flow)


async def _dl_due(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str
) -> None:
    from bot.timeparse import parse_local_date

    t = lang_of(update, who)
    try:
        due = parse_local_date(text, _today(context))
    except TimeParseError as exc:
        await _prompt(update, t, flow, _date_problem(t, exc.reason, _date_example(context)))
        return
    flow["data"]["due"] = due.isoformat()
    flow["step"] = "monthly"
    button = _buttons(flow)
    await _prompt(
        update,
        t,
        flow,
        t("Due {date}. Does it come back every month?").format(date=t.day(due)),
        [[(t("🔁 Every month"), button("m1")), (t("Only once"), button("m0"))]],
    )


async def _dl_save(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], verb: str
) -> None:
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    data = flow["data"]
    _end(context)
    monthly = verb == "m1"
    result = await item_service.add_deadline(
        context.core,
        _me(who),
        data["client_id"],
        data["kind"],
        date.fromisoformat(data["due"]),
        monthly=monthly,
        label=data.get("text"),
    )
    await answer_query(query)
    if result.status != "ok" or result.deadline is None:
        await _chosen(update, t, _item_problem(t, result))
        return
    await _chosen(
        update,
        t,
        (t("Every month") if monthly else t("Only once"))
        + "\n"
        + t("Saved. {client} gets reminders before the date.").format(
            client=t.ltr(h(data["label"]))
        ),
    )


def _deadline_what(context: SiltaContext, who: Who, dl: Deadline) -> str:
    if dl.kind == "other" and dl.label:
        return dl.label
    return context.core.policy.benefit_label(dl.kind, _me(who).language)


async def cmd_deadlines(update: Update, context: SiltaContext, who: Who) -> None:
    """/deadlines [CLIENT]: open deadlines with cancel buttons."""
    await _for_client(update, context, who, "dls")


async def _deadlines_message(
    context: SiltaContext, who: Who, t: Translator, client_id: int
) -> OutMessage | None:
    client, found = await item_service.open_deadlines(context.core, _me(who), client_id)
    if client is None:
        return None
    if not found:
        return OutMessage(
            t("{client} has no open deadlines. Add one: {command}").format(
                client=_client(t, client), command=_code(f"/deadline {client.id}")
            )
        )
    lines = [t("Open deadlines of {client}:").format(client=_client(t, client))]
    rows: kb.Buttons = []
    for dl in found[: kb.MAX_PICK]:
        what = _deadline_what(context, who, dl)
        line = "• " + t("{what} by {date}").format(what=h(what), date=t.day(dl.due_date))
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
    return OutMessage(_fit(lines, t("… and {n} more.")), rows)


async def _show_deadlines(update: Update, context: SiltaContext, who: Who, client_id: int) -> None:
    t = lang_of(update, who)
    message = await _deadlines_message(context, who, t, client_id)
    await reply(update, message or _not_found(t))


async def on_deadline_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """Cancel a deadline from the /deadlines list."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    if cb.choice != "cancel":
        await kb.stale(query, t)
        return
    result = await item_service.cancel_deadline(context.core, _me(who), cb.id)
    if result.status != "ok" or result.client is None:
        await kb.stale(query, t)
        return
    await answer_query(query, t("Cancelled."))
    message = await _deadlines_message(context, who, t, result.client.id)
    if message is not None:
        await edit_query_message(query, message.text, message.buttons)


# --- /plan ----------------------------------------------------------------------------------------


async def cmd_plan(update: Update, context: SiltaContext, who: Who) -> None:
    """/plan [CLIENT]: the release plan; tap to tick, add or remove items."""
    await _for_client(update, context, who, "plan")


def _plan_text(t: Translator, client: Client, items: list[PlanItem]) -> str:
    done = sum(1 for i in items if i.done_at is not None)
    lines = [
        t("📋 Release plan of {client}: {done} of {total} done.").format(
            client=_client(t, client), done=done, total=len(items)
        )
    ]
    if client.release_date is not None:
        lines.append(t("Release date: {date}").format(date=t.day(client.release_date)))
    if items and client.status != "closed":
        lines.append(t("Tap an item to tick it. The client sees the plan with /next."))
    elif not items:
        lines.append(t("The plan is empty."))
    return "\n".join(lines)


async def _show_plan(update: Update, context: SiltaContext, who: Who, client_id: int) -> None:
    t = lang_of(update, who)
    client, items = await item_service.open_plan(context.core, _me(who), client_id)
    if client is None:
        await reply(update, _not_found(t))
        return
    await reply(update, OutMessage(_plan_text(t, client, items), kb.plan_view(t, client, items)))


async def on_plan_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """Tick an item (id is the item), or add / remove / back (id is the client)."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    core = context.core
    me = _me(who)
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
                else _item_problem(t, result),
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
        flow = _begin(context, "planadd", "title", client_id=client.id)
        await _prompt(
            update,
            t,
            flow,
            t("Write the new item for the plan of {client}, at most {n} characters.").format(
                client=_client(t, client), n=item_service.MAX_PLAN_TITLE
            ),
        )


async def _pl_title(
    update: Update, context: SiltaContext, who: Who, flow: dict[str, Any], text: str
) -> None:
    t = lang_of(update, who)
    result = await item_service.add_plan_item(
        context.core, _me(who), flow["data"]["client_id"], text
    )
    if result.status == "invalid":
        await _prompt(
            update,
            t,
            flow,
            t("Please write it in at most {n} characters.").format(n=item_service.MAX_PLAN_TITLE),
        )
        return
    _end(context)
    if result.status != "ok":
        await reply(update, _item_problem(t, result))
        return
    await _show_plan(update, context, who, flow["data"]["client_id"])


# --- /clients and the client card -----------------------------------------------------------------


def _status(t: Translator, client: Client) -> str:
    mark, label = STATUS_MARKS[worker_service.status_key(client)]
    return f"{mark} {t(label)}"


def _last_answer(t: Translator, zone: Any, client: Client) -> str | None:
    if not client.last_answer or client.last_answer_at is None:
        return None
    return t("{answer}, {when}").format(
        answer=choice_label(t, "ck", client.last_answer), when=t.stamp(client.last_answer_at, zone)
    )


async def cmd_clients(update: Update, context: SiltaContext, who: Who) -> None:
    """/clients (or /clients all for the team's): status, last answer, open alerts."""
    t = lang_of(update, who)
    zone = context.core.policy.zone
    team = command_args(update).lower() in ("all", "team", "kaikki", "alla")
    rows = await worker_service.my_clients(context.core, _me(who), team=team)
    if not rows:
        await reply(update, t("You have no clients yet. Add one with /newclient."))
        return
    head = (t("Clients you can see ({n}):") if team else t("Your clients ({n}):")).format(
        n=len(rows)
    )
    lines = [head]
    for row in rows:
        mark = STATUS_MARKS[worker_service.status_key(row.client)][0]
        parts = [f"{mark} {_client(t, row.client)}"]
        if row.backup:
            parts.append(t("(you back up)"))
        if row.client.status == "invited":
            parts.append(t("not joined yet"))
        answer = _last_answer(t, zone, row.client)
        if answer:
            parts.append(answer)
        if row.open_alerts:
            parts.append(f"🔔 {row.open_alerts}")
        lines.append(" — ".join(parts))
    lines.append("")
    lines.append(t("Tap a client to open the card."))
    if not team:
        lines.append(t("Your team's clients too: {command}").format(command=_code("/clients all")))
    await reply(update, OutMessage(_fit(lines, t("… and {n} more.")), kb.client_list(rows)))


async def _card_message(
    context: SiltaContext, who: Who, t: Translator, client_id: int
) -> tuple[OutMessage, int] | None:
    card = await worker_service.client_card(context.core, _me(who), client_id)
    if card is None:
        return None
    zone = context.core.policy.zone
    client = card.client
    lines = [f"👤 <b>{_client(t, client)}</b> — {_status(t, client)}"]
    if card.worker is not None:
        staff = t("Worker: {worker}").format(worker=t.ltr(h(card.worker.name)))
        if card.backup is not None:
            staff += " · " + t("Backup: {worker}").format(worker=t.ltr(h(card.backup.name)))
        lines.append(staff)
    if client.release_date is not None:
        lines.append(t("Release date: {date}").format(date=t.day(client.release_date)))
    answer = _last_answer(t, zone, client)
    lines.append(t("Last answer: {answer}").format(answer=answer or "—"))
    lines.append(t("Open alerts: {n}").format(n=card.open_alerts))
    if card.next_appointment is not None:
        lines.append(
            t("Next appointment: {appointment}").format(
                appointment=_appointment_line(t, zone, card.next_appointment)
            )
        )
    lines.append(t("Open deadlines: {n}").format(n=card.open_deadlines))
    if card.plan_total:
        lines.append(
            t("Release plan: {done} of {total} done").format(
                done=card.plan_done, total=card.plan_total
            )
        )
    if client.status != "closed":
        lines.append("")
        lines.append(t("Reply to this message to write to the client."))
    return OutMessage("\n".join(lines), kb.card_actions(t, client)), client.id


async def _send_card(update: Update, context: SiltaContext, who: Who, client_id: int) -> None:
    t = lang_of(update, who)
    found = await _card_message(context, who, t, client_id)
    if found is None:
        await reply(update, _not_found(t))
        return
    message, cid = found
    message_id = await _send(update, message)
    chat = update.effective_chat
    if message_id is not None and chat is not None:
        await worker_service.remember_card(context.core, _me(who), cid, chat.id, message_id)


async def on_client_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """A client picked from a list, or an action on the client's card."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    core = context.core
    me = _me(who)
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
        refreshed = await _card_message(context, who, t, client.id)
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
                    "{client} is closed. The client got a goodbye, nothing more is planned, "
                    "and the record is kept for the retention period."
                ).format(client=_client(t, client)),
            )
        else:
            await edit_query_message(query, _closed(t, client))
        return
    if action == "keep":
        await answer_query(query)
        await edit_query_message(query, t("Kept as it was."))
        return
    await answer_query(query)
    await CLIENT_ACTIONS[action](update, context, who, client)


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


async def _ask_close(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    t = lang_of(update, who)
    if client.status == "closed":
        await reply(update, _closed(t, client))
        return
    await reply(
        update,
        OutMessage(
            t(
                "End the service of {client}? The client gets a kind goodbye, all planned messages "
                "stop, open alerts close and invites stop working. The record is kept for the "
                "retention period."
            ).format(client=_client(t, client)),
            kb.confirm_close(t, client),
        ),
    )


async def cmd_close(update: Update, context: SiltaContext, who: Who) -> None:
    """/close CLIENT: asks for confirmation first."""
    await _for_client(update, context, who, "close")


async def _card(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    await _send_card(update, context, who, client.id)


async def _appts(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    await _show_appointments(update, context, who, client.id)


async def _dls(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    await _show_deadlines(update, context, who, client.id)


async def _plan(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    await _show_plan(update, context, who, client.id)


async def _ask_handover(update: Update, context: SiltaContext, who: Who, client: Client) -> None:
    t = lang_of(update, who)
    candidates = await worker_service.handover_candidates(context.core, _me(who), client)
    if client.status == "closed":
        await reply(update, _closed(t, client))
        return
    if not candidates:
        await reply(
            update,
            t("There is nobody in your team to hand {client} to.").format(
                client=_client(t, client)
            ),
        )
        return
    await reply(
        update,
        OutMessage(
            t("Hand {client} over to whom?").format(client=_client(t, client)),
            kb.handover_choices(candidates, client),
        ),
    )


CLIENT_ACTIONS: dict[str, Callable[[Update, SiltaContext, Who, Client], Awaitable[None]]] = {
    "card": _card,
    "appt": _start_appointment,
    "appts": _appts,
    "dl": _start_deadline,
    "dls": _dls,
    "plan": _plan,
    "inv": _new_invite,
    "ho": _ask_handover,
    "close": _ask_close,
}
# Card buttons that change the client, handled in on_client_button itself.
CARD_CHANGES = frozenset({"pause", "resume", "closeok", "keep"})


# --- hand-over ------------------------------------------------------------------------------------


async def cmd_handover(update: Update, context: SiltaContext, who: Who) -> None:
    """/handover CLIENT WORKER (or /handover CLIENT for buttons of colleagues)."""
    t = lang_of(update, who)
    core = context.core
    args = command_args(update)
    if not args:
        await reply(
            update,
            t(
                "Write /handover CLIENT WORKER, e.g. {example}. Or open the client from /clients "
                "and tap Hand over."
            ).format(example=_code("/handover 12 Maria")),
        )
        return
    found, rest = await worker_service.split_client_ref(core, _me(who), args)
    if found.client is None:
        single = await worker_service.find_client(core, _me(who), args)
        if single.client is not None:
            await _ask_handover(update, context, who, single.client)
            return
        await reply(
            update, _not_found(t, found.status if found.status == "many" else single.status)
        )
        return
    target = await worker_service.find_worker(core, _me(who), rest)
    if target.worker is None:
        await reply(
            update,
            t("More than one colleague has that name; use the full name or the number.")
            if target.status == "many"
            else t(
                "No such colleague in your team. Use the name or the number, e.g. {example}."
            ).format(example=_code(f"/handover {found.client.id} 3")),
        )
        return
    await _do_handover(update, context, who, found.client.id, target.worker.id)


async def _do_handover(
    update: Update, context: SiltaContext, who: Who, client_id: int, worker_id: int
) -> bool:
    t = lang_of(update, who)
    change = await worker_service.handover(context.core, _me(who), client_id, worker_id)
    if change.status == "done" and change.client and change.worker:
        await reply(
            update,
            t(
                "{client} is now with {worker}. The client and {worker} are told; "
                "open alerts went along."
            ).format(client=_client(t, change.client), worker=t.ltr(h(change.worker.name))),
        )
        return True
    if change.status == "same" and change.client and change.worker:
        await reply(
            update,
            t("{client} is already with {worker}.").format(
                client=_client(t, change.client), worker=t.ltr(h(change.worker.name))
            ),
        )
    elif change.status == "closed" and change.client:
        await reply(update, _closed(t, change.client))
    elif change.status == "no_worker":
        await reply(update, t("That colleague cannot take clients now."))
    else:
        await reply(update, _not_found(t))
    return False


async def on_handover_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """A colleague picked for a hand-over."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    wid = cb.choice.removeprefix("w")
    if not cb.choice.startswith("w") or not wid.isdigit():
        await kb.stale(query, t)
        return
    await answer_query(query)
    if await _do_handover(update, context, who, cb.id, int(wid)):
        await edit_query_message(query, t("Handed over."))


# --- alerts, replies ------------------------------------------------------------------------------


async def cmd_alerts(update: Update, context: SiltaContext, who: Who) -> None:
    """/alerts: one card per open alert (at most ten), then how many more there are."""
    t = lang_of(update, who)
    core = context.core
    views = await worker_service.visible_alerts(core, _me(who))
    if not views:
        await reply(update, t("No open alerts."))
        return
    chat = update.effective_chat
    for view in views[:MAX_ALERT_CARDS]:
        card = alert_card(t, core.policy.zone, view.alert, view.client, view.taker)
        message_id = await _send(update, card)
        if message_id is not None and chat is not None and view.client is not None:
            await worker_service.remember_card(core, _me(who), view.client.id, chat.id, message_id)
    if len(views) > MAX_ALERT_CARDS:
        await reply(
            update,
            t.ngettext(
                "{n} more open alert. Handle these first, then type /alerts again.",
                "{n} more open alerts. Handle these first, then type /alerts again.",
                len(views) - MAX_ALERT_CARDS,
            ).format(n=len(views) - MAX_ALERT_CARDS),
        )


async def on_alert_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """I'll handle it / snooze / done on an alert card."""
    query = update.callback_query
    assert query is not None and who.worker is not None
    t = lang_of(update, who)
    outcome = await alert_service.act(context.core, who.worker, cb.id, cb.choice)
    core = context.core
    if outcome.status == "denied" or outcome.status == "gone":
        await kb.stale(query, t)
        return
    if outcome.status == "already_taken":
        name = outcome.by.name if outcome.by else "?"
        await answer_query(query, t("{worker} already took this.").format(worker=name), alert=True)
    elif outcome.status == "already_resolved":
        await answer_query(query, t("This alert is already done."))
    else:
        await answer_query(
            query,
            {
                "taken": t("Thank you, it is yours."),
                "snoozed": t("Snoozed."),
                "resolved": t("Marked as done."),
            }.get(outcome.status),
        )
    if outcome.alert is not None:
        async with core.db.read() as conn:
            from storage import people as people_repo

            client = await people_repo.get_client(conn, outcome.alert.client_id or 0)
            taker_id = (
                outcome.alert.resolved_by
                if outcome.alert.state == "resolved"
                else outcome.alert.acknowledged_by
            )
            taker = await people_repo.get_worker(conn, taker_id) if taker_id else None
        card = alert_card(t, core.policy.zone, outcome.alert, client, taker)
        await edit_query_message(query, card.text, card.buttons)


async def cmd_reply(update: Update, context: SiltaContext, who: Who) -> None:
    """/reply CLIENT TEXT: a message to the client, from the worker by first name."""
    t = lang_of(update, who)
    args = command_args(update)
    found, text = await worker_service.split_client_ref(context.core, _me(who), args)
    if found.client is None or not text:
        if not args or len(args.split()) < 2:
            await reply(
                update,
                t(
                    "Write /reply CLIENT TEXT, e.g. {example}. Or reply to the client's message."
                ).format(example=_code("/reply 12 See you tomorrow!")),
            )
        else:
            await reply(update, _not_found(t, found.status))
        return
    result = await worker_service.reply_to_client(context.core, _me(who), found.client.id, text)
    await reply(update, _reply_status(t, result))


async def on_text(update: Update, context: SiltaContext, who: Who) -> None:
    """A reply to a relayed client message goes to that client; otherwise a conversation step."""
    message = update.effective_message
    assert message is not None and who.worker is not None
    t = lang_of(update, who)
    target = message.reply_to_message
    if target is not None and message.text:
        client_id = await worker_service.client_of_relay(
            context.core, message.chat_id, target.message_id
        )
        if client_id is not None:
            result = await worker_service.reply_to_client(
                context.core, who.worker, client_id, message.text
            )
            await reply(update, _reply_status(t, result))
            return
    flow = _flow(context)
    if flow is not None and message.text:
        step = TEXT_STEPS.get((flow["name"], flow["step"]))
        if step is not None:
            await step(update, context, who, flow, message.text)
        else:
            await reply(update, t("Please use the buttons above, or /cancel."))
        return
    await reply(
        update, t("To answer a client, reply to their message. Type /help to see what you can do.")
    )


def _reply_status(t: Translator, result: worker_service.ReplyResult) -> str:
    if result.status == "sent" and result.client is not None:
        return t("Sent to {client}.").format(client=t.ltr(h(result.client.label)))
    if result.status == "unreachable":
        return t("This client cannot get messages right now (not joined, closed or unreachable).")
    if result.status == "too_long":
        return t("Your message is very long. Please send it in shorter parts.")
    return t("No such client among yours.")


TextStep = Callable[[Update, SiltaContext, Who, dict[str, Any], str], Awaitable[None]]
TEXT_STEPS: dict[tuple[str, str], TextStep] = {
    ("newclient", "nickname"): _nc_nickname,
    ("newclient", "release"): _nc_release,
    ("appointment", "when"): _ap_when,
    ("appointment", "place"): _ap_place,
    ("apptmove", "when"): _mv_when,
    ("deadline", "label"): _dl_label,
    ("deadline", "due"): _dl_due,
    ("planadd", "title"): _pl_title,
}


async def on_flow_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """A button of a conversation: valid only for the conversation in progress and its step."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    token, _, verb = cb.choice.partition(".")
    flow = _flow(context)
    if flow is None or flow["token"] != token:
        await kb.stale(query, t)
        return
    name, step = flow["name"], flow["step"]
    if verb == "x":
        _end(context)
        await answer_query(query)
        await _chosen(update, t, t("Cancelled. Nothing was saved."))
        return
    if name == "newclient" and step == "language" and verb.startswith("lang-"):
        await _nc_language(update, context, who, flow, verb)
    elif name == "newclient" and step == "release" and verb == "skip":
        await answer_query(query)
        await _chosen(update, t, t("Skipped"))
        await _nc_release(update, context, who, flow, None)
    elif name == "newclient" and step == "backup" and verb == "bk":
        await answer_query(query)
        await _chosen(update, t, t("No backup") if cb.id == 0 else t("Backup chosen"))
        await _nc_create(update, context, who, flow, cb.id or None)
    elif name == "appointment" and step == "confirm" and verb == "save":
        await _ap_save(update, context, who, flow)
    elif name == "deadline" and step == "kind" and verb.startswith("k"):
        await _dl_kind(update, context, who, flow, verb)
    elif name == "deadline" and step == "monthly" and verb in ("m0", "m1"):
        await _dl_save(update, context, who, flow, verb)
    else:
        await kb.stale(query, t)


# --- joining, help -------------------------------------------------------------------------------


async def join_as_worker(update: Update, context: SiltaContext, invite_id: int) -> None:
    """A worker invite was opened."""
    user = update.effective_user
    assert user is not None
    result = await worker_service.join_worker(context.core, user.id, invite_id)
    t = lang_of(update)
    if result.status == "joined" and result.worker is not None:
        from handlers.router import set_worker_commands

        t = translator(result.worker.language)
        await reply(
            update,
            t(
                "Welcome to Silta, {name}! You are now registered as a worker. "
                "Type /help to see what you can do."
            ).format(name=t.ltr(h(result.worker.name))),
        )
        await set_worker_commands(
            context.bot, user.id, result.worker.language, result.worker.is_admin
        )
    elif result.status == "already":
        await reply(update, t("You are already registered as a worker."))
    else:
        await reply(update, t("This invite is no longer valid. Ask your admin for a new one."))


async def cmd_start(update: Update, context: SiltaContext, who: Who) -> None:
    """A worker pressing /start gets the help."""
    await cmd_help(update, context, who)


async def cmd_help(update: Update, context: SiltaContext, who: Who) -> None:
    """What a worker can do."""
    t = lang_of(update, who)
    lines = [
        t(
            "Silta for workers. Alerts come to this chat; reply to a client's message to "
            "answer them."
        ),
        "",
    ]
    lines += [f"/{name} — {t(description)}" for name, description in MENU]
    lines.append("")
    lines.append(
        t("Clients are named by number (#12) or nickname, e.g. {example}.").format(
            example=_code("/plan 12")
        )
    )
    await reply(update, "\n".join(lines))


COMMANDS: dict[str, Command] = {
    "help": cmd_help,
    "cancel": cmd_cancel,
    "clients": cmd_clients,
    "newclient": cmd_newclient,
    "invite": cmd_invite,
    "appointment": cmd_appointment,
    "appointments": cmd_appointments,
    "deadline": cmd_deadline,
    "deadlines": cmd_deadlines,
    "plan": cmd_plan,
    "alerts": cmd_alerts,
    "reply": cmd_reply,
    "handover": cmd_handover,
    "close": cmd_close,
}
CALLBACKS: dict[str, Press] = {
    "al": on_alert_button,
    "at": on_attendance,
    "fl": on_flow_button,
    "cl": on_client_button,
    "wa": on_appointment_button,
    "wd": on_deadline_button,
    "pl": on_plan_button,
    "ho": on_handover_button,
}
