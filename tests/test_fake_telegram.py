"""The fake Bot API: the real python-telegram-bot talks to it; it catches what Telegram refuses."""

from __future__ import annotations

import asyncio
import sys
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import FakeTelegram, HtmlError, load_spec, parse_html

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    # Raw do_api_request calls are how these tests send what PTB's typed methods would not.
    pytest.mark.filterwarnings("ignore:Please use:telegram.warnings.PTBUserWarning"),
    # PTB 22 warns when building RetryAfter that retry_after will become a timedelta.
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Got it", callback_data="ack")]])
    await update.effective_message.reply_text(
        f"<b>You said:</b> {update.effective_message.text}",
        parse_mode="HTML",
        reply_markup=keyboard,
    )


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"start {' '.join(context.args or [])}".strip())


async def _ack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Thanks!")
    await query.edit_message_text("Acknowledged")


@pytest_asyncio.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = ApplicationBuilder().token(fake.token).base_url(fake.api_url).build()
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    application.add_handler(CallbackQueryHandler(_ack, pattern="^ack$"))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


# --------------------------------------------------------------------------- round trips


async def test_a_user_message_is_echoed_through_the_real_bot(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    anna = fake.user(1001, first_name="Anna")
    await anna.send("hello there")
    reply = await anna.next_message()
    assert reply.text == "You said: hello there"
    assert reply.raw_text == "<b>You said:</b> hello there"
    assert reply.buttons == [("Got it", "ack")]
    assert reply.payload["entities"] == [{"type": "bold", "offset": 0, "length": 9}]
    assert fake.tokens_seen == {fake.token}
    fake.assert_no_violations()


async def test_a_command_with_an_argument_reaches_the_command_handler(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    anna = fake.user(1001)
    sent = await anna.command("start", "INVITE42")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await fake.wait_for_message(1001, contains="start", after=sent["message_id"])
    assert reply.text == "start INVITE42"


async def test_pressing_a_button_is_answered_and_the_message_edited(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    anna = fake.user(1001)
    await anna.send("hi")
    question = await anna.next_message()
    query_id = await anna.press(question, label="Got it")
    answer = await fake.wait_for_callback_answer(query_id)
    assert answer.text == "Thanks!"
    assert not answer.show_alert
    await fake.wait_for(lambda: question.edits, what="the edit")
    assert question.text == "Acknowledged"
    assert question.reply_markup is None  # editMessageText without markup drops the keyboard
    assert question.edits[0]["text"] == "You said: hi"
    fake.assert_no_violations()


async def test_press_refuses_a_button_the_message_lacks_unless_forged(fake: FakeTelegram) -> None:
    anna = fake.user(1001)
    with pytest.raises(AssertionError, match="unknown"):
        await anna.press(999, "ack")
    query_id = await anna.press(999, "forged:data", forge=True)
    update = fake.pending_updates()[-1]
    assert update["callback_query"]["id"] == query_id
    assert update["callback_query"]["message"]["date"] == 0  # an inaccessible message


async def test_every_kind_of_user_action_is_a_valid_update_ptb_can_read(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    anna = fake.user(1001, username="anna_k")
    await anna.send("text")
    first = await anna.next_message()
    reply = await anna.send("a reply", reply_to=first)
    assert reply["reply_to_message"]["message_id"] == first.message_id
    await anna.send_sticker()
    await anna.send_photo(caption="look")
    await anna.send_voice()
    await anna.send_document()
    await anna.block()
    await anna.unblock()
    await anna.send_raw({"brand_new_update_kind": {"x": 1}})  # unknown kinds pass unchecked
    # Every update was accepted and confirmed by the bot (PTB parsed them all).
    await fake.wait_for(lambda: not fake.pending_updates(), what="the bot to confirm all updates")
    assert len(fake.messages(1001)) == 2  # the echo handler answered both texts


# ----------------------------------------------------------------------------- violations


def _long_text(size: int) -> str:
    return "x" * size


@pytest.mark.parametrize(
    ("method", "kwargs", "expected"),
    [
        ("sendMessage", {"chat_id": 1001, "text": _long_text(4097)}, "text: too long"),
        ("sendMessage", {"chat_id": 1001, "text": "😀" * 2049}, "text: too long"),
        (
            "sendMessage",
            {
                "chat_id": 1001,
                "text": "pick",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "d" * 65}]]},
            },
            "callback_data must be 1-64 bytes",
        ),
        (
            "sendMessage",
            {
                "chat_id": 1001,
                "text": "pick",
                "reply_markup": {"inline_keyboard": [[{"text": "a"}]]},
            },
            "exactly one action",
        ),
        ("sendMessage", {"chat_id": 1001, "text": "hi", "colour": "red"}, "colour: unknown"),
        ("sendMessage", {"chat_id": 1001}, "text: required parameter is missing"),
        ("sendMessage", {"chat_id": 1001, "text": "<b>x", "parse_mode": "HTML"}, 'tag "b"'),
        ("sendMessage", {"chat_id": 1001, "text": "a & b", "parse_mode": "HTML"}, "'&'"),
        ("sendMessage", {"chat_id": 1001, "text": "hi", "parse_mode": "html5"}, "parse mode"),
        ("sendMessage", {"chat_id": 1001, "text": "hi", "protect_content": "yes"}, "not valid"),
        ("sendMessage", {"chat_id": 1001, "text": "   "}, "empty"),
        ("answerCallbackQuery", {"callback_query_id": "1", "text": "t" * 201}, "at most 200"),
        ("sendChatAction", {"chat_id": 1001, "action": "dancing"}, "unknown chat action"),
    ],
)
async def test_requests_telegram_refuses_are_recorded_as_violations(
    fake: FakeTelegram,
    app: Application[Any, Any, Any, Any, Any, Any],
    method: str,
    kwargs: dict[str, Any],
    expected: str,
) -> None:
    with pytest.raises(BadRequest):
        await app.bot.do_api_request(method, api_kwargs=kwargs)
    assert any(expected in v for v in fake.violations), fake.violations
    with pytest.raises(AssertionError, match="violation"):
        fake.assert_no_violations()


