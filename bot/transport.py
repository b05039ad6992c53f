"""The python-telegram-bot adapter that sends what the core renders (see bot/outgoing.py)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

from bot.outgoing import (
    OutMessage,
    PermanentSendError,
    SendError,
    TransientSendError,
    Transport,
)

__all__ = [
    "OutMessage",
    "PermanentSendError",
    "SendError",
    "TelegramTransport",
    "TransientSendError",
    "Transport",
    "classify",
    "keyboard",
]

log = logging.getLogger(__name__)

# TelegramTransport._post calls methods PTB also has as typed methods, on purpose (see there);
# PTB warns about that on every call.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
)


def keyboard(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard from (label, data) rows; data that is an http(s) link becomes a link
    button (callback data never looks like one: bot.callbacks starts it with 'v1:')."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data)
                if data.startswith(("https://", "http://"))
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in buttons
        ]
    )


def classify(exc: Exception) -> SendError:
    """Map python-telegram-bot errors to what the dispatcher does about them."""
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():
            # PTB 22 warns that retry_after will become a timedelta; both forms are handled.
            warnings.simplefilter("ignore")
            retry = exc.retry_after
        seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
        return TransientSendError("429", retry_after=seconds)
    if isinstance(exc, Forbidden):
        text = str(exc).lower()
        reason = "deactivated" if "deactivated" in text else "blocked"
        return PermanentSendError(reason, recipient_gone=True)
    if isinstance(exc, BadRequest):
        text = str(exc).lower()
        if "chat not found" in text or "user not found" in text:
            return PermanentSendError("chat_not_found", recipient_gone=True)
        if "message is not modified" in text:
            return PermanentSendError("not_modified", recipient_gone=False)
        return PermanentSendError("bad_request", recipient_gone=False)
    if isinstance(exc, TimedOut):
        return TransientSendError("timeout")
    if isinstance(exc, NetworkError):
        return TransientSendError("network")
    return TransientSendError(type(exc).__name__)


class TelegramTransport:
    """Transport over python-telegram-bot's Bot (with its rate limiter)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, message: OutMessage) -> int:
        """Send and return Telegram's message id."""
        try:
            if message.copy_from is not None:
                chat, source_id = message.copy_from
                copied = await self._call(
                    "copyMessage",
                    chat_id=chat_id,
                    from_chat_id=chat,
                    message_id=source_id,
                    caption=message.text or None,
                    parse_mode=ParseMode.HTML if message.text else None,
                    reply_markup=keyboard(message.buttons),
                    protect_content=message.protect or None,
                )
                return int(copied["message_id"])
            if message.photo is not None:
                sent = await self.bot.send_photo(
                    chat_id,
                    photo=InputFile(message.photo, filename="silta.png"),
                    caption=message.text or None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(message.buttons),
                    protect_content=message.protect,
                )
            elif message.document is not None:
                sent = await self.bot.send_document(
                    chat_id,
                    document=InputFile(message.document, filename=message.document_name),
                    caption=message.text or None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(message.buttons),
                    protect_content=message.protect,
                )
            else:
                sent_text = await self._call(
                    "sendMessage",
                    chat_id=chat_id,
                    text=message.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(message.buttons),
                    protect_content=message.protect or None,
                    disable_notification=message.silent or None,
                )
                return int(sent_text["message_id"])
        except Exception as exc:  # every failure is classified; none may escape unrecorded
            raise classify(exc) from exc
        return sent.message_id

    async def _call(self, method: str, **params: Any) -> Any:
        """Call a Bot API method and return Telegram's answer as JSON (None values left out).

        PTB's typed methods build a whole Message object from every answer: about a fifth of
        the CPU a send costs (bench/README.md), for a message id. The request is the same: PTB
        serialises the parameters, and its rate limiter and error mapping apply."""
        return await self.bot.do_api_request(
            method, api_kwargs={k: v for k, v in params.items() if v is not None}
        )

    async def edit(self, chat_id: int, message_id: int, message: OutMessage) -> None:
        """Replace a message's text and buttons."""
        try:
            await self._call(
                "editMessageText",
                text=message.text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.buttons),
            )
        except Exception as exc:
            err = classify(exc)
            if isinstance(err, PermanentSendError) and err.reason == "not_modified":
                return
            raise err from exc
