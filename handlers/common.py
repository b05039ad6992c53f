"""Shared pieces of the Telegram edge: the request a handler gets, roles, languages and replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from telegram import Bot, CallbackQuery, Update

from bot.callbacks import Callback
from bot.core import Core
from bot.i18n import Translator, pick_language, translator
from bot.services import answers
from bot.services.access import Who, whois
from bot.transport import (
    OutMessage,
    PermanentSendError,
    SendError,
    TelegramTransport,
    TransientSendError,
    classify,
)
from handlers.context import SiltaContext, UserData
from storage.models import Partner, Worker

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
    def partner(self) -> Partner:
        """The sending partner; only partner handlers ask."""
        assert self.who.partner is not None
        return self.who.partner

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

    async def reply(self, message: OutMessage | str) -> int | None:
        """Answer in the chat the update came from (never lost: see `deliver`); the message id
        when it went at once."""
        return await reply(self.update, message)


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
        elif who.partner is not None:
            stored = who.partner.language
    return translator(pick_language(stored, code))


# Pauses between quick tries of a direct answer. A blip of Telegram's is over within a second or
# two; a longer storm is the outbox's to ride out, with its backoff, while the person's chat is
# free again. Each answer waits at most about this long before it is queued.
RETRY_PAUSES = (0.25, 1.0)
# A 429 that asks for a longer wait than this is honoured by the outbox instead.
MAX_INLINE_WAIT = 2.0


@dataclass(slots=True)
class _Answering:
    """Where the answers of the update being handled go when Telegram will not take them."""

    core: Core
    # One answer went to the outbox: the update's later answers follow it there, in order.
    queued: bool = False


# Set by the router for each update (each runs in a task of its own, so this is per update), so
# that every way of answering (`reply`, `edit_query_message`, `answer_query`) can fall back to
# the outbox without each handler passing the core along.
_answering: ContextVar[_Answering | None] = ContextVar("silta_answering", default=None)


def answering(core: Core, *, new_update: bool = True) -> None:
    """The update now being handled queues its undeliverable answers in this core's outbox.

    The error handler passes new_update=False: its answer follows the update's own, in order.
    """
    if new_update or _answering.get() is None:
        _answering.set(_Answering(core))


def _pause(failure: SendError, tried: int) -> float | None:
    """How long to wait before trying again now; None: no more tries now."""
    if not isinstance(failure, TransientSendError) or tried > len(RETRY_PAUSES):
        return None
    if failure.reason == "timeout":
        # Telegram may have delivered it: whether to repeat it is the outbox's rule for a
        # timed-out send (at most once more), not a quick loop's.
        return None
    if failure.retry_after is not None:
        return failure.retry_after if failure.retry_after <= MAX_INLINE_WAIT else None
    return RETRY_PAUSES[tried - 1]


async def _tries(call: Callable[[], Awaitable[int]]) -> int | SendError:
    """`call`, tried again after a transient failure for a second or two; its last failure."""
    tried = 0
    while True:
        tried += 1
        try:
            return await call()
        except SendError as failure:
            wait = _pause(failure, tried)
            if wait is None:
                return failure
        await asyncio.sleep(wait)


async def deliver(
    bot: Bot, chat_id: int, message: OutMessage, *, edit_message_id: int | None = None
) -> int | None:
    """Send (or edit) an answer now, or, when Telegram will not take it, through the outbox.

    Returns the message id when it went now; None when it was queued or refused for good.
    """
    state = _answering.get()
    if state is not None and state.queued:
        await _queue(state, chat_id, message, edit_message_id, None)
        return None
    transport = TelegramTransport(bot)

    async def once() -> int:
        if edit_message_id is None:
            return await transport.send(chat_id, message)
        await transport.edit(chat_id, edit_message_id, message)
        return edit_message_id

    outcome = await _tries(once)
    if not isinstance(outcome, SendError):
        if state is not None:
            # It took a place in Telegram's rate: the dispatcher counts it as urgent.
            state.core.sent_directly()
        return outcome
    if isinstance(outcome, PermanentSendError):
        # Blocked, gone, or a message Telegram never takes: no later try would do better.
        level = logging.INFO if outcome.recipient_gone else logging.WARNING
        log.log(level, "answer refused: %s", outcome.reason)
    elif state is None:
        log.error("answer lost: %s, and no outbox to leave it to", outcome.reason)
    else:
        log.info("answer left to the outbox after %s", outcome.reason)
        await _queue(state, chat_id, message, edit_message_id, outcome.reason)
    return None


async def _queue(
    state: _Answering,
    chat_id: int,
    message: OutMessage,
    edit_message_id: int | None,
    failed: str | None,
) -> None:
    state.queued = True
    await answers.queue_answer(
        state.core, chat_id, message, edit_message_id=edit_message_id, failed=failed
    )


async def reply(update: Update, message: OutMessage | str) -> int | None:
    """Answer in the chat the update came from (see `deliver`); the message id if sent now."""
    if isinstance(message, str):
        message = OutMessage(message)
    chat = update.effective_chat
    if chat is None:
        return None
    return await deliver(update.get_bot(), chat.id, message)


async def answer_query(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Every callback query gets an answer, or the button spins on the user's phone.

    A blip is retried at once. Telegram takes an answer only for a short while, so it cannot
    wait in the outbox; a text it did not show goes to the chat instead.
    """

    async def once() -> int:
        try:
            await query.answer(text=text[:200] if text else None, show_alert=alert)
        except Exception as exc:
            raise classify(exc) from exc
        return 0

    outcome = await _tries(once)
    if not isinstance(outcome, SendError):
        return
    # A query older than Telegram's limit cannot be answered any more; nothing to fix.
    log.info("callback answer failed: %s", outcome.reason)
    state = _answering.get()
    if text and isinstance(outcome, TransientSendError) and state is not None:
        await _queue(state, query.from_user.id, OutMessage(text), None, outcome.reason)


async def edit_query_message(
    query: CallbackQuery, text: str, buttons: list[list[tuple[str, str]]] | None = None
) -> None:
    """Replace the pressed message's text (and buttons, none by default); see `deliver`."""
    message = query.message
    if message is None:
        return
    await deliver(
        query.get_bot(),
        message.chat.id,
        OutMessage(text, buttons or []),
        edit_message_id=message.message_id,
    )


def command_args(update: Update) -> str:
    """Everything after the command word."""
    text = update.effective_message.text if update.effective_message else ""
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