async def test_the_longest_allowed_message_passes(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    await app.bot.send_message(1001, "<i>" + _long_text(4096) + "</i>", parse_mode="HTML")
    await app.bot.send_message(1001, "😀" * 2048)
    fake.assert_no_violations()


async def test_an_unknown_method_answers_404_and_is_recorded(fake: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake.api_url}{fake.token}/sendTelepathy", data={"x": "1"})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert fake.violations == ["sendTelepathy: unknown method"]


async def test_method_names_are_case_insensitive_and_json_bodies_work(fake: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{fake.api_url}{fake.token}/SENDMESSAGE", json={"chat_id": 7, "text": "hi"}
        )
    assert response.json()["result"]["text"] == "hi"
    assert fake.last_message(7) is not None
    assert fake.requests[-1].method == "sendMessage"


async def test_set_my_commands_stores_per_scope_and_checks_commands(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    scope = BotCommandScopeChat(1001)
    await app.bot.set_my_commands([BotCommand("next", "What is coming")], scope=scope)
    assert fake.my_commands({"type": "chat", "chat_id": 1001}) == [
        {"command": "next", "description": "What is coming"}
    ]
    assert [c.command for c in await app.bot.get_my_commands(scope=scope)] == ["next"]
    assert fake.my_commands() == []
    fake.assert_no_violations()

    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await app.bot.set_my_commands([BotCommand("Next!", "bad")])
    with pytest.raises(BadRequest):
        await app.bot.do_api_request(
            "setMyCommands",
            api_kwargs={
                "commands": [{"command": "a", "description": "b"}],
                "scope": {"type": "chat"},
            },
        )
    with pytest.raises(BadRequest):
        await app.bot.do_api_request(
            "setMyCommands",
            api_kwargs={"commands": [], "scope": {"type": "everyone"}},
        )
    assert any("scope.chat_id: required" in v for v in fake.violations), fake.violations
    assert any("'everyone' is not a known BotCommandScope" in v for v in fake.violations)


# ------------------------------------------------------------------------------- uploads


async def test_send_photo_upload_is_recorded_with_its_bytes(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    message = await app.bot.send_photo(
        1001, b"\x89PNG-card", caption="<b>Your card</b>", parse_mode="HTML", filename="card.png"
    )
    sent = fake.last_message(1001)
    assert sent is not None
    assert sent.method == "sendPhoto"
    assert sent.photo == b"\x89PNG-card"
    assert sent.file_name == "card.png"
    assert sent.text == "Your card"
    # The file_id Telegram handed back can be sent again without uploading.
    await app.bot.send_photo(1001, message.photo[-1].file_id)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await app.bot.send_photo(1001, "no-such-file-id")
    doc = await app.bot.send_document(1001, b"%PDF-1.7", filename="guide.pdf")
    assert doc.document is not None and doc.document.file_name == "guide.pdf"
    assert fake.last_message(1001).document == b"%PDF-1.7"  # type: ignore[union-attr]
    fake.assert_no_violations()


# --------------------------------------------------------------------------------- faults


async def test_a_429_fault_reaches_ptb_as_retry_after(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(1001, "hello")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns about int vs timedelta retry_after
        assert caught.value.retry_after in (3, timedelta(seconds=3))
    await app.bot.send_message(1001, "hello again")  # only the next one failed
    assert fake.count_429 == 1
    assert [m.text for m in fake.messages(1001)] == ["hello again"]


async def test_server_errors_reach_ptb_as_network_errors(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    fake.fail_next("*", status=502, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await app.bot.send_message(1001, "hello")
    await app.bot.send_message(1001, "now it works")


async def test_a_blocked_or_deleted_user_gives_forbidden(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    anna = fake.user(1001)
    await anna.block()
    assert fake.pending_updates()[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await app.bot.send_message(1001, "are you there?")
    await anna.unblock()
    await app.bot.send_message(1001, "welcome back")
    await anna.deactivate()
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await app.bot.send_message(1001, "hello?")


async def test_a_slow_answer_times_out_but_the_message_was_delivered(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    fake.delay("sendMessage", 0.6)
    with pytest.raises(TimedOut):
        await app.bot.send_message(1001, "slow", read_timeout=0.2)
    assert [m.text for m in fake.messages(1001)] == ["slow"]


async def test_the_rate_limit_answers_429_per_chat(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    fake.rate_limit(per_second_total=30, per_chat_per_second=1)
    await app.bot.send_message(1001, "one")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(1001, "two")
    await app.bot.send_message(1002, "another chat is fine")
    assert fake.count_429 == 1


async def test_editing_to_the_same_content_is_refused_like_telegram(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    message = await app.bot.send_message(1001, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await app.bot.edit_message_text("same", chat_id=1001, message_id=message.message_id)
    await app.bot.delete_message(1001, message.message_id)
    assert fake.messages(1001)[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await app.bot.delete_message(1001, message.message_id)


# -------------------------------------------------------------------------- long polling


async def test_get_updates_long_polls_and_confirms_by_offset(fake: FakeTelegram) -> None:
    url = f"{fake.api_url}{fake.token}/getUpdates"
    anna = fake.user(1001)
    async with httpx.AsyncClient(timeout=5) as client:
        poll = asyncio.create_task(client.post(url, data={"timeout": "5"}))
        await asyncio.sleep(0.05)  # let the poll start waiting
        await anna.send("wake up")
        started = asyncio.get_running_loop().time()
        updates = (await poll).json()["result"]
        assert asyncio.get_running_loop().time() - started < 1
        assert [u["message"]["text"] for u in updates] == ["wake up"]
        # Asking from the next offset confirms it: it is not delivered again.
        next_offset = str(updates[0]["update_id"] + 1)
        again = await client.post(url, data={"offset": next_offset, "timeout": "0"})
    assert again.json()["result"] == []
    assert fake.pending_updates() == []


async def test_wait_for_times_out_with_the_last_requests(fake: FakeTelegram) -> None:
    with pytest.raises(AssertionError, match=r"timed out after 0\.1s waiting for nothing"):
        await fake.wait_for(lambda: False, timeout=0.1, what="nothing")


# ------------------------------------------------------------------------ HTML and spec


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<b>bold</b> &amp; <i>it</i>", "bold & it"),
        ('<a href="https://x.org/?a=1&amp;b=2">link</a>', "link"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ("&lt;tag&gt; &quot;q&quot; &#228; &#x1F600;", '<tag> "q" ä 😀'),
        ("a > b", "a > b"),
    ],
)
def test_valid_telegram_html_parses_to_plain_text(html: str, plain: str) -> None:
    assert parse_html(html)[0] == plain


@pytest.mark.parametrize(
    "html",
    [
        "<b>x",
        "x</b>",
        "<b><i>x</b></i>",
        "a < b",
        "AT&T",
        "<br>",
        "<span>x</span>",
        "<a>x</a>",
        "<code><b>x</b></code>",
        "&nbsp;",
        "<b class='x'>y</b>",
    ],
)
def test_invalid_telegram_html_is_refused(html: str) -> None:
    with pytest.raises(HtmlError):
        parse_html(html)


def test_spec_is_the_vendored_copy() -> None:
    spec = load_spec()
    assert spec.version == "Bot API 10.1"
    send = spec.method("SendMessage")
    assert send is not None and send.name == "sendMessage"
    assert set(send.required) == {"chat_id", "text"}


# ----------------------------------------------------------------- control endpoints / CLI


async def test_control_endpoints_drive_the_fake_over_http() -> None:
    async with FakeTelegram(control=True) as fake, httpx.AsyncClient() as client:
        base = fake.api_url.removesuffix("/bot")
        sent = await client.post(f"{base}/_control/users/1001/send", json={"text": "/start X"})
        assert sent.json()["result"]["text"] == "/start X"
        assert fake.users[1001].first_name == "Anna"
        api = f"{fake.api_url}{fake.token}"
        await client.post(f"{api}/sendMessage", data={"chat_id": "1001", "text": "hi"})
        transcript = await client.get(f"{base}/_control/chats/1001/messages")
        assert [m["text"] for m in transcript.json()["result"]] == ["hi"]
        await client.post(f"{base}/_control/faults", json={"fail": {"method": "sendMessage"}})
        failed = await client.post(f"{api}/sendMessage", data={"chat_id": "1001", "text": "x"})
        assert failed.status_code == 429
        assert failed.json()["parameters"] == {"retry_after": 1}
        violations = await client.get(f"{base}/_control/violations")
        assert violations.json()["result"] == []


async def test_the_cli_serves_standalone() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fake_telegram",
        "--port",
        "0",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        api_url = line.decode().strip()
        assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/bot")
        async with httpx.AsyncClient() as client:
            state = await client.get(api_url.removesuffix("/bot") + "/_control/state")
        assert state.json()["result"]["bot_username"] == "silta_test_bot"
    finally:
        process.terminate()
        await process.wait()
