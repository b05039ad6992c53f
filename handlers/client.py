"""The client's side: consent, one-tap answers, free text to the worker, and a few commands."""

from __future__ import annotations

from datetime import datetime

from telegram import Message

from bot import appointment_text
from bot.callbacks import Callback, encode
from bot.contact_text import useful_numbers, useful_numbers_button
from bot.guide.screens import guide_button
from bot.i18n import LANGUAGE_NAMES, Translator, available_languages, translator
from bot.messages import MAX_RELAY_UNITS, answered, h
from bot.next_step_text import acknowledged, passed_on, who_sees
from bot.outgoing import split_text
from bot.privacy_text import privacy, privacy_button
from bot.services import clients as client_service
from bot.services import contacts as contact_service
from bot.services import media as media_service
from bot.services import plan as plan_service
from bot.services.media import too_big
from bot.services.next_step import NextStep
from bot.transport import OutMessage
from handlers.common import Request, answer_query, edit_query_message, lang_of
from handlers.media import media_of
from handlers.menus import set_client_commands
from handlers.unknown import offer_problem, present


def thanks(t: Translator, kind: str, choice: str) -> str:
    """What the client hears first after a tap (a lock screen may show it: nothing sensitive)."""
    texts = {
        ("checkin", "good"): t("Thank you! Good to hear."),
        ("checkin", "ok"): t("Thank you for answering!"),
        ("checkin", "bad"): t("Thank you for telling me."),
        ("checkin", "call"): t("Okay, I passed on your request."),
        ("appointment", "yes"): t("Great, see you there!"),
        ("appointment", "move"): t("Okay, I passed on that you need another time."),
        ("appointment", "help"): t("Okay, I passed on that you need help."),
        ("deadline", "done"): t("Well done! Thank you."),
        ("deadline", "help"): t("Okay, I passed on that you need help."),
    }
    return texts.get((kind, choice), t("Thank you!"))


def later_text(t: Translator, rq: Request, remind_at: datetime | None) -> str:
    """The truth about "remind me later": tomorrow, later today, or not in time at all."""
    zone = rq.core.policy.zone
    if remind_at is None:
        return t(
            "The deadline is today, so I cannot remind you again in time. Please do it today, "
            "or tap “I need help” to tell your worker."
        )
    if remind_at.astimezone(zone).date() == rq.core.now().astimezone(zone).date():
        return t("Okay, I will remind you again today at {time}.").format(
            time=t.time(remind_at, zone)
        )
    return t("Okay, I will remind you tomorrow.")


async def on_consent(rq: Request, cb: Callback) -> None:
    """Agree or not now, on the consent screen."""
    query = rq.query
    user = rq.update.effective_user
    assert query is not None and user is not None
    result = await client_service.consent(
        rq.core, user.id, cb.id, cb.choice == "yes", user.language_code
    )
    # Not rq.t: until the consent is saved, the answer is in Telegram's language.
    t = lang_of(rq.update)
    if result.status == "joined" and result.client is not None:
        t = translator(result.client.language)
        await answer_query(query)
        await edit_query_message(query, t("Welcome to Silta!"))
        name = t.ltr(h(result.worker_name or ""))
        await rq.reply(
            OutMessage(
                "\n\n".join(
                    [
                        t("Great, you are in! {worker} knows you joined.").format(worker=name),
                        t("You will get the first question soon. Type /help at any time."),
                    ]
                ),
                [[guide_button(t)]],
                protect=True,
            ),
        )
    elif result.status == "declined":
        await answer_query(query)
        await edit_query_message(
            query,
            t(
                "Okay. Nothing was saved. When you want to join, open "
                "the invite link again or type the code here."
            ),
        )
    else:
        await answer_query(query, offer_problem(t, result.status))


