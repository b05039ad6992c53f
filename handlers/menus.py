"""The command menus Telegram shows, per audience and language; imports no handler module."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import N_, available_languages, translator
from storage import people as people_repo

log = logging.getLogger(__name__)

Menu = tuple[tuple[str, str], ...]

CLIENT_MENU: Menu = (
    ("next", N_("What is coming up")),
    ("guide", N_("Service guide: which office does what")),
    ("contact", N_("Ask your worker to contact you")),
    ("language", N_("Change the language")),
    ("stop", N_("Pause the messages")),
    ("privacy", N_("Your data in Silta")),
    ("help", N_("Help")),
)
WORKER_MENU: Menu = (
    ("clients", N_("Your clients")),
    ("newclient", N_("Add a client and make an invite")),
    ("appointment", N_("Book an appointment")),
    ("appointments", N_("A client's appointments: change or cancel")),
    ("deadline", N_("Add a benefit deadline")),
    ("deadlines", N_("A client's benefit deadlines")),
    ("plan", N_("A client's release plan")),
    ("contacts", N_("A client's partner contacts")),
    ("alerts", N_("Open alerts")),
    ("reply", N_("Write to a client")),
    ("invite", N_("A new invite for a client")),
    ("handover", N_("Hand a client over to a colleague")),
    ("close", N_("End a client's service")),
    ("summary", N_("A client's summary for the client record")),
    ("addpartner", N_("Invite a partner from the prison")),
    ("partners", N_("Prison partners: list, end access")),
    ("cancel", N_("Stop what you are doing")),
    ("help", N_("What I can do")),
)
PARTNER_MENU: Menu = (
    ("refer", N_("Refer a person at the start of a sentence")),
    ("clients", N_("Your linked clients and their shared plan")),
    ("cancel", N_("Stop what you are doing")),
    ("help", N_("What I can do")),
)
# Commands of the admin handlers that every worker has too (not listed in the worker's /help).
WORKER_ADMIN_MENU: Menu = (("cadence", N_("Set a client's check-in cadence")),)
ADMIN_MENU: Menu = (
    ("policy", N_("See or change the schedule policy")),
    ("addworker", N_("Invite a new worker")),
    ("workers", N_("Workers: list, deactivate, reactivate")),
    ("teams", N_("Teams and their members")),
    ("team", N_("Move a worker to a team")),
    ("makeadmin", N_("Make a worker an admin")),
    ("audit", N_("The latest audit log entries")),
    ("stats", N_("Statistics")),
    ("report", N_("A team's clients and activity")),
)


def _menu(lang: str, items: Iterable[tuple[str, str]]) -> list[BotCommand]:
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
    core = app.bot_data.core
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


async def set_worker_commands(bot: Bot, chat_id: int, lang: str, admin: bool) -> None:
    """A worker's (or admin's) own menu in their chat."""
    items = [*WORKER_MENU, *WORKER_ADMIN_MENU, *(ADMIN_MENU if admin else ())]
    await bot.set_my_commands(_menu(lang, items), scope=BotCommandScopeChat(chat_id))


async def set_partner_commands(bot: Bot, chat_id: int, lang: str) -> None:
    """A partner's menu in their chat, once they have joined."""
    try:
        await bot.set_my_commands(_menu(lang, PARTNER_MENU), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.info("menu update failed: %s", type(exc).__name__)


async def set_client_commands(bot: Bot, chat_id: int, lang: str) -> None:
    """After a language change the client's menu follows."""
    try:
        await bot.set_my_commands(_menu(lang, CLIENT_MENU), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.info("menu update failed: %s", type(exc).__name__)
