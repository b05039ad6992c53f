"""A worker joining by invite, /start and /help."""

from __future__ import annotations

from bot.i18n import translator
from bot.messages import h
from bot.services import workers as worker_service
from handlers.common import Request, lang_of
from handlers.menus import WORKER_MENU, set_worker_commands
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
    """A worker pressing /start gets the help."""
    await cmd_help(rq)


async def cmd_help(rq: Request) -> None:
    """What a worker can do."""
    t = rq.t
    lines = [
        t(
            "Silta for workers. Alerts come to this chat; reply to a client's message to "
            "answer them."
        ),
        "",
    ]
    lines += [f"/{name} — {t(description)}" for name, description in WORKER_MENU]
    lines.append("")
    lines.append(
        t("Clients are named by number (#12) or nickname, e.g. {example}.").format(
            example=as_code("/plan 12")
        )
    )
    await rq.reply("\n".join(lines))
