"""On a deadline's own day "remind me tomorrow" would be too late: the client hears the truth,
and the worker hears when a deadline passes with nothing done."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.scheduling import planner
from storage import items as items_repo
from tests.harness import Silta

HEL = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


async def _deadline_on(silta: Silta, due: date):
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Pete", language="en")
    pete = silta.tg.user(4001, language_code="en")
    client = await silta.join(pete, card)
    async with silta.core.db.tx() as conn:
        await items_repo.add_deadline(
            conn,
            client_id=client.id,
            kind="housing_allowance",
            label=None,
            due_date=due,
            monthly=False,
            created_by=None,
            now=silta.clock.now(),
        )
        await planner.plan_client(conn, silta.core, client.id)
    return pete


async def test_on_the_due_day_the_client_is_reminded_later_today_not_tomorrow(
    silta: Silta,
) -> None:
    pete = await _deadline_on(silta, date(2026, 12, 3))
    await silta.advance_to(local(2026, 12, 3, 9, 0))
    reminder = await pete.next_message(contains="Housing allowance")
    labels = [label for label, _ in reminder.buttons]
    assert not any("tomorrow" in label for label in labels), labels
    later = dict(reminder.buttons)["⏰ Remind me later today"]
    qid = await pete.press(reminder, callback_data=later)
    await silta.tg.wait_for_callback_answer(qid)
    told = await silta.edited(pete, reminder, "remind you")
    assert "today at 12:00" in told.text and "tomorrow" not in told.text
    await silta.advance_to(local(2026, 12, 3, 12, 0))
    again = await pete.next_message(contains="Housing allowance")
    assert again.message_id != reminder.message_id
    # Unanswered, the gentle second ask later that day offers no "tomorrow" either.
    await silta.advance_to(local(2026, 12, 3, 16, 0))
    nudge = await pete.next_message(contains="Hi again")
    assert not any("tomorrow" in label for label, _ in nudge.buttons), nudge.buttons


async def test_too_late_in_the_evening_the_client_is_told_plainly(silta: Silta) -> None:
    pete = await _deadline_on(silta, date(2026, 12, 3))
    await silta.advance_to(local(2026, 12, 3, 9, 0))
    reminder = await pete.next_message(contains="Housing allowance")
    await silta.advance_to(local(2026, 12, 3, 20, 30))
    later = dict(reminder.buttons)["⏰ Remind me later today"]
    qid = await pete.press(reminder, callback_data=later)
    await silta.tg.wait_for_callback_answer(qid)
    told = await silta.edited(pete, reminder, "deadline is today")
    assert "tomorrow" not in told.text


async def test_the_worker_is_told_when_a_deadline_passes_undone(silta: Silta) -> None:
    await _deadline_on(silta, date(2026, 12, 3))
    await silta.advance_to(local(2026, 12, 4, 10, 0))
    alert = await silta.tg.wait_for_message(100, contains="deadline")
    assert "Pete" in alert.text and "let a deadline pass" in alert.text