async def on_answer(rq: Request, cb: Callback) -> None:
    """A tap on a check-in, appointment or deadline question."""
    query = rq.query
    user = rq.update.effective_user
    assert query is not None and user is not None
    result = await client_service.answer(rq.core, user.id, cb.kind, cb.id, cb.choice)
    t = rq.t
    if result.status != "ok" or result.kind is None or result.choice is None:
        await answer_query(query, t("This button is no longer active."))
        return
    await answer_query(query)
    if result.kind == "deadline" and result.choice in ("later", "today"):
        text = later_text(t, rq, result.remind_at)
    elif result.next is not None:
        first = thanks(t, result.kind, result.choice)
        text = acknowledged(t, rq.core.policy.zone, first, result.next, _crisis(rq))
    else:
        text = thanks(t, result.kind, result.choice)
    message = query.message
    if isinstance(message, Message) and message.text:
        # One request, not two: the question, the answer chosen and the thanks in one edited
        # message (a separate thank-you doubled each press's share of Telegram's rate).
        await edit_query_message(
            query, answered(t, message.text_html, cb.kind, result.choice, text), _links_of(message)
        )
        return
    # An old or forged press may come with an inaccessible message that has no text: the
    # buttons go, and the thanks comes as a message of its own.
    await edit_query_message(query, answered(t, "", cb.kind, result.choice), _links_of(message))
    await rq.reply(OutMessage(text, protect=True))


def _crisis(rq: Request) -> str:
    """The configured crisis and duty numbers."""
    return rq.core.settings.crisis_text


def _links_of(message: object) -> list[list[tuple[str, str]]]:
    """The link buttons of an answered question (a video call's link): they stay when the
    answer buttons go, so the client can still open the call."""
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return []
    return [
        [(button.text, button.url)]
        for row in markup.inline_keyboard
        for button in row
        if button.url
    ]


async def on_text(rq: Request) -> None:
    """Free text goes to the worker."""
    message = rq.update.effective_message
    user = rq.update.effective_user
    assert message is not None and user is not None
    t = rq.t
    text = message.text or ""
    if rq.who.client is not None and rq.who.client.status == "closed":
        await rq.reply(
            t(
                "Silta messages have ended for you. If you need help, you can contact the "
                "office where you met your worker."
            ),
        )
        return
    # A long message goes on in parts, in order, rather than being refused whole.
    result: tuple[str, NextStep | None] = ("not_found", None)
    for part in split_text(text, MAX_RELAY_UNITS):
        result = await client_service.write_to_worker(rq.core, user.id, part)
        if result[0] != "relayed":
            break
    await _passed_on(rq, *result)


async def _passed_on(rq: Request, status: str, step: NextStep | None) -> None:
    """The client hears that their message went on, to whom, and when it will be read."""
    t = rq.t
    if status == "no_worker":
        # Only a file or photo gets here: a copy needs a worker's chat, while text reaches the
        # ladder without one.
        await rq.reply(
            t(
                "I can pass photos and files on only to your own worker, and no worker is linked "
                "to you right now. Please write a message instead."
            )
        )
        return
    if status != "relayed" or step is None:
        await rq.reply(t("I could not pass this on right now. Please try again later."))
        return
    await rq.reply(OutMessage(passed_on(t, rq.core.policy.zone, step), protect=True))


async def on_other_content(rq: Request) -> None:
    """Photos, voice messages, videos and files go to the worker; a sticker gets a smile."""
    message = rq.update.effective_message
    user = rq.update.effective_user
    assert message is not None and user is not None
    t = rq.t
    media = media_of(message)
    if rq.who.client is not None and rq.who.client.status == "closed":
        await rq.reply(
            t(
                "Silta messages have ended for you. If you need help, you can contact the "
                "office where you met your worker."
            ),
        )
        return
    if media is None:
        await client_service.seen(rq.core, user.id)
        if message.sticker is not None:
            await rq.reply(
                t(
                    "Thank you! 🙂 I cannot pass stickers on. You can write, or send a photo or "
                    "a voice message, and I will pass it on to your worker."
                )
            )
        else:
            await rq.reply(
                t("I can pass on text, photos, voice messages and files. Please try one of those.")
            )
        return
    if too_big(rq.core.policy, media):
        await rq.reply(
            t("This file is too big to pass on (over {n} MB). Please send a smaller one.").format(
                n=rq.core.policy.messages.max_media_mb
            )
        )
        return
    await _passed_on(rq, *await media_service.to_worker(rq.core, user.id, media))


