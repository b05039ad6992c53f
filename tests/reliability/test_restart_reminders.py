"""A reminder that falls due while the bot is down arrives when it starts again (real clock).

`silta run` as a process, SIGKILLed a few seconds before an appointment reminder is due and started
again after it: the reminder is delivered once at start-up, and the next one is still planned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scheduling import planner
from bot.services import admin as admin_service
from storage import items as items_repo
from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import (
    BotProcess,
    add_joined_client,
    add_worker,
    open_core,
    query,
    wait_until,
)

pytestmark = pytest.mark.slow

REMINDER = "Reminder of a meeting"


async def test_sigkill_across_a_reminders_due_time_still_delivers_it_once(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        await admin_service.set_policy(core, None, "appointments.remind_before", "60m,59m")
        worker = await add_worker(core, 100, "Maria Test")
        client = await add_joined_client(core, worker, "Pete", 4001)
        tg.user(4001, language_code="en")
        tg.user(100, language_code="en")
        bot = spawn(db)
        await bot.start()
        # The appointment is 60 min 8 s away, so the first reminder is due in 8 s.
        first_due = core.now() + timedelta(seconds=8)
        async with core.db.tx() as conn:
            appt = await items_repo.add_appointment(
                conn,
                client_id=client.id,
                at=first_due + timedelta(minutes=60),
                place="Room 5",
                created_by=None,
                now=core.now(),
            )
            await planner.plan_client(conn, core, client.id)
    finally:
        await core.db.close()

    def reminders() -> int:
        return sum(REMINDER in (m.text or "") for m in tg.messages(4001))

    await asyncio.sleep(max(0.0, (first_due - timedelta(seconds=5) - core.now()).total_seconds()))
    await bot.kill()
    assert reminders() == 0, "killed before the reminder was due"
    await asyncio.sleep(max(0.0, (first_due + timedelta(seconds=10) - core.now()).total_seconds()))
    await bot.start()
    await wait_until(lambda: reminders() >= 1, 30, "the reminder missed while the bot was down")
    await wait_until(
        lambda: (
            query(
                db,
                "SELECT state FROM outbox_all WHERE kind = 'appt_reminder' AND ref_id = ? "
                "ORDER BY due_at",
                appt.id,
            )
            == [("sent",), ("pending",)]
        ),
        30,
        "the late reminder recorded as sent and the next one still planned",
    )
    assert await bot.stop() == 0, bot.log_tail()
    assert reminders() == 1
    assert "Traceback" not in bot.log_text(), bot.log_tail()
