"""Registers every handler, in explicit groups, and routes each update by the sender's role."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import decode
from bot.i18n import N_, available_languages, translator
from bot.services.access import Who
from handlers import admin as admin_handlers
from handlers import client as client_handlers
from handlers import unknown as unknown_handlers
from handlers import worker as worker_handlers
from handlers.common import SiltaContext, answer_query, lang_of, reply, resolve

log = logging.getLogger(__name__)

Handler = Callable[[Update, SiltaContext, Who], Awaitable[None]]

CLIENT_MENU = (
    ("next", N_("What is coming up")),
    ("contact", N_("Ask your worker to contact you")),
    ("language", N_("Change the language")),
    ("stop", N_("Pause the messages")),
    ("help", N_("Help")),
)


def _client_commands() -> dict[str, Handler]:
    return {
        "next": client_handlers.cmd_next,
        "contact": client_handlers.cmd_contact,
        "language": client_handlers.cmd_language,
        "stop": client_handlers.cmd_stop,
        "help": client_handlers.cmd_help,
    }


def _parse_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """('name', 'args') from '/name@bot args'; None when it is not a command for us."""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    name, _, target = head[1:].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower(), rest.strip()


async def on_command(update: Update, context: SiltaContext) -> None:
    """Any /command: route by role; unknown commands and wrong roles get a polite answer."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    parsed = _parse_command(message.text, context.core.bot_username)
    if parsed is None:
        return
    name, args = parsed
    who = await resolve(update, context)
    t = lang_of(update, who)
    if name == "start":
        if who.role == "unknown":
            await unknown_handlers.on_start(update, context, args)
        elif who.role == "client":
            await client_handlers.cmd_start(update, context, who, args)
        elif who.role in ("worker", "admin"):
            await worker_handlers.cmd_start(update, context, who)
        else:
            await reply(update, t("Your worker account is not active. Ask an admin."))
        return
    table: dict[str, Handler] = {}
    if who.role == "client":
        table = _client_commands()
    elif who.role == "worker":
        table = {**worker_handlers.COMMANDS, **admin_handlers.WORKER_COMMANDS}
    elif who.role == "admin":
        table = {**worker_handlers.COMMANDS, **admin_handlers.COMMANDS}
    handler = table.get(name)
    if handler is not None:
        await handler(update, context, who)
        return
    if who.role == "unknown":
        await reply(update, unknown_handlers.explain(t))
    elif who.role == "inactive_worker":
        await reply(update, t("Your worker account is not active. Ask an admin."))
    elif name in admin_handlers.COMMANDS or name in worker_handlers.COMMANDS:
        await reply(update, t("Sorry, that command is not available to you."))
    else:
        await reply(update, t("I do not know that command. Type /help to see what I can do."))


async def on_callback(update: Update, context: SiltaContext) -> None:
    """Button presses: decode, check the role, route; every query is answered."""
    query = update.callback_query
    if query is None:
        return
    who = await resolve(update, context)
    t = lang_of(update, who)
    cb = decode(query.data)
    if cb is None:
        await answer_query(query, t("This button is no longer active."))
        return
    try:
        if cb.kind == "cs" and who.role in ("unknown", "client"):
            await client_handlers.on_consent(update, context, cb)
        elif cb.kind in ("ck", "ap", "dl") and who.role == "client":
            await client_handlers.on_answer(update, context, who, cb)
        elif cb.kind == "lang" and who.role == "client":
            await client_handlers.on_language(update, context, who, cb)
        elif cb.kind == "ps" and who.role == "client":
            await client_handlers.on_pause(update, context, who, cb)
        elif who.role in ("worker", "admin") and cb.kind in worker_handlers.CALLBACKS:
            await worker_handlers.CALLBACKS[cb.kind](update, context, who, cb)
        elif who.role == "admin" and cb.kind in admin_handlers.CALLBACKS:
            await admin_handlers.CALLBACKS[cb.kind](update, context, who, cb)
        else:
            await answer_query(query, t("This button is no longer active."))
    except Exception:
        await answer_query(query, t("Something went wrong. Please try again."))
        raise


async def on_text(update: Update, context: SiltaContext) -> None:
    """Plain text by role."""
    who = await resolve(update, context)
    if who.role == "client":
        await client_handlers.on_text(update, context, who)
    elif who.role in ("worker", "admin"):
        await worker_handlers.on_text(update, context, who)
    elif who.role == "inactive_worker":
        t = lang_of(update, who)
        await reply(update, t("Your worker account is not active. Ask an admin."))
    else:
        await unknown_handlers.on_message(update, context)


async def on_other(update: Update, context: SiltaContext) -> None:
    """Stickers, photos, voice, files: a short polite answer."""
    who = await resolve(update, context)
    if who.role == "client":
        await client_handlers.on_other_content(update, context, who)
    elif who.role in ("worker", "admin"):
        t = lang_of(update, who)
        await reply(update, t("Please send text or use the commands."))
    else:
        await reply(update, unknown_handlers.explain(lang_of(update, who)))


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
    ):
        try:
            t = lang_of(update)
            await reply(update, t("Something went wrong. Please try again."))
        except TelegramError:
            pass


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
    app.add_handler(TypeHandler(Update, on_anything), 1)


def _menu(lang: str, items: Any) -> list[BotCommand]:
    t = translator(lang)
    return [BotCommand(name, t(desc)) for name, desc in items]


async def set_default_commands(app: Application) -> None:
    """The command menu per language, for clients and everyone else: a few calls."""
    bot = app.bot
    try:
        await bot.set_my_commands(_menu("fi", CLIENT_MENU), scope=BotCommandScopeDefault())
        for lang in available_languages():
            await bot.set_my_commands(
                _menu(lang, CLIENT_MENU), scope=BotCommandScopeDefault(), language_code=lang
            )
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", type(exc).__name__)


async def refresh_worker_commands(app: Application) -> int:
    """Every active worker's own menu, one call each (after an upgrade, or a CLI change).

    Start-up runs it in the background: with a thousand workers it takes seconds, and updates
    are answered meanwhile. Returns how many menus were set.
    """
    core = app.bot_data["core"]
    from storage import people as people_repo

    async with core.db.read() as conn:
        workers = [w for w, _ in await people_repo.list_workers(conn, active_only=True)]
    done = 0
    for worker in workers:
        if worker.telegram_id is None:
            continue
        try:
            await set_worker_commands(app.bot, worker.telegram_id, worker.language, worker.is_admin)
            done += 1
        except TelegramError as exc:  # one worker's chat (blocked, gone) does not stop the rest
            log.info("could not set a worker's menu: %s", type(exc).__name__)
    return done


async def set_worker_commands(bot: Any, chat_id: int, lang: str, admin: bool) -> None:
    """A worker's (or admin's) own menu in their chat."""
    items = (
        list(worker_handlers.MENU)
        + list(admin_handlers.WORKER_MENU)
        + (list(admin_handlers.MENU) if admin else [])
    )
    await bot.set_my_commands(_menu(lang, items), scope=BotCommandScopeChat(chat_id))


async def set_client_commands(context: SiltaContext, chat_id: int, lang: str) -> None:
    """After a language change the client's menu follows."""
    try:
        await context.bot.set_my_commands(
            _menu(lang, CLIENT_MENU), scope=BotCommandScopeChat(chat_id)
        )
    except TelegramError as exc:
        log.info("menu update failed: %s", type(exc).__name__)