async def cmd_next(rq: Request) -> None:
    """What is coming up, in the client's locale."""
    t = rq.t
    core = rq.core
    up = await client_service.upcoming(core, rq.update.effective_user.id)  # type: ignore[union-attr]
    zone = core.policy.zone
    lines: list[str] = []
    for appt in up.appointments[:10]:
        what = appointment_text.client_what(t, appt, up.hosts.get(appt.id, ""))
        lines.append(
            "📅 " + t("{when}: {place}").format(when=t.datetime(appt.at, zone), place=what)
        )
    for dl in up.deadlines[:10]:
        what = (
            h(dl.label)
            if dl.kind == "other" and dl.label
            else h(core.policy.benefit_label(dl.kind, t.lang))
        )
        lines.append(
            "🗓 " + t("{what}, last day: {date}").format(what=what, date=t.day(dl.due_date))
        )
    for item in up.plan[:15]:
        line = "☐ " + h(plan_service.item_title(core.policy, t, item))
        due = item.due(up.release_date)
        if due is not None:
            line += " — " + t.day(due)
        lines.append(line)
    if not lines:
        await rq.reply(OutMessage(t("Nothing coming up right now."), protect=True))
        return
    # The client ticks their own items here (the worker sees the tick in /plan).
    buttons = [
        [("✅ " + plan_service.item_title(core.policy, t, i)[:40], encode("pi", i.id, "done"))]
        for i in up.plan[:15]
        if i.owner == "client"
    ]
    text = t("Coming up:") + "\n" + "\n".join(lines)
    if buttons:
        text += "\n\n" + t("Done one of your own? Tap it.")
    links = appointment_text.video_buttons(t, zone, up.appointments[:10])
    await rq.reply(OutMessage(text, [*links, *buttons], protect=True))


async def on_plan_tick(rq: Request, cb: Callback) -> None:
    """A client's own plan item from /next or a reminder: done, later, or help."""
    t = rq.t
    assert rq.update.effective_user is not None
    user_id = rq.update.effective_user.id
    if cb.choice == "done":
        result = await plan_service.client_done(rq.core, user_id, cb.id)
    elif cb.choice in ("later", "help"):
        result = await plan_service.client_answer(rq.core, user_id, cb.id, cb.choice)
    else:
        result = plan_service.PlanResult("not_found")
    if result.status != "ok":
        await answer_query(rq.query, t("This button is no longer active."))
        return
    if cb.choice == "done":
        await answer_query(rq.query, t("Marked done. Well done!"))
        await cmd_next(rq)
    elif cb.choice == "later":
        await answer_query(rq.query)
        await rq.reply(OutMessage(t("Okay, I will remind you again closer to the date.")))
    else:
        await answer_query(rq.query)
        first = t("Okay, I passed on that you need help.")
        if result.next is not None:
            first = acknowledged(t, rq.core.policy.zone, first, result.next, _crisis(rq))
        await rq.reply(OutMessage(first, protect=True))


async def cmd_contact(rq: Request) -> None:
    """Ask the worker to get in touch."""
    t = rq.t
    step = await client_service.ask_contact(rq.core, rq.update.effective_user.id)  # type: ignore[union-attr]
    if step is None:
        await rq.reply(t("I could not pass this on right now. Please try again later."))
        return
    first = t("Okay, I passed on your request.")
    text = acknowledged(t, rq.core.policy.zone, first, step, _crisis(rq))
    await rq.reply(OutMessage(text, protect=True))


