"""What the bot answers someone directly (a confirmation, "passed on", a pressed button's new text)
survives Telegram's bad moments: retried a little at once, then handed to the outbox."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from silta.app import Limits
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import Silta, start_silta, stop_silta
from tests.worker_helpers import MARIA, joined_client, office


def got(user: FakeUser, text: str) -> int:
    return sum(text in (m.text or "") for m in user.messages())


async def test_the_confirmation_of_a_reply_survives_a_502_storm(
    silta: Silta, caplog: pytest.LogCaptureFixture
) -> None:
    o = await office(silta)
    _, pete = await joined_client(silta, o.maria, "Pete")
    silta.tg.fail_next("sendMessage", status=502, count=8, chat_id=MARIA)
    await o.maria_chat.send("/reply Pete See you on Friday")
    await silta.handled()
    await silta.advance(timedelta(minutes=10))
    assert got(pete, "See you on Friday") == 1
    assert got(o.maria_chat, "Sent to Pete") == 1, "the worker learns it went, once"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback"


async def test_a_clients_message_is_answered_passed_on_through_a_502_storm(
    silta: Silta,
) -> None:
    o = await office(silta)
    _, pete = await joined_client(silta, o.maria, "Pete")
    silta.tg.fail_next("sendMessage", status=502, count=8, chat_id=pete.id)
    await pete.send("I lost my bus card")
    await silta.handled()
    await silta.advance(timedelta(minutes=10))
    assert got(o.maria_chat, "I lost my bus card") == 1
    assert got(pete, "passed on to Maria") == 1


async def test_a_pressed_answer_is_shown_and_thanked_through_a_storm(silta: Silta) -> None:
    o = await office(silta)
    _, pete = await joined_client(silta, o.maria, "Pete")
    await silta.advance(timedelta(days=1))
    question = await pete.next_message(contains="How are things")
    silta.tg.fail_next("answerCallbackQuery", status=502, count=1)
    silta.tg.fail_next("editMessageText", status=502, count=6, chat_id=pete.id)
    silta.tg.fail_next("sendMessage", status=502, count=2, chat_id=pete.id)
    qid = await pete.press(question, label="Good")
    await silta.tg.wait_for_callback_answer(qid)  # retried at once: the button stops spinning
    await silta.handled()
    await silta.advance(timedelta(minutes=10))
    assert question.buttons == [], "the question shows the answer, without buttons"
    assert got(pete, "Thank you") == 1


async def test_a_blip_is_retried_at_once_without_the_outbox(silta: Silta) -> None:
    o = await office(silta)
    await joined_client(silta, o.maria, "Pete")
    silta.tg.fail_next("sendMessage", status=502, count=1, chat_id=MARIA)
    await o.maria_chat.send("/reply Pete Hello")
    await o.maria_chat.next_message(contains="Sent to Pete")  # no clock moved
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT count(*) FROM outbox_all WHERE kind = 'answer'")
        (queued,) = await cur.fetchone()
    assert queued == 0


async def test_a_timed_out_answer_is_not_lost_and_comes_at_most_twice(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    silta = await start_silta(tg, tmp_path, limits=Limits(overall_per_second=0, read_timeout=0.3))
    try:
        o = await office(silta)
        await joined_client(silta, o.maria, "Pete")
        tg.delay("sendMessage", seconds=1.0, count=3, takes_effect=False)
        await o.maria_chat.send("/reply Pete Hello")
        await silta.handled()
        await silta.advance(timedelta(minutes=10))
        await tg.wait_for(lambda: got(o.maria_chat, "Sent to Pete") >= 1)
        assert got(o.maria_chat, "Sent to Pete") <= 2
    finally:
        await stop_silta(silta)
