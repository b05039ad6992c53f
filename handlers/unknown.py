"""People Silta does not know yet: explain, and take an invite code (deep link or typed)."""

from __future__ import annotations

from bot.callbacks import encode
from bot.i18n import Translator, translator
from bot.invites import normalize_code
from bot.messages import h
from bot.policy import Policy
from bot.privacy_text import privacy_button, privacy_short
from bot.services import clients as client_service
from bot.transport import OutMessage
from handlers.common import Request, lang_of
from handlers.partner import join_as_partner
from handlers.worker.help import join_as_worker


def explain(t: Translator) -> str:
    """What Silta is, for someone who has no invite yet."""
    return "\n\n".join(
        [
            # The first line is a lock-screen preview: it says only "Silta".
            t("Hello! This is Silta."),
            t(
                "Silta is a message service of the social services. It helps you keep in touch "
                "with your worker: it reminds you of meetings and deadlines and asks how you are."
            ),
            t(
                "To join, you need an invite from your worker. If you have an invite code, "
                "type it here."
            ),
        ]
    )


def offer_text(t: Translator, worker: str, policy: Policy) -> OutMessage:
    """Consent screen: who the worker is, what Silta sends, who sees what, how to stop."""
    return OutMessage(
        "\n\n".join(
            [
                t("Welcome to Silta!"),
                t("Your worker is {worker}.").format(worker=t.ltr(h(worker))),
                t(
                    "Silta sends you short questions about how you are, and reminders of "
                    "meetings and deadlines. You answer with one tap."
                ),
                t("{worker} sees your answers and the messages you write here.").format(
                    worker=t.ltr(h(worker))
                ),
                t("You can pause at any time with /stop."),
                privacy_short(t, policy),
                t("Do you want to start?"),
            ]
        ),
        protect=True,
    )


def offer_problem(t: Translator, status: str) -> str:
    """Why a code did not work, kindly."""
    return {
        "invalid": t(
            "That code did not work. Check it and try again, or ask your worker for a new invite."
        ),
        "expired": t("This invite is no longer valid. Ask your worker for a new one."),
        "used": t(
            "This invite has already been used. If you have a new phone, ask your "
            "worker for a new invite."
        ),
        "throttled": t("Too many tries. Please wait an hour and try again, or ask your worker."),
        "is_worker": t("You are a worker in Silta, so this account cannot join as a client."),
        "stale": t("This button is no longer active."),
    }.get(status, t("This button is no longer active."))


async def present(rq: Request, code_text: str) -> None:
    """Someone presented an invite code: show the consent screen or say what is wrong."""
    user = rq.update.effective_user
    assert user is not None
    offer = await client_service.present_code(rq.core, user.id, code_text)
    if offer.status == "worker_invite":
        await join_as_worker(rq, offer.invite_id or 0)
        return
    if offer.status == "partner_invite":
        await join_as_partner(rq, offer.invite_id or 0)
        return
    # Not rq.t: a client presenting a new code is answered in Telegram's language, as before.
    base = lang_of(rq.update)
    if offer.status != "offer":
        await rq.reply(offer_problem(base, offer.status))
        return
    t = translator(offer.language) if offer.language else base
    message = offer_text(t, offer.worker_name or "", rq.core.policy)
    buttons = [
        [
            (t("✅ Yes, let's start"), encode("cs", offer.invite_id or 0, "yes")),
            (t("Not now"), encode("cs", offer.invite_id or 0, "no")),
        ],
        [privacy_button(t)],
    ]
    await rq.reply(OutMessage(message.text, buttons, protect=True))


def looks_like_code(text: str) -> bool:
    """A bare invite code typed into the chat (dashes and spaces ignored)."""
    return normalize_code(text) is not None


async def on_message(rq: Request) -> None:
    """Text from an unknown person: a code joins, anything else gets the explanation."""
    message = rq.update.effective_message
    text = (message.text or "").strip() if message else ""
    if text and looks_like_code(text):
        await present(rq, text)
        return
    await rq.reply(explain(rq.t))


async def on_start(rq: Request, payload: str) -> None:
    """`/start` with or without a deep-link code."""
    if payload:
        await present(rq, payload)
    else:
        await rq.reply(explain(rq.t))
