"""A worker joining by invite, /start and /help."""

from __future__ import annotations

from bot.i18n import translator
from bot.messages import h
from bot.services import onboarding
from bot.services import workers as worker_service
from handlers.common import Request, lang_of
from handlers.context import Flow
from handlers.menus import ADMIN_MENU, WORKER_ADMIN_MENU, WORKER_MENU, set_worker_commands
from handlers.worker.flow import begin_flow, end_flow, prompt
from handlers.worker.shared import as_code


async def join_as_worker(rq: Request, invite_id: int) -> None:
    """A worker invite was opened."""
    user = rq.update.effective_user
    assert user is not None
    result = await worker_service.join_worker(rq.core, user.id, invite_id)
    # Not rq.t: someone who is a client answers in Telegram's language here, as before.
    t = lang_of(rq.update)
    if result.status == "joined" and result.worker is not None:
        t = translator(result.worker.language)
        await rq.reply(
            t(
                "Welcome to Silta, {name}! You are now registered as a worker. "
                "Type /help to see what you can do."
            ).format(name=t.ltr(h(result.worker.name))),
        )
        await set_worker_commands(
            rq.context.bot, user.id, result.worker.language, result.worker.is_admin
        )
    elif result.status == "already":
        await rq.reply(t("You are already registered as a worker."))
    else:
        await rq.reply(t("This invite is no longer valid. Ask your admin for a new one."))


async def cmd_start(rq: Request) -> None:
    """A worker pressing /start gets the help; an admin seeded as "Admin" is asked their name."""
    if rq.me.needs_name:
        flow = begin_flow(rq, "myname", "name")
        await prompt(
            rq,
            flow,
            rq.t(
                "Welcome to Silta! You are an admin here. What is your name? Colleagues see "
                "it, and clients see your first name."
            ),
        )
        return
    await cmd_help(rq)


async def on_name(rq: Request, flow: Flow, text: str) -> None:
    """The name an admin seeded as "Admin" gives at first contact."""
    t = rq.t
    worker = await onboarding.set_own_name(rq.core, rq.me, text)
    if worker is None:
        await prompt(
            rq,
            flow,
            t("Please write your name (at most {n} characters, never an identity number).").format(
                n=onboarding.MAX_WORKER_NAME
            ),
        )
        return
    end_flow(rq)
    await rq.reply(t("Thank you, {name}!").format(name=t.ltr(h(worker.name))))
    await cmd_help(rq)


async def cmd_help(rq: Request) -> None:
    """What a worker can do; an admin sees the admin commands too."""
    t = rq.t
    lines = [
        t(
            "Silta for workers. Alerts come to this chat; reply to a client's message to "
            "answer them."
        ),
        "",
    ]
    lines += [
        f"/{name} — {t(description)}" for name, description in (*WORKER_MENU, *WORKER_ADMIN_MENU)
    ]
    if rq.me.is_admin:
        lines += ["", t("Admin commands:")]
        lines += [f"/{name} — {t(description)}" for name, description in ADMIN_MENU]
    lines.append("")
    lines.append(
        t("Clients are named by number (#12) or nickname, e.g. {example}.").format(
            example=as_code("/plan 12")
        )
    )
    await rq.reply("\n".join(lines))
