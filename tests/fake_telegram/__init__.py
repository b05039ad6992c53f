"""A fake Telegram Bot API server for tests that drive the real python-telegram-bot.

Every request is checked against tests/telegram-bot-api.json (Bot API 10.1): the method exists,
required fields are there, no unknown fields, every value has its declared type (nested objects
and unions included), and Telegram's limits hold (text 1-4096 and caption 0-1024 UTF-16 units
after entity parsing, valid Telegram HTML, callback_data 1-64 bytes, one action per inline
button, bot commands [a-z0-9_]{1,32} with 1-256 character descriptions, at most 100 commands,
callback answers of at most 200 characters). A violation is appended to ``fake.violations`` and
answered with HTTP 400 (an unknown method with 404), as Telegram would. Unlike Telegram, an
unknown parameter is refused too (Telegram ignores it silently), so a typo cannot hide.

Methods with real behaviour: getMe, getUpdates (long polling, offset, limit, allowed_updates,
409 on a competing poll or an active webhook), set/delete/getWebhook(Info), set/get/
deleteMyCommands (per scope and language), set/getMy(Short)Description, sendMessage,
sendPhoto, sendDocument (uploads kept), sendMediaGroup, copyMessage, forwardMessage,
editMessageText/Caption/ReplyMarkup ("message is not modified" included), deleteMessage(s),
answerCallbackQuery (once per query), getChat, getFile. Any other method is validated and then
answers true, or, if it returns a Message (sendSticker, sendLocation, ...), records a message.
Message texts in the transcript are what the user sees (HTML parsed away); ``raw_text`` keeps
what the bot sent.

In-process use (same event loop as the bot)::

    fake = FakeTelegram()
    await fake.start()
    app = ApplicationBuilder().token(fake.token).base_url(fake.api_url).build()
    ...
    anna = fake.user(1001, first_name="Anna", language_code="fi")
    await anna.command("start", "INVITE1")
    reply = await anna.next_message(contains="Welcome")
    query_id = await anna.press(reply, label="Yes")
    await fake.wait_for_callback_answer(query_id)
    fake.assert_no_violations()
    await fake.stop()

Standalone: ``python -m tests.fake_telegram --port 8081`` prints its api_url and serves until
interrupted, with these control endpoints (JSON in, ``{"ok": true, "result": ...}`` out):

- ``POST /_control/users/{user_id}/send`` ``{"text": "hi", "first_name"?, "language_code"?,
  "username"?, "reply_to"?: message_id}``: the user writes to the bot; returns the Message.
- ``POST /_control/users/{user_id}/command`` ``{"name": "start", "args": "CODE"}``.
- ``POST /_control/users/{user_id}/press`` ``{"message_id": 5, "callback_data"?: "...",
  "label"?: "Yes", "forge"?: false}``: returns ``{"callback_query_id": "..."}``.
- ``POST /_control/users/{user_id}/raw`` ``{<update fields>}``: inject any update.
- ``POST /_control/users/{user_id}/sticker|photo|voice|document``: send such a message.
- ``POST /_control/users/{user_id}/block|unblock|deactivate``.
- ``GET /_control/chats/{chat_id}/messages``: the bot's messages in the chat (transcript).
- ``GET /_control/wait_message?chat_id=&count=1&contains=&after=&timeout=5``: waits server-side
  for a bot message and returns it (408 on timeout).
- ``GET /_control/violations``, ``GET /_control/requests?method=sendMessage``,
  ``GET /_control/callback_answers``, ``GET /_control/state``.
- ``POST /_control/faults`` ``{"fail": {"method": "sendMessage", "status": 429,
  "retry_after": 1, "count": 1, "chat_id"?: 1001}, "delay": {"method": "sendMessage",
  "seconds": 3}, "rate_limit": {"per_second_total": 30, "per_chat_per_second": 1},
  "clear": true}`` (any subset of the keys).
"""

from .models import ApiRequest, CallbackAnswer, SentMessage, UploadedFile
from .server import DEFAULT_TOKEN, FakeTelegram
from .spec import SPEC_PATH, load_spec
from .tghtml import HtmlError, parse_html, utf16_len
from .users import FakeUser

__all__ = [
    "DEFAULT_TOKEN",
    "SPEC_PATH",
    "ApiRequest",
    "CallbackAnswer",
    "FakeTelegram",
    "FakeUser",
    "HtmlError",
    "SentMessage",
    "UploadedFile",
    "load_spec",
    "parse_html",
    "utf16_len",
]
