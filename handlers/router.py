"""Registers every handler, in explicit groups, and routes each update by the sender's role."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import Callback, decode
from bot.services import partners as partner_service
from bot.services import reach
from bot.services.access import Who
from handlers import admin as admin_handlers
from handlers import client as client_handlers
from handlers import guide as guide_handlers
from handlers import partner as partner_handlers
from handlers import unknown as unknown_handlers
from handlers import worker as worker_handlers
from handlers.common import (
    Command,
    Press,
    Request,
    answer_query,
    answering,
    lang_of,
    reply,
    resolve,
)
from handlers.context import SiltaContext

log = logging.getLogger(__name__)

WORKERS = ("worker", "admin")
INACTIVE = ("inactive_worker", "inactive_partner")


def _client_commands() -> dict[str, Command]:
    return {
        "next": client_handlers.cmd_next,
        "contact": client_handlers.cmd_contact,
        "language": client_handlers.cmd_language,
        "stop": client_handlers.cmd_stop,
        "help": client_handlers.cmd_help,
        "privacy": client_handlers.cmd_privacy,
        "guide": guide_handlers.cmd_guide,
    }


def _client_presses() -> dict[str, Press]:
    return {
        "ck": client_handlers.on_answer,
        "ap": client_handlers.on_answer,
        "dl": client_handlers.on_answer,
        "lang": client_handlers.on_language,
        "ps": client_handlers.on_pause,
        "pi": client_handlers.on_plan_tick,
        "un": client_handlers.on_useful_numbers,
        "gd": guide_handlers.on_guide,
    }


def _commands(role: str) -> dict[str, Command]:
    """The commands a role may use."""
    if role == "client":
        return _client_commands()
    if role == "worker":
        return {**worker_handlers.COMMANDS, **admin_handlers.WORKER_COMMANDS}
    if role == "admin":
        return {**worker_handlers.COMMANDS, **admin_handlers.COMMANDS}
    if role == "partner":
        return partner_handlers.COMMANDS
    return {}


def _press(role: str, kind: str) -> Press | None:
    """The handler of a button kind for a role; None when the role may not press it."""
    if kind == "cs" and role in ("unknown", "client"):
        return client_handlers.on_consent
    if kind == "pv" and role in ("unknown", "client"):
        return client_handlers.on_privacy
    if role == "client":
        return _client_presses().get(kind)
    if role == "partner":
        return partner_handlers.CALLBACKS.get(kind)
    if role in WORKERS and kind in worker_handlers.CALLBACKS:
        return worker_handlers.CALLBACKS[kind]
    if role == "admin":
        return admin_handlers.CALLBACKS.get(kind)
    return None


def _parse_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """('name', 'args') from '/name@bot args'; None when it is not a command for us."""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    name, _, target = head[1:].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower(), rest.strip()


async def _request(update: Update, context: SiltaContext) -> Request:
    """The sender's role and translator, computed once for the handler; answers that Telegram
    will not take at once go to the outbox."""
    answering(context.core)
    who: Who = await resolve(update, context)
    if who.worker is not None and who.worker.unreachable:
        # A worker Silta could not reach wrote: alerts reach them again.
        await reach.worker_seen(context.core, who.worker.id)
    if who.partner is not None and who.partner.unreachable:
        await partner_service.seen(context.core, who.partner)
    if who.client is not None and who.client.unreachable and update.effective_user is not None:
        # Any sign of life from a client marked unreachable closes that alert and tells the
        # worker, whatever they did (a button, a command, a message).
        await reach.client_seen(context.core, update.effective_user.id)
    # Dates in the answers say "today" and "tomorrow" as they are for the sender now.
    t = lang_of(update, who).at(context.core.now(), context.core.policy.zone)
    return Request(update, context, who, t)


async def _inactive(rq: Request) -> None:
    if rq.who.role == "inactive_partner":
        await rq.reply(rq.t("Your partner account is not active. Ask the social services."))
        return
    await rq.reply(rq.t("Your worker account is not active. Ask an admin."))


async def _start(rq: Request, args: str) -> None:
    """`/start` (with a deep-link payload or not) by role."""
    role = rq.who.role
    if role == "unknown":
        await unknown_handlers.on_start(rq, args)
    elif role == "client":
        await client_handlers.cmd_start(rq, args)
    elif role in WORKERS:
        await worker_handlers.cmd_start(rq)
    elif role == "partner":
        await partner_handlers.cmd_help(rq)
    else:
        await _inactive(rq)


async def _unavailable(rq: Request, name: str) -> None:
    """A command this role does not have: say why, kindly."""
    t = rq.t
    if rq.who.role == "unknown":
        await rq.reply(unknown_handlers.explain(t))
    elif rq.who.role in INACTIVE:
        await _inactive(rq)
    elif name in admin_handlers.COMMANDS or name in worker_handlers.COMMANDS:
        await rq.reply(t("Sorry, that command is not available to you."))
    else:
        await rq.reply(t("I do not know that command. Type /help to see what I can do."))


async def on_command(update: Update, context: SiltaContext) -> None:
    """Any /command: route by role; unknown commands and wrong roles get a polite answer."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    parsed = _parse_command(message.text, context.core.bot_username)
    if parsed is None:
        return
    name, args = parsed
    rq = await _request(update, context)
    if name == "start":
        await _start(rq, args)
        return
    handler = _commands(rq.who.role).get(name)
    if handler is not None:
        await handler(rq)
    else:
        await _unavailable(rq, name)