async def cmd_language(rq: Request) -> None:
    """Language buttons, each language named in itself."""
    t = rq.t
    langs = available_languages()
    buttons = [(LANGUAGE_NAMES[code], encode("lang", i, code)) for i, code in enumerate(langs)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await rq.reply(OutMessage(t("Choose your language:"), rows))


async def on_language(rq: Request, cb: Callback) -> None:
    """A language was chosen."""
    query = rq.query
    assert rq.update.effective_user is not None
    ok = await client_service.set_language(rq.core, rq.update.effective_user.id, cb.choice)
    if not ok:
        t = rq.t
        await answer_query(query, t("This button is no longer active."))
        return
    t = translator(cb.choice)
    await answer_query(query)
    await edit_query_message(query, t("Language changed."))
    await set_client_commands(rq.context.bot, rq.update.effective_user.id, cb.choice)


async def cmd_stop(rq: Request) -> None:
    """Ask first: pause for a week, a month, or until resumed."""
    t = rq.t
    cid = rq.who.client.id if rq.who.client else 0
    await rq.reply(
        OutMessage(
            t("Do you want to pause the messages? Nothing is deleted, and your worker will know."),
            [
                [
                    (t("For a week"), encode("ps", cid, "week")),
                    (t("For a month"), encode("ps", cid, "month")),
                ],
                [(t("Until I turn them back on"), encode("ps", cid, "open"))],
                [(t("Cancel"), encode("ps", cid, "cancel"))],
            ],
        ),
    )


async def on_pause(rq: Request, cb: Callback) -> None:
    """The pause confirmation."""
    query = rq.query
    assert rq.update.effective_user is not None
    t = rq.t
    if rq.who.client is None or cb.id != rq.who.client.id:
        await answer_query(query, t("This button is no longer active."))
        return
    if cb.choice == "cancel":
        await answer_query(query)
        await edit_query_message(query, t("Okay, messages stay on."))
        return
    client = await client_service.pause(rq.core, rq.update.effective_user.id, cb.choice)
    if client is None:
        await answer_query(query, t("This button is no longer active."))
        return
    await answer_query(query)
    if client.paused_until is not None:
        text = t("Messages are paused until {date}. Type /start to turn them back on.").format(
            date=t.day(client.paused_until, rq.core.policy.zone)
        )
    else:
        text = t("Messages are paused. Type /start to turn them back on.")
    await edit_query_message(query, text)


async def cmd_start(rq: Request, payload: str) -> None:
    """Resume when paused; a new invite code (new phone) joins again; else a short hello."""
    t = rq.t
    if payload:
        await present(rq, payload)
        return
    client = await client_service.resume(rq.core, rq.update.effective_user.id)  # type: ignore[union-attr]
    if client is not None:
        await rq.reply(OutMessage(t("Welcome back! Messages are on again."), protect=True))
        return
    if rq.who.client is not None and rq.who.client.status == "closed":
        await rq.reply(
            t(
                "Silta messages have ended for you. If you need help, you can contact the "
                "office where you met your worker."
            ),
        )
        return
    await rq.reply(t("You are already in. Type /help to see what I can do."))


async def cmd_help(rq: Request) -> None:
    """What the bot does, who sees what, how to stop; the numbers the worker shared, if any."""
    t = rq.t
    buttons = [[guide_button(t), privacy_button(t)]]
    if await contact_service.shared_with_client(rq.core, rq.update.effective_user.id):  # type: ignore[union-attr]
        buttons.append([useful_numbers_button(t)])
    await rq.reply(
        OutMessage(
            "\n\n".join(
                [
                    t(
                        "Silta sends you short questions about how you are, and reminders of "
                        "meetings and deadlines. Answer with one tap."
                    ),
                    who_sees(t, rq.core.policy),
                    "\n".join(
                        [
                            t("/next – what is coming up"),
                            t("/guide – which office does what"),
                            t("/contact – ask your worker to contact you"),
                            t("/language – change the language"),
                            t("/stop – pause the messages"),
                            t("/privacy – your data in Silta"),
                            t("/help – this help"),
                        ]
                    ),
                    t(
                        "Write a message, or send a photo, a voice message or a file, and it "
                        "goes to your worker."
                    )
                    + " "
                    + t("Messages between you and Silta travel through Telegram."),
                ]
            ),
            buttons,
            protect=True,
        ),
    )


async def on_useful_numbers(rq: Request, cb: Callback) -> None:
    """The button under /help: the contacts the worker marked shareable, and only those."""
    await answer_query(rq.query)
    found = await contact_service.shared_with_client(rq.core, rq.update.effective_user.id)  # type: ignore[union-attr]
    await rq.reply(useful_numbers(rq.t, found))


async def cmd_privacy(rq: Request) -> None:
    """/privacy: who keeps the client's data, what, how long, how to see it, how to stop."""
    await rq.reply(privacy(rq.t, rq.core.policy))


async def on_privacy(rq: Request, cb: Callback) -> None:
    """The privacy button, on the consent screen (before joining) or under /help."""
    # Before joining there is no stored language: the button carries the consent screen's.
    t = rq.t if rq.who.client is not None else translator(cb.choice)
    await answer_query(rq.query)
    await rq.reply(privacy(t, rq.core.policy))
