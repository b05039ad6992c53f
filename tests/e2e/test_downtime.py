"""Work that falls due while the bot is down, or while a re-plan runs, is judged, not replaced.

A reminder whose appointment or deadline has not passed is sent late, once; a re-plan (start-up,
a policy change, the safety poll) never drops a row merely because the planner would not create it
*now*. The same with the real clock and SIGKILL: `tests/reliability/test_restart_reminders.py`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling import planner
from bot.services import admin as admin_service
from storage import items as items_repo
from tests.harness import Silta

HEL = ZoneInfo("Europe/Helsinki")
REMINDER = "Reminder of a meeting"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


async def _pete(silta: Silta):
    worker = await silta.add_worker(100, language="en")
    pete, client = await silta.joined_client(worker, "Pete", 4001)
    return client, pete


async def _appointment(silta: Silta, client_id: int, at: datetime) -> int:
    async with silta.core.db.tx() as conn:
        appt = await items_repo.add_appointment(
            conn, client_id=client_id, at=at, place="Room 5", created_by=None, now=silta.clock.now()
        )
        await planner.plan_client(conn, silta.core, client_id)
    return appt.id


async def _rows(silta: Silta, kind: str, ref_id: int) -> dict[str, tuple[str, str | None]]:
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT key, state, reason FROM outbox_all WHERE kind = ? AND ref_id = ?",
            (kind, ref_id),
        )
        return {r[0]: (r[1], r[2]) for r in await cur.fetchall()}


def _reminders(pete) -> list[str]:
    return [m.text or "" for m in pete.messages() if REMINDER in (m.text or "")]


async def test_a_reminder_due_while_the_bot_was_down_is_sent_at_start_up_once(
    silta: Silta,
) -> None:
    client, pete = await _pete(silta)
    await admin_service.set_policy(silta.core, None, "appointments.remind_before", "60m,59m")
    at = silta.clock.now() + timedelta(minutes=62)
    appt_id = await _appointment(silta, client.id, at)
    await silta.advance_to(at - timedelta(minutes=60, seconds=5))
    assert _reminders(pete) == []

    # Killed 5 s before the first reminder, started again 10 s after it.
    await silta.dispatcher.stop()
    silta.clock.set(at - timedelta(minutes=60) + timedelta(seconds=10))
    await silta.dispatcher.start()
    await silta.settle()
    assert len(_reminders(pete)) == 1, "the reminder missed during downtime arrives at start-up"
    rows = await _rows(silta, "appt_reminder", appt_id)
    assert sorted(state for state, _ in rows.values()) == ["pending", "sent"], rows

    await silta.advance_to(at - timedelta(minutes=59))
    assert len(_reminders(pete)) == 2, "the second reminder still comes on time"
    rows = await _rows(silta, "appt_reminder", appt_id)
    assert [state for state, _ in rows.values()] == ["sent", "sent"], rows


async def test_of_several_reminders_missed_in_downtime_only_the_newest_is_sent(
    silta: Silta,
) -> None:
    client, pete = await _pete(silta)
    at = local(2026, 12, 3, 13, 0)  # reminders (policy default) Wed 13:00 and Thu 11:00
    appt_id = await _appointment(silta, client.id, at)
    await silta.dispatcher.stop()
    silta.clock.set(local(2026, 12, 3, 11, 30))
    await silta.dispatcher.start()
    await silta.settle()
    texts = _reminders(pete)
    assert len(texts) == 1, texts
    states = sorted((await _rows(silta, "appt_reminder", appt_id)).values())
    assert states == [("dropped", "superseded"), ("sent", None)], states


async def test_a_reminder_for_a_passed_appointment_is_still_dropped(silta: Silta) -> None:
    client, pete = await _pete(silta)
    at = local(2026, 12, 2, 12, 0)
    appt_id = await _appointment(silta, client.id, at)
    await silta.dispatcher.stop()
    silta.clock.set(local(2026, 12, 2, 12, 30))
    await silta.dispatcher.start()
    await silta.settle()
    assert _reminders(pete) == []
    reasons = {reason for _, reason in (await _rows(silta, "appt_reminder", appt_id)).values()}
    assert reasons == {"appointment passed"}


async def test_a_deadline_reminder_due_in_downtime_is_sent_late_on_the_same_day(
    silta: Silta,
) -> None:
    client, pete = await _pete(silta)
    async with silta.core.db.tx() as conn:
        dl = await items_repo.add_deadline(
            conn,
            client_id=client.id,
            kind="housing_allowance",
            label=None,
            due_date=date(2026, 12, 5),
            monthly=False,
            created_by=None,
            now=silta.clock.now(),
        )
        await planner.plan_client(conn, silta.core, client.id)
    # The two-day reminder is due Thursday morning; the bot is down until Thursday noon.
    await silta.dispatcher.stop()
    silta.clock.set(local(2026, 12, 3, 12, 0))
    await silta.dispatcher.start()
    await silta.settle()
    got = [m.text or "" for m in pete.messages() if "Housing allowance" in (m.text or "")]
    assert len(got) == 1, got
    states = [s for s, _ in (await _rows(silta, "deadline_reminder", dl.id)).values()]
    assert sorted(states) == ["pending", "sent"], states


async def test_a_reminder_held_back_by_telegram_survives_a_policy_change(silta: Silta) -> None:
    client, pete = await _pete(silta)
    at = silta.clock.now() + timedelta(hours=3)
    appt_id = await _appointment(silta, client.id, at)
    # Telegram asks the chat to wait a minute just when the two-hour reminder goes out...
    silta.tg.fail_next("sendMessage", 429, retry_after=60, chat_id=pete.id)
    await silta.advance_to(at - timedelta(hours=2))
    assert _reminders(pete) == []
    # ...and an admin changes the policy meanwhile, which re-plans everyone.
    change = await admin_service.set_policy(silta.core, None, "checkins.answer_within", "5h")
    assert change.status == "changed"
    states = [s for s, _ in (await _rows(silta, "appt_reminder", appt_id)).values()]
    assert "pending" in states, "the held reminder is still waiting, not dropped"
    await silta.advance(timedelta(seconds=61))
    assert len(_reminders(pete)) == 1


async def test_a_check_in_too_late_to_be_todays_is_replaced_by_the_next_one(
    silta: Silta,
) -> None:
    client, pete = await _pete(silta)
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT due_at FROM outbox_all WHERE kind = 'checkin' AND state = 'pending' "
            "AND client_id = ?",
            (client.id,),
        )
        (first_due,) = await cur.fetchone()
    first = datetime.fromisoformat(first_due)
    await silta.dispatcher.stop()
    silta.clock.set(first + timedelta(hours=5))
    await silta.dispatcher.start()
    await silta.settle()
    assert not [m for m in pete.messages() if "How are things" in (m.text or "")]
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT state, reason, due_at FROM outbox_all WHERE kind = 'checkin' AND client_id = ? "
            "ORDER BY id",
            (client.id,),
        )
        rows = await cur.fetchall()
    assert (rows[0][0], rows[0][1]) == ("dropped", "late")
    pending = [datetime.fromisoformat(r[2]) for r in rows if r[0] == "pending"]
    assert len(pending) == 1 and pending[0] > silta.clock.now(), "the next check-in is planned"
