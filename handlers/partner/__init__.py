"""The partner's side of the bot (the prison's re-entry workers): joining, /refer, the shared
view of linked clients. A partner reaches nothing else; the router refers every other command
and button to the polite refusal."""

from __future__ import annotations

from bot.callbacks import Callback
from bot.i18n import translator
from bot.messages import h
from bot.services import partners as partner_service
from handlers.common import Command, Press, Request, lang_of
from handlers.menus import PARTNER_MENU, set_partner_commands
from handlers.partner import refer, view
from handlers.worker.flow import ButtonStep, TextStep, cmd_cancel, press, take_text

TEXT_STEPS: dict[tuple[str, str], TextStep] = {
    ("refer", "nickname"): refer.on_nickname,
    ("refer", "release"): refer.on_release,
    ("pnote", "text"): view.on_note,
    ("prelease", "date"): view.on_release_text,
}
BUTTON_STEPS: dict[tuple[str, str], ButtonStep] = {
    ("refer", "language"): ButtonStep(refer.on_language, prefix="lang-"),
    ("refer", "consent"): ButtonStep(refer.on_consent, prefix="c-"),
    ("refer", "reason"): ButtonStep(refer.on_reason, prefix="r-"),
    ("prelease", "date"): ButtonStep(view.on_release_unknown, verbs=("unknown",)),
}


async def join_as_partner(rq: Request, invite_id: int) -> None:
    """A partner invite was opened."""
    user = rq.update.effective_user
    assert user is not None
    result = await partner_service.join(rq.core, user.id, invite_id)
    t = lang_of(rq.update)
    if result.status == "joined" and result.partner is not None:
        t = translator(result.partner.language)
        await rq.reply(
            t(
                "Welcome to Silta, {name}! You are registered as a partner of the social "
                "services ({organisation}). Type /help to see what you can do."
            ).format(
                name=t.ltr(h(result.partner.name)),
                organisation=t.ltr(h(result.partner.organisation)),
            )
        )
        await set_partner_commands(rq.context.bot, user.id, result.partner.language)
    elif result.status == "already":
        await rq.reply(t("You are already registered as a partner."))
    else:
        await rq.reply(t("This invite is no longer valid. Ask the social services for a new one."))


async def cmd_help(rq: Request) -> None:
    """What a partner can do."""
    t = rq.t
    lines = [
        t(
            "Silta for partners. You see only the clients linked to you: their release date, "
            "the plan items of the prison, and their worker's name and phone."
        ),
        "",
    ]
    lines += [f"/{name} — {t(text)}" for name, text in PARTNER_MENU]
    await rq.reply("\n".join(lines))


async def on_text(rq: Request) -> None:
    """Typed text: a step of the conversation in progress, else the help."""
    message = rq.update.effective_message
    text = (message.text or "") if message else ""
    if not await take_text(rq, text, TEXT_STEPS):
        await cmd_help(rq)


async def on_flow_button(rq: Request, cb: Callback) -> None:
    await press(rq, cb, BUTTON_STEPS)


COMMANDS: dict[str, Command] = {
    "help": cmd_help,
    "refer": refer.cmd_refer,
    "clients": view.cmd_clients,
    "cancel": cmd_cancel,
}
CALLBACKS: dict[str, Press] = {
    "fl": on_flow_button,
    "pc": view.on_client_button,
    "pt": view.on_item_button,
    "pa": view.on_joint_button,
}
