"""Statistics of a known history: check-ins answered, alerts taken, appointments kept."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services import alerts
from bot.services import clients as client_service
from bot.services import stats as stats_service
from storage import engine as engine_repo
from storage import items as items_repo
from storage.models import Client, Worker
from tests.fake_telegram import FakeUser
from tests.harness import Silta

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HELSINKI)


async def answer_checkin(silta: Silta, user: FakeUser, label: str) -> None:
    checkin = [m for m in user.messages() if m.callback_data][-1]
    qid = await user.press(checkin, label=label)
    await silta.tg.wait_for_callback_answer(qid)


async def take_open_alert(silta: Silta, worker: Worker, client: Client) -> None:
    async with silta.core.db.read() as conn:
        (alert,) = await engine_repo.open_alerts(conn, client_id=client.id)
    assert (await alerts.act(silta.core, worker, alert.id, "ack")).status == "taken"


async def add_appointment(silta: Silta, client: Client, at: datetime, **fields: str) -> None:
    async with silta.core.db.tx() as conn:
        appt = await items_repo.add_appointment(
            conn, client_id=client.id, at=at, place="Office", created_by=None, now=silta.core.now()
        )
        if fields:
            await items_repo.update_appointment(conn, appt.id, silta.core.now(), **fields)


async def build_history(silta: Silta) -> Worker:
    """Three active clients asked on Wednesday morning; one invited, one paused."""
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    users = [
        silta.tg.user(1001 + i, first_name=n, language_code="en")
        for i, n in enumerate(("Anna", "Bert", "Cilla", "Eero"))
    ]
    anna, bert, cilla = [
        await silta.join(u, await silta.add_client(maria, u.first_name, language="en"))
        for u in users[:3]
    ]
    await silta.add_client(maria, "Dora", language="en")  # invited, never joins
    await silta.join(users[3], await silta.add_client(maria, "Eero", language="en"))
    await client_service.pause(silta.core, users[3].id, "open")

    await add_appointment(
        silta, anna, local(30, 10, month=11), status="attended", confirmation="confirmed"
    )
    await add_appointment(silta, bert, local(20, 10, month=11), status="missed")
    await add_appointment(silta, cilla, local(25, 10, month=11), status="cancelled")
    await add_appointment(silta, anna, local(1, 10, month=10), status="attended")
    await add_appointment(silta, bert, local(10, 10))  # still ahead

    await silta.advance_to(local(2, 10))
    await silta.advance(timedelta(minutes=30))
    await answer_checkin(silta, users[0], "Good")  # 30 min
    await silta.advance_to(local(2, 12))
    await answer_checkin(silta, users[1], "Not good")  # 2 h, raises an urgent alert
    await silta.advance(timedelta(minutes=20))
    await take_open_alert(silta, maria, bert)  # taken after 20 min
    await silta.advance_to(local(2, 16))  # Cilla never answered: alert at 16:00
    await silta.advance(timedelta(hours=1))
    await take_open_alert(silta, maria, cilla)  # taken after 1 h
    await silta.advance_to(local(2, 18))
    return maria


async def test_statistics_of_a_known_month(silta: Silta) -> None:
    await build_history(silta)
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM outbox WHERE state NOT IN ('pending', 'sending')"
        )
        # The check-ins went out and left the outbox: the statistics read outbox_history.
        assert (await cur.fetchone())[0] == 0
    s = await stats_service.gather(silta.core, 30)
    assert s.clients == {"active": 3, "paused": 1, "invited": 1, "unreachable": 0, "closed": 0}
    assert (s.checkins_sent, s.checkins_answered) == (3, 2)
    assert round(s.answer_rate or 0, 3) == 0.667
    assert s.median_answer == timedelta(minutes=75)
    # Eero's pause raised an alert too; nobody took it, so it has no time to acknowledge.
    # A pause is one line to the worker, not an alert.
    assert s.alerts == {"no_answer": 1, "not_good": 1}
    assert s.alerts_answered == 2
    assert s.median_acknowledge == timedelta(minutes=40)
    assert s.appointments == {
        "total": 2,
        "confirmed": 1,
        "attended": 1,
        "missed": 1,
        "cancelled": 1,
    }

    week = await stats_service.gather(silta.core, 7)
    assert week.appointments == {
        "total": 1,
        "confirmed": 1,
        "attended": 1,
        "missed": 0,
        "cancelled": 0,
    }
    assert (week.checkins_sent, week.checkins_answered) == (3, 2)


async def test_an_admin_reads_statistics_and_a_chart_in_the_bot(silta: Silta) -> None:
    await build_history(silta)
    await silta.add_worker(901, "Ada Admin", team=None, admin=True, language="en")
    ada = silta.tg.user(901, first_name="Ada", language_code="en")
    await ada.command("stats")
    text = (await ada.next_message(contains="Statistics")).text or ""
    assert "3 sent, 2 answered (67%)" in text
    assert "median time to answer 75 minutes" in text
    assert "2 raised" in text and "40 minutes" in text
    assert "No answer: 1" in text and "Not doing well: 1" in text and "Paused: 1" not in text
    assert "2; 1 confirmed by the client, 1 attended, 1 missed" in text
    assert "Anna" not in text, "counts only, never names"

    chart = await silta.tg.wait_for(
        lambda: next((m for m in ada.messages() if m.photo is not None), None), what="chart"
    )
    assert "last 30 days" in (chart.text or "")
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", chart.photo[16:24])
    assert width == 760 and 300 < height < 1200


async def test_stats_takes_a_number_of_days(silta: Silta) -> None:
    await silta.add_worker(901, "Ada Admin", team=None, admin=True, language="en")
    ada = silta.tg.user(901, first_name="Ada", language_code="en")
    await ada.command("stats", "7")
    assert "last 7 days" in ((await ada.next_message(contains="Statistics")).text or "")
    await silta.tg.wait_for(lambda: any(m.photo for m in ada.messages()), what="chart")
    await ada.command("stats", "lots")
    assert "/stats DAYS" in ((await ada.next_message()).text or "")
    await ada.command("stats", "0")
    assert "/stats DAYS" in ((await ada.next_message()).text or "")


def test_median_of_durations() -> None:
    m = stats_service.median
    assert m([]) is None
    assert m([timedelta(minutes=5)]) == timedelta(minutes=5)
    assert m([timedelta(minutes=30), timedelta(hours=2)]) == timedelta(minutes=75)
    assert m([timedelta(seconds=s) for s in (9, 1, 5)]) == timedelta(seconds=5)