async def on_callback(update: Update, context: SiltaContext) -> None:
    """Button presses: decode, check the role, route; every query is answered."""
    query = update.callback_query
    if query is None:
        return
    rq = await _request(update, context)
    t = rq.t
    cb: Callback | None = decode(query.data)
    handler = _press(rq.who.role, cb.kind) if cb is not None else None
    if cb is None or handler is None:
        await answer_query(query, t("This button is no longer active."))
        return
    try:
        await handler(rq, cb)
    except Exception:
        await answer_query(query, t("Something went wrong. Please try again."))
        raise


async def on_text(update: Update, context: SiltaContext) -> None:
    """Plain text by role."""
    rq = await _request(update, context)
    role = rq.who.role
    if role == "client":
        await client_handlers.on_text(rq)
    elif role in WORKERS:
        await worker_handlers.on_text(rq)
    elif role == "partner":
        await partner_handlers.on_text(rq)
    elif role in INACTIVE:
        await _inactive(rq)
    else:
        await unknown_handlers.on_message(rq)


async def on_other(update: Update, context: SiltaContext) -> None:
    """Stickers, photos, voice, files: a short polite answer."""
    rq = await _request(update, context)
    if rq.who.role == "client":
        await client_handlers.on_other_content(rq)
    elif rq.who.role in WORKERS:
        await worker_handlers.on_media(rq)
    elif rq.who.role == "partner":
        await rq.reply(rq.t("Sorry, Silta does not pass on pictures or files."))
    else:
        await rq.reply(unknown_handlers.explain(rq.t))


async def on_member(update: Update, context: SiltaContext) -> None:
    """Someone blocked (kicked) or unblocked the bot in their private chat: noticed at once."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private" or change.from_user is None:
        return
    await reach.membership_changed(context.core, change.from_user.id, change.new_chat_member.status)


async def on_anything(update: Update, context: SiltaContext) -> None:
    """Update kinds we do not handle (edits, reactions, member changes) are ignored on purpose."""
    return None


async def error_handler(update: object, context: SiltaContext) -> None:
    """Log first (type and update id only: no personal data), then tell the person kindly."""
    err = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error handling update %s: %s",
        update_id,
        type(err).__name__,
        exc_info=(type(err), err, err.__traceback__) if err else None,
    )
    if (
        isinstance(update, Update)
        and update.effective_chat is not None
        and update.callback_query is None
        and not isinstance(err, TelegramError)
        and context.bot_data.started
    ):
        answering(context.core, new_update=False)
        t = lang_of(update)
        # Retried, then queued like any answer (handlers/common.py): it is not lost either.
        await reply(update, t("Something went wrong. Please try again."))


def register(app: Application) -> None:
    """Handler groups: commands, buttons, text, other content, then a catch-all."""
    private = filters.ChatType.PRIVATE
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE & private, on_command), 0
    )
    app.add_handler(CallbackQueryHandler(on_callback), 0)
    app.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE & private, on_text
        ),
        0,
    )
    app.add_handler(
        MessageHandler(
            ~filters.TEXT & filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, on_other
        ),
        0,
    )
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER, chat_id=None), 0)
    app.add_handler(TypeHandler(Update, on_anything), 1)
