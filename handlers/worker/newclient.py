"""/newclient (nickname, language, release date, backup) and the client's invite card."""

from __future__ import annotations

from bot.i18n import LANGUAGE_NAMES, Translator, available_languages
from bot.messages import h
from bot.services import onboarding
from bot.services import workers as worker_service
from bot.services.audit import actor_kind
from bot.services.onboarding import InviteCard, OnboardingError
from bot.timeparse import TimeParseError
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query
from handlers.context import Flow
from handlers.worker.flow import begin_flow, chosen, end_flow, flow_buttons, prompt
from handlers.worker.shared import (
    as_code,
    client_name,
    closed_text,
    date_example,
    date_problem,
    pick_client,
    today,
)
from storage.models import Client


async def cmd_newclient(rq: Request) -> None:
    """/newclient [NICKNAME]: nickname, language, release date, backup; then the invite."""
    t = rq.t
    flow = begin_flow(rq, "newclient", "nickname")
    nickname = rq.args
    if nickname:
        await on_nickname(rq, flow, nickname)
        return
    await prompt(
        rq,
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


async def on_nickname(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    try:
        nickname = onboarding.check_nickname(text)
    except OnboardingError as exc:
        await prompt(rq, flow, _nickname_problem(t, exc.code))
        return
    flow.nickname = nickname
    flow.step = "language"
    rows = kb.languages(t, flow_buttons(flow), available_languages())
    await prompt(
        rq,
        flow,
        t("Which language does {client} read?").format(client=t.ltr(h(nickname))),
        rows,
    )


async def on_language(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    query = rq.query
    t = rq.t
    code = verb.removeprefix("lang-")
    if code != "auto" and code not in available_languages():
        await kb.stale(query, t)
        return
    await answer_query(query)
    flow.language = None if code == "auto" else code
    await chosen(rq, t("The client's phone decides") if code == "auto" else LANGUAGE_NAMES[code])
    flow.step = "release"
    await prompt(
        rq,
        flow,
        t(
            "When is {client} released? Write the date, e.g. {example}. A date that has passed is "
            "fine too. Tap Skip if you do not know."
        ).format(client=t.ltr(h(flow.nickname)), example=as_code(date_example(rq))),
        [[(t("Skip"), flow_buttons(flow)("skip"))]],
    )


async def on_release(rq: Request, flow: Flow, text: str | None) -> None:
    t = rq.t
    if text is not None:
        try:
            day = onboarding.parse_release_date(text, today(rq))
        except TimeParseError as exc:
            await prompt(
                rq,
                flow,
                date_problem(t, exc.reason, date_example(rq)),
                [[(t("Skip"), flow_buttons(flow)("skip"))]],
            )
            return
        flow.release = day
    else:
        flow.release = None
    candidates = await worker_service.backup_candidates(rq.core, rq.me)
    if not candidates:
        await create(rq, flow, None)
        return
    flow.step = "backup"
    button = flow_buttons(flow)
    rows = kb.pairs([(kb.short(w.name), button("bk", w.id)) for w in candidates[: kb.MAX_PICK]])
    rows.append([(t("No backup"), button("bk", 0))])
    await prompt(
        rq,
        flow,
        t("Who backs you up with {client} when you are away?").format(
            client=t.ltr(h(flow.nickname))
        ),
        rows,
    )


async def on_skip_release(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    """Skip: the release date is not known."""
    await answer_query(rq.query)
    await chosen(rq, rq.t("Skipped"))
    await on_release(rq, flow, None)


async def on_backup(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    """A backup colleague picked (item 0: none); the client is made."""
    t = rq.t
    await answer_query(rq.query)
    await chosen(rq, t("No backup") if item_id == 0 else t("Backup chosen"))
    await create(rq, flow, item_id or None)


async def create(rq: Request, flow: Flow, backup_id: int | None) -> None:
    t = rq.t
    end_flow(rq)
    try:
        card = await onboarding.create_client(
            rq.core,
            rq.me,
            flow.nickname,
            language=flow.language,
            release_date=flow.release,
            backup_worker_id=backup_id,
        )
    except OnboardingError as exc:
        text = (
            t("That colleague cannot be a backup now. Start again with /newclient.")
            if exc.code == "backup"
            else _nickname_problem(t, exc.code)
        )
        await rq.reply(text)
        return
    await _send_invite(rq, card, new=True)


async def _send_invite(rq: Request, card: InviteCard, *, new: bool) -> None:
    """The invite card: link, code grouped for typing, expiry, and a printable QR image."""
    t = rq.t
    zone = rq.core.policy.zone
    assert card.client is not None
    lines = [
        (
            t("✅ {client} was added. The invite:")
            if new
            else t("🔗 A new invite for {client}. The earlier one no longer works.")
        ).format(client=client_name(t, card.client)),
        t("Link: {link}").format(link=t.ltr(h(card.link))),
        t("Code: {code}").format(code=t.ltr(as_code(card.grouped))),
        t("Valid until {when}").format(when=t.datetime(card.expires_at, zone)),
        "",
        t(
            "Print the QR image or give the code. The client opens the link with Telegram, or "
            "sends the code to @{bot}."
        ).format(bot=h(rq.core.bot_username)),
    ]
    await rq.reply(OutMessage("\n".join(lines), photo=card.qr()))


async def start_release_change(rq: Request, client: Client) -> None:
    """The card's release-date button: correct it (or mark it not known); planning follows."""
    t = rq.t
    if client.status == "closed":
        await rq.reply(closed_text(t, client))
        return
    flow = begin_flow(rq, "release", "date", client_id=client.id, label=client.label)
    await prompt(
        rq,
        flow,
        t(
            "When is {client} released? Write the date, e.g. {example}. A date that has passed "
            "is fine too."
        ).format(client=client_name(t, client), example=as_code(date_example(rq))),
        [[(t("Not known"), flow_buttons(flow)("unknown"))]],
    )


async def on_release_change(rq: Request, flow: Flow, text: str | None) -> None:
    t = rq.t
    day = None
    if text is not None:
        try:
            day = onboarding.parse_release_date(text, today(rq))
        except TimeParseError as exc:
            await prompt(rq, flow, date_problem(t, exc.reason, date_example(rq)))
            return
    end_flow(rq)
    client = await onboarding.set_release_date(
        rq.core, rq.me, flow.client_id, day, kind=actor_kind(rq.me)
    )
    if client is None:
        await rq.reply(t("No such client among yours."))
        return
    name = client_name(t, client)
    await rq.reply(
        t("Release date of {client}: {date}. Check-ins are planned from it.").format(
            client=name, date=t.day(day)
        )
        if day is not None
        else t("The release date of {client} is now marked not known.").format(client=name)
    )


async def on_release_unknown(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    await answer_query(rq.query)
    await chosen(rq, rq.t("Not known"))
    await on_release_change(rq, flow, None)


async def cmd_invite(rq: Request) -> None:
    """/invite CLIENT: a new invite (for a new phone or a lost card); the old one stops."""
    client = await pick_client(rq, "inv")
    if client is not None:
        await new_invite(rq, client)


async def new_invite(rq: Request, client: Client) -> None:
    t = rq.t
    try:
        card = await onboarding.new_client_invite(rq.core, rq.me, client, actor=actor_kind(rq.me))
    except OnboardingError:
        await rq.reply(closed_text(t, client))
        return
    await _send_invite(rq, card, new=False)
