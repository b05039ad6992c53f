"""The engine in local time: taper, quiet hours, DST, reminders, and what happens after downtime."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling import planner
from storage import items as items_repo
from storage import outbox
from tests.fake_telegram import FakeTelegram
from tests.harness import Silta, start_silta, stop_silta

HEL = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


async def _client(silta: Silta, release: date | None = None, tid: int = 4001):
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Pete", language="en", release_date=release)
    user = silta.tg.user(tid, language_code="en")
    client = await silta.join(user, card)
    return worker, client, user


def _checkin_times(silta: Silta, chat: int) -> list[datetime]:
    return [
        datetime.fromtimestamp(m.date, UTC)
        for m in silta.tg.messages(chat)
        if "How are things" in (m.text or "")
    ]


async def _next_checkin(silta: Silta, client_id: int) -> datetime:
    async with silta.core.db.read() as conn:
        rows = [r for r in await outbox.pending_for_client(conn, client_id) if r.kind == "checkin"]
    assert len(rows) == 1, rows
    return rows[0].due_at


@pytest.mark.parametrize(
    "start",
    [local(2026, 3, 27, 12, 0), local(2026, 10, 23, 12, 0)],
    ids=["spring-forward", "fall-back"],
)
async def test_a_ten_oclock_check_in_stays_at_ten_across_dst(
    tg: FakeTelegram, tmp_path: Path, start: datetime
) -> None:
    silta = await start_silta(tg, tmp_path, start=start)
    try:
        _, client, _ = await _client(silta, release=start.astimezone(HEL).date())
        seen = []
        for _ in range(4):
            due = await _next_checkin(silta, client.id)
            seen.append(due.astimezone(HEL))
            await silta.advance_to(due)
        assert [(d.hour, d.minute) for d in seen] == [(10, 0)] * 4
        assert len({d.utcoffset() for d in seen}) == 2, "the check-ins span the change"
    finally:
        await stop_silta(silta)


async def test_check_ins_taper_after_release(silta: Silta) -> None:
    release = date(2026, 11, 20)  # day 11 on 1 December
    _, client, _ = await _client(silta, release=release)
    gaps = []
    previous = None
    for _ in range(8):
        due = await _next_checkin(silta, client.id)
        if previous is not None:
            gaps.append((due.astimezone(HEL).date() - previous.astimezone(HEL).date()).days)
        previous = due
        await silta.advance_to(due)
    # Days 12, 13 daily; from day 14 every third day...
    assert gaps[:2] == [1, 1]
    assert set(gaps[2:]) == {3}
    # ...and from day 60 weekly.
    async with silta.core.db.read() as conn:
        late = await conn.execute("SELECT 1")
        del late
    from bot.policy import next_checkin_after

    day70 = local(2027, 1, 29, 12, 0)
    nxt = next_checkin_after(silta.core.policy, release, day70)
    after = next_checkin_after(silta.core.policy, release, nxt)
    assert (after - nxt) == timedelta(days=7)


async def test_paused_closed_and_not_joined_clients_get_no_check_ins(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    waiting = await silta.add_client(worker, "Waiting", language="en")
    async with silta.core.db.tx() as conn:
        await planner.plan_client(conn, silta.core, waiting.client.id)
        assert await outbox.pending_for_client(conn, waiting.client.id) == []


async def test_appointment_reminders_day_before_and_two_hours_before(silta: Silta) -> None:
    _, client, pete = await _client(silta)
    at = local(2026, 12, 4, 13, 0)  # Friday 13:00
    async with silta.core.db.tx() as conn:
        appt = await items_repo.add_appointment(
            conn,
            client_id=client.id,
            at=at,
            place="Sosiaaliasema, Aleksanterinkatu 5",
            created_by=None,
            now=silta.clock.now(),
        )
        await planner.plan_client(conn, silta.core, client.id)
    await silta.advance_to(local(2026, 12, 3, 13, 0))
    first = await pete.next_message(contains="Reminder of a meeting")
    assert "Plan now how you will get there" in first.text
    # On Thursday, Friday's meeting is "tomorrow", in 24-hour time.
    assert first.text.startswith("Reminder of a meeting: tomorrow at 13:00.")
    assert [label for label, _ in first.buttons] == [
        "✅ I'll be there",
        "🕐 I need another time",
        "🙋 I need help",
    ]
    await silta.advance_to(local(2026, 12, 4, 11, 0))
    second = await silta.tg.wait_for_message(pete.id, count=2, contains="Reminder of a meeting")
    assert "Plan now" not in second.text
    qid = await pete.press(second, callback_data=second.callback_data[0])
    await silta.tg.wait_for_callback_answer(qid)
    async with silta.core.db.read() as conn:
        stored = await items_repo.get_appointment(conn, appt.id)
    assert stored is not None and stored.confirmation == "confirmed"


async def test_a_reminder_in_quiet_hours_moves_before_when_after_would_be_too_late(
    silta: Silta,
) -> None:
    _, client, pete = await _client(silta)
    at = local(2026, 12, 3, 8, 30)  # 08:30: two hours before is 06:30, in quiet hours
    async with silta.core.db.tx() as conn:
        await items_repo.add_appointment(
            conn, client_id=client.id, at=at, place="Kela", created_by=None, now=silta.clock.now()
        )
        await planner.plan_client(conn, silta.core, client.id)
        due = sorted(
            r.due_at
            for r in await outbox.pending_for_client(conn, client.id)
            if r.kind == "appt_reminder"
        )
    assert [d.astimezone(HEL).strftime("%d %H:%M") for d in due] == ["02 09:00", "02 20:59"]


async def test_a_quiet_hours_reminder_moves_to_the_morning_when_that_is_in_time(
    silta: Silta,
) -> None:
    _, client, _ = await _client(silta)
    at = local(2026, 12, 3, 11, 0)  # the day-before reminder at 11:00 is fine; 2 h is 09:00
    async with silta.core.db.tx() as conn:
        await items_repo.add_appointment(
            conn,
            client_id=client.id,
            at=local(2026, 12, 4, 7, 0),
            place="Kela",
            created_by=None,
            now=silta.clock.now(),
        )
        await items_repo.add_appointment(
            conn, client_id=client.id, at=at, place="Kela", created_by=None, now=silta.clock.now()
        )
        await planner.plan_client(conn, silta.core, client.id)
        due = sorted(
            r.due_at.astimezone(HEL)
            for r in await outbox.pending_for_client(conn, client.id)
            if r.kind == "appt_reminder"
        )
    # 4.12. 07:00: the day before is 3.12. 07:00 (quiet) → 09:00 the same morning, in time.
    assert local(2026, 12, 3, 9, 0).astimezone(HEL) in due
    assert all(not (d.hour >= 21 or d.hour < 9) or (d.hour, d.minute) == (20, 59) for d in due)


async def test_deadline_reminders_in_the_morning_and_remind_me_tomorrow(silta: Silta) -> None:
    _, client, pete = await _client(silta)
    async with silta.core.db.tx() as conn:
        dl = await items_repo.add_deadline(
            conn,
            client_id=client.id,
            kind="housing_allowance",
            label=None,
            due_date=date(2026, 12, 10),
            monthly=True,
            created_by=None,
            now=silta.clock.now(),
        )
        await planner.plan_client(conn, silta.core, client.id)
        due = sorted(
            r.due_at.astimezone(HEL)
            for r in await outbox.pending_for_client(conn, client.id)
            if r.kind == "deadline_reminder"
        )
    assert [(d.day, d.hour) for d in due] == [(3, 9), (8, 9), (10, 9)]
    await silta.advance_to(local(2026, 12, 3, 9, 0))
    reminder = await pete.next_message(contains="Housing allowance")
    assert reminder.text.startswith("You have something to do. Last day: Thu 10 Dec.")
    later = reminder.callback_data[1]
    qid = await pete.press(reminder, callback_data=later)
    await silta.tg.wait_for_callback_answer(qid)
    await silta.edited(pete, reminder, "remind you tomorrow")
    await silta.advance_to(local(2026, 12, 4, 9, 0))
    again = await pete.next_message(contains="Housing allowance")
    qid = await pete.press(again, callback_data=again.callback_data[0])
    await silta.tg.wait_for_callback_answer(qid)
    async with silta.core.db.read() as conn:
        stored = await items_repo.get_deadline(conn, dl.id)
    assert stored is not None and stored.due_date == date(2027, 1, 10), "monthly rolls on"


async def test_after_a_day_of_downtime_stale_rows_are_dropped_and_alerts_still_go(
    silta: Silta,
) -> None:
    _, client, pete = await _client(silta)
    async with silta.core.db.tx() as conn:
        await items_repo.add_appointment(
            conn,
            client_id=client.id,
            at=local(2026, 12, 2, 12, 0),
            place="Kela",
            created_by=None,
            now=silta.clock.now(),
        )
        await planner.plan_client(conn, silta.core, client.id)
    await silta.dispatcher.stop()
    # The bot is down from Tuesday noon to Thursday 11:00.
    silta.clock.set(local(2026, 12, 3, 11, 0))
    before = len(pete.messages())
    await silta.dispatcher.start()
    await silta.settle()
    texts = [m.text or "" for m in pete.messages()[before:]]
    assert not any("Reminder of a meeting" in t for t in texts), "the meeting has passed"
    assert not any("How are things" in t for t in texts), "yesterday's check-in is stale"
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT kind, reason FROM outbox_all WHERE state = 'dropped' AND client_id = ?",
            (client.id,),
        )
        dropped = {(r[0], r[1]) for r in await cur.fetchall()}
    assert ("appt_reminder", "appointment passed") in dropped
    assert ("checkin", "late") in dropped
    # The next check-in is planned again, and the attendance question still reaches the worker.
    assert (await _next_checkin(silta, client.id)) > silta.clock.now()
    assert await silta.tg.wait_for_message(100, contains="come to the meeting")
