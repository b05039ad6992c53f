"""A policy change made with the CLI reaches the running bot at once, and what waited for the
old working hours follows the new ones (`silta run` and `silta policy set` as two processes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from pathlib import Path

import pytest

from bot.policy import TimeWindow, WorkingHours, default_policy
from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import (
    BotProcess,
    add_joined_client,
    add_worker,
    bot_env,
    open_core,
    query,
    run_cli,
    wait_until,
)

pytestmark = pytest.mark.slow


async def test_a_client_message_held_for_working_hours_goes_out_when_the_cli_widens_them(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        today = core.now().astimezone(core.policy.zone).weekday()
        # Working days that exclude today: the client's message waits for another day.
        other_day = frozenset({(today + 3) % 7})
        policy = default_policy().model_copy(
            update={
                "quiet_hours": TimeWindow(start=time(0, 0), end=time(0, 0)),
                "working_hours": WorkingHours(days=other_day, start=time(0, 0), end=time(23, 59)),
            }
        )
        await core.store_policy(policy, None, "cli")
        worker = await add_worker(core, 100, "Maria Test")
        await add_joined_client(core, worker, "Pete", 4001)
    finally:
        await core.db.close()
    pete = tg.user(4001, language_code="en")
    tg.user(100, language_code="en")
    # The safety poll is slow here, so only noticing the change at once can explain a quick send.
    bot = spawn(db, SILTA_POLL_SAFETY="600")
    await bot.start()
    await pete.send("I lost my bus card, can you help")
    await wait_until(
        lambda: query(db, "SELECT count(*) FROM alerts WHERE reason = 'message'") == [(1,)],
        20,
        "the client's message waiting as an alert",
    )
    assert not tg.messages(100), "the worker's day has not begun"

    code, _, err = await run_cli(
        tmp_path, bot_env(tg, db), "policy", "set", "working_hours.days", "mon-sun"
    )
    assert code == 0, err
    await wait_until(
        lambda: any("bus card" in (m.text or "") for m in tg.messages(100)),
        10,
        "the held message at the worker within seconds of the change",
    )
    assert await bot.stop() == 0, bot.log_tail()
    assert "Traceback" not in bot.log_text(), bot.log_tail()
