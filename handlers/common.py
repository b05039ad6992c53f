"""Shared pieces of the Telegram edge: the request a handler gets, roles, languages and replies."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import CallbackQuery, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.callbacks import Callback
from bot.core import Core
from bot.i18n import Translator, pick_language, translator
from bot.services.access import Who, whois
from bot.transport import OutMessage, keyboard
from handlers.context import SiltaContext, UserData
from storage.models import Worker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Request:
    """One update as the router saw it: who sent it, and the translator to answer them with."""

    update: Update
    context: SiltaContext
    who: Who
    t: Translator

    @property
    def core(self) -> Core:
        return self.context.bot_data.core

    @property
    def me(self) -> Worker:
        """The sending worker (or admin); only worker handlers ask."""
        assert self.who.worker is not None
        return self.who.worker

    @property
    def query(self) -> CallbackQuery:
        """The pressed button's query; only button handlers ask."""
        query = self.update.callback_query
        assert query is not None
        return query

    @property
    def user_data(self) -> UserData:
        assert self.context.user_data is not None
        return self.context.user_data

    @property
    def args(self) -> str:
        """Everything after the command word."""
        return command_args(self.update)

    async def reply(self, message: OutMessage | str) -> None:
        """Answer in the chat the update came from."""
        await reply(self.update, message)


Command = Callable[[Request], Awaitable[None]]
Press = Callable[[Request, Callback], Awaitable[None]]


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
    if message.document is not None:
        name, data = message.document
        await bot.send_document(
            chat.id,
            document=InputFile(data, filename=name),
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
