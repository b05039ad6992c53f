"""Check-ins: they arrive at the local check-in time, one tap answers, help is raised at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import engine as engine_repo
from storage import outbox
from tests.harness import Silta


async def _joined(silta: Silta, *, tid: int = 3001, lang: str = "en"):
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    card = await silta.add_client(worker, "Pete", language=lang)
    user = silta.tg.user(tid, first_name="Pete", language_code=lang)
    client = await silta.join(user, card)
    return worker, client, user


async def test_the_first_check_in_comes_next_morning_at_ten_local(silta: Silta) -> None:
    _, client, pete = await _joined(silta)
    async with silta.core.db.read() as conn:
        rows = [r for r in await outbox.pending_for_client(conn, client.id) if r.kind == "checkin"]
    assert len(rows) == 1
    # Joined Tuesday 11:00 Helsinki: the next check-in is Wednesday 10:00 Helsinki = 08:00 UTC.
    assert rows[0].due_at == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = await pete.next_message(contains="How are things")
    assert [label for label, _ in question.buttons] == [
        "😊 Good",
        "🙂 Okay",
        "😟 Not good",
        "📞 Please contact me",
    ]
    assert question.protect_content
    # Only the next check-in is materialised.
    async with silta.core.db.read() as conn:
        rows = [r for r in await outbox.pending_for_client(conn, client.id) if r.kind == "checkin"]
    assert [r.due_at for r in rows] == [datetime(2026, 12, 3, 8, 0, tzinfo=UTC)]


async def test_one_tap_records_the_answer_and_removes_the_buttons(silta: Silta) -> None:
    _, client, pete = await _joined(silta)
    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = await pete.next_message(contains="How are things")
    good = question.callback_data[0]
    qid = await pete.press(question, callback_data=good)
    await silta.tg.wait_for_callback_answer(qid)
    # One message, edited: the question, the answer and the thanks, without buttons.
    edited = await silta.edited(pete, question, "Good to hear")
    assert edited.buttons == [] and "Your answer: 😊 Good" in edited.text
    assert "How are things" in edited.text
    updated = await silta.client(client.id)
    assert updated.last_answer == "good"
    # Pressing again is stale: nothing changes, the query is still answered.
    qid = await pete.press(question, callback_data=good, forge=True)
    answer = await silta.tg.wait_for_callback_answer(qid)
    assert "no longer active" in (answer.text or "")


async def test_a_press_costs_one_message_and_counts_as_urgent(silta: Silta) -> None:
    """Each message counts against Telegram's 30 a second: a press answered with an edit and a
    separate thank-you took two, and went past the urgent share the routine rows rely on."""
    _, _, pete = await _joined(silta)
    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = await pete.next_message(contains="How are things")
    await silta.settle()
    before = len(silta.tg.requests)
    counted = silta.dispatcher.sent_directly
    qid = await pete.press(question, callback_data=question.callback_data[0])
    await silta.tg.wait_for_callback_answer(qid)
    await silta.edited(pete, question, "Good to hear")
    await silta.settle()
    to_pete = [
        r.method
        for r in silta.tg.requests[before:]
        if r.params.get("chat_id") in (pete.id, str(pete.id))
    ]
    assert to_pete == ["editMessageText"]
    assert silta.dispatcher.sent_directly == counted + 1


async def test_not_good_alerts_the_worker_at_once_and_names_them(silta: Silta) -> None:
    _, client, pete = await _joined(silta)
    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = await pete.next_message(contains="How are things")
    qid = await pete.press(question, callback_data=question.callback_data[2])
    await silta.tg.wait_for_callback_answer(qid)
    reply = await silta.edited(pete, question, "Maria")
    assert "Maria sees this now" in reply.text
    assert "112" not in reply.text  # 10:00 on a Wednesday is working time
    await silta.settle()
    alert = await silta.tg.wait_for_message(100, contains="is not doing well")
    assert "Pete" in alert.text and alert.callback_data


async def test_outside_working_hours_the_crisis_numbers_are_shown(silta: Silta) -> None:
    _, client, pete = await _joined(silta)
    await silta.advance_to(datetime(2026, 12, 5, 8, 0, tzinfo=UTC))  # Saturday 10:00
    question = [m for m in pete.messages() if "How are things" in (m.text or "")][-1]
    qid = await pete.press(question, callback_data=question.callback_data[3])
    await silta.tg.wait_for_callback_answer(qid)
    reply = await silta.edited(pete, question, "112")
    assert "09 2525 0111" in reply.text
    await silta.settle()
    # Urgent alerts do not wait for Monday.
    assert await silta.tg.wait_for_message(100, contains="asks you to get in touch")


async def test_no_answer_gets_one_nudge_then_an_alert_and_a_late_answer_clears_it(
    silta: Silta,
) -> None:
    _, client, pete = await _joined(silta)
    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = await pete.next_message(contains="How are things")
    okay = question.callback_data[1]
    await silta.advance(timedelta(hours=3))
    nudge = await pete.next_message(contains="One tap is enough")
    assert nudge.callback_data
    await silta.advance(timedelta(hours=3))
    # The answer window closes at 16:00, when working hours end: a non-urgent alert waits for
    # the next working morning.
    assert not [m for m in silta.tg.messages(100) if "has not answered" in (m.text or "")]
    await silta.advance_to(datetime(2026, 12, 3, 6, 0, tzinfo=UTC))
    alert = await silta.tg.wait_for_message(100, contains="has not answered")
    assert alert
    qid = await pete.press(question, callback_data=okay)
    await silta.tg.wait_for_callback_answer(qid)
    await silta.settle()
    assert await silta.tg.wait_for_message(100, contains="All clear")
    async with silta.core.db.read() as conn:
        assert await engine_repo.open_alerts(conn, client_id=client.id, reason="no_answer") == []


async def test_a_client_in_finnish_gets_finnish_buttons(silta: Silta) -> None:
    _, client, pete = await _joined(silta, lang="fi")
    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = pete.messages()[-1]
    assert question.callback_data and "How are things" not in question.text
