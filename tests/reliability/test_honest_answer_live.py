"""What a client is told happens next, as they meet it: `silta run` on the real clock, out of hours.

The policy's working days leave out today, so whenever this runs it is out of working hours. A
client's /contact must say when their worker really sees it (the next working time, holidays
skipped), give the crisis numbers, and the worker's phone must get the urgent card at once anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.policy.calendar import next_working_time
from bot.services import admin as admin_service
from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import (
    BotProcess,
    add_joined_client,
    add_worker,
    open_core,
    wait_until,
)

pytestmark = pytest.mark.slow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def test_contact_out_of_hours_tells_the_real_next_working_time(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        today = core.now().astimezone(core.policy.zone).weekday()
        others = ",".join(d for i, d in enumerate(DAYS) if i != today)
        await admin_service.set_policy(core, None, "working_hours.days", others)
        worker = await add_worker(core, 100, "Maria Test")
        await add_joined_client(core, worker, "Pete", 4001)
        begins = next_working_time(core.policy, core.now()).astimezone(core.policy.zone)
        t = translator("en").at(core.now(), core.policy.zone)
        when = f"{t.day(begins, core.policy.zone)} at {t.time(begins, core.policy.zone)}"
    finally:
        await core.db.close()
    pete = tg.user(4001, language_code="en")
    tg.user(100, language_code="en")
    bot = spawn(db)
    await bot.start()
    await pete.command("contact")

    def answer() -> str:
        return next(
            (m.text for m in tg.messages(4001) if "working hours begin" in (m.text or "")), ""
        )

    await wait_until(answer, 30, "the client's answer to /contact")
    assert f"Maria sees this when working hours begin: {when}." in answer()
    assert "112" in answer(), "out of hours, help asked: the crisis numbers"
    await wait_until(
        lambda: any("needs attention" in (m.text or "") for m in tg.messages(100)),
        30,
        "the urgent card on the worker's phone at once, out of hours too",
    )
    assert await bot.stop() == 0, bot.log_tail()
    assert "Traceback" not in bot.log_text(), bot.log_tail()
