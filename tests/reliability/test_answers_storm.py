"""Answers the bot gives people directly, in a 502 storm, against the real bot process and clock.

Measured before the fix: of 12 `/reply` confirmations sent into a storm, those whose send failed
were lost with an ERROR traceback, and so were clients' "passed on" answers. Now each one arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import BotProcess, open_core, wait_until
from tests.reliability.test_crash import _world

pytestmark = pytest.mark.slow  # a real bot process

REPLIES = 12
CLIENTS = 3
WORKER = 100  # _world's first worker


async def test_every_confirmation_and_passed_on_survives_a_502_storm(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        clients = await _world(core, tg, workers=1, clients=CLIENTS)
    finally:
        await core.db.close()
    bot = spawn(db)
    await bot.start()
    worker = tg.user(WORKER)
    users = [tg.user(c.telegram_id or 0) for c in clients]
    # The next 30 messages to anyone fail: the worker's confirmations, the clients' answers and
    # the relayed messages all meet the storm.
    tg.fail_next("sendMessage", status=502, count=30)
    for n in range(REPLIES):
        await worker.send(f"/reply {clients[n % CLIENTS].id} Note {n:02d}")
    for n, user in enumerate(users):
        await user.send(f"Question {n}")

    def confirmations() -> int:
        return sum("Sent to" in (m.text or "") for m in worker.messages())

    def passed_on() -> int:
        return sum(sum("passed on" in (m.text or "") for m in u.messages()) for u in users)

    def notes() -> int:
        return sum(sum("Note " in (m.text or "") for m in u.messages()) for u in users)

    def questions() -> int:
        return sum("Question " in (m.text or "") for m in worker.messages())

    def counts() -> tuple[int, int, int, int]:
        return confirmations(), passed_on(), notes(), questions()

    wanted = (REPLIES, CLIENTS, REPLIES, CLIENTS)
    try:
        await wait_until(
            lambda: all(c >= w for c, w in zip(counts(), wanted, strict=True)),
            120,
            "every confirmation, passed-on answer and relayed message",
        )
    finally:
        # (confirmations, passed on, notes delivered, questions relayed) for the report
        print("delivered:", counts(), "of", wanted)
    await asyncio.sleep(1.0)  # anything sent twice would show now
    assert await bot.stop() == 0, bot.log_tail()
    assert counts() == wanted, "each answer once"
    assert "Traceback" not in bot.log_text(), bot.log_tail()
