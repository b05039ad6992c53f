"""Shared pieces of the Telegram edge: the typed context, roles, languages and replies."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core import Core
from bot.i18n import Translator, pick_language, translator
from bot.services.access import Who, whois
from bot.transport import OutMessage, keyboard

log = logging.getLogger(__name__)


class SiltaContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with typed access to Silta's core instead of untyped bot_data lookups."""

    @property
    def core(self) -> Core:
        return self.application.bot_data["core"]


def context_types() -> Any:
    """ContextTypes for ApplicationBuilder."""
    from telegram.ext import ContextTypes

    return ContextTypes(context=SiltaContext)


async def resolve(update: Update, context: SiltaContext) -> Who:
    """The sender's role, read from the database for this update."""
    user = update.effective_user
    if user is None:
        return Who("unknown")
    async with context.core.db.read() as conn:
        return await whois(conn, user.id)


def lang_of(update: Update, who: Who | None = None) -> Translator:
    """The sender's translator: stored language first, then Telegram's language_code."""
    code = update.effective_user.language_code if update.effective_user else None
    stored = None
    if who is not None:
        if who.worker is not None:
            stored = who.worker.language
        elif who.client is not None:
            stored = who.client.language
    return translator(pick_language(stored, code))


async def reply(update: Update, message: OutMessage | str) -> None:
    """Answer in the chat the update came from."""
    if isinstance(message, str):
        message = OutMessage(message)
    chat = update.effective_chat
    if chat is None:
        return
    bot = update.get_bot()
    if message.photo is not None:
        await bot.send_photo(
            chat.id,
            photo=InputFile(message.photo, filename="silta.png"),
            caption=message.text or None,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(message.buttons),
            protect_content=message.protect,
        )
        return
    await bot.send_message(
        chat.id,
        message.text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(message.buttons),
        protect_content=message.protect,
    )


async def answer_query(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Every callback query gets an answer, or the button spins on the user's phone."""
    try:
        await query.answer(text=text[:200] if text else None, show_alert=alert)
    except TelegramError as exc:
        # A query older than Telegram's limit cannot be answered any more; nothing to fix.
        log.info("callback answer failed: %s", type(exc).__name__)


async def edit_query_message(
    query: CallbackQuery, text: str, buttons: list[list[tuple[str, str]]] | None = None
) -> None:
    """Replace the pressed message's text (and buttons, none by default)."""
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons or [])
        )
    except TelegramError as exc:
        log.info("edit after press failed: %s", type(exc).__name__)


def command_args(update: Update) -> str:
    """Everything after the command word."""
    text = update.effective_message.text if update.effective_message else ""
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def core_of(app: Application) -> Core:
    return app.bot_data["core"]
