"""Crash safety: the real bot process is SIGKILLed again and again in the middle of a burst.

Every planned message and alert must still arrive; a message may arrive twice only if the process
died while its row was claimed but not yet recorded (Telegram had answered, the commit had not
happened). The database passes SQLite's integrity check after every kill.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core import Core
from bot.services import alerts
from storage import outbox
from storage.models import Client
from storage.outbox import Planned
from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import (
    BotProcess,
    add_joined_client,
    add_worker,
    integrity,
    iso,
    open_core,
    query,
    wait_until,
)

SEED = 20261201
KILLS = 20
PLACE = re.compile(r"Room (\d{4})")
ALERT_BUTTON = re.compile(r"^v1:al:(\d+):")

pytestmark = pytest.mark.slow  # real bot processes


async def _world(core: Core, tg: FakeTelegram, workers: int, clients: int) -> list[Client]:
    """Workers in one team and their joined clients, each a fake Telegram user."""
    staff = [await add_worker(core, 100 + i, f"Worker{i} Test") for i in range(workers)]
    made = []
    for i in range(clients):
        client = await add_joined_client(core, staff[i % workers], f"C{i}", 5000 + i)
        tg.user(5000 + i, language_code="en")
        made.append(client)
    for worker in staff:
        tg.user(worker.telegram_id or 0, language_code="en")
    return made


async def _plan_notices(
    core: Core, clients: list[Client], first: int, count: int
) -> dict[int, int]:
    """`count` client notices due now, each naming its own room; returns number -> row id."""
    now = core.now()
    rows = {}
    async with core.db.tx() as conn:
        for n in range(first, first + count):
            client = clients[n % len(clients)]
            row_id = await outbox.add(
                conn,
                Planned(
                    key=f"burst:notice:{n}",
                    kind="client_notice",
                    due_at=now,
                    client_id=client.id,
                    payload={
                        "notice": "appt_new",
                        "at": iso(now + timedelta(days=2)),
                        "place": f"Room {n:04d}",
                    },
                ),
                now,
            )
            assert row_id is not None
            rows[n] = row_id
    return rows


async def _raise_alerts(
    core: Core, clients: list[Client], first: int, count: int
) -> dict[int, int]:
    """`count` urgent alerts (they go at once, whatever the hour); returns alert id -> row id.
    Client n gets alert n: a second urgent alert for the same client would fold into the first."""
    rows = {}
    async with core.db.tx() as conn:
        for n in range(first, first + count):
            alert = await alerts.raise_alert(
                conn, core, clients[n % len(clients)], "not_good", ref_id=90_000 + n
            )
            cur = await conn.execute(
                "SELECT id FROM outbox_all WHERE kind = 'alert' AND alert_id = ?", (alert.id,)
            )
            found = await cur.fetchall()
            assert len(found) == 1
            rows[alert.id] = found[0][0]
    return rows


def _deliveries(tg: FakeTelegram) -> tuple[Counter[int], Counter[int]]:
    """How often each room notice and each alert card reached a chat."""
    notices: Counter[int] = Counter()
    cards: Counter[int] = Counter()
    for message in tg.all_messages():
        match = PLACE.search(message.text or "")
        if match:
            notices[int(match.group(1))] += 1
        ids = {int(m.group(1)) for d in message.callback_data if (m := ALERT_BUTTON.match(d))}
        for alert_id in ids:
            cards[alert_id] += 1
    return notices, cards


async def test_sigkill_again_and_again_loses_nothing_and_repeats_only_claimed_rows(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        # 50 clients: each alert below is its own (one open alert per client and matter).
        clients = await _world(core, tg, workers=4, clients=50)
        notice_rows = await _plan_notices(core, clients, 0, 110)
        alert_rows = await _raise_alerts(core, clients, 0, 30)
        # Slowish answers, delivered before they are answered: the window a kill can hit.
        tg.delay("sendMessage", 0.03, count=1_000_000)
        bot = spawn(db)
        claimed_at_kill: Counter[int] = Counter()
        table = []
        for kill in range(KILLS):
            during_start = rng.random() < 0.25
            if during_start:
                await bot.start(ready_method=None)
                wait = rng.uniform(0.3, 1.6)
            else:
                await bot.start()
                wait = rng.uniform(0.02, 1.2)
            if kill == 8:
                # A second wave written by another process while the bot runs (as the CLI does).
                notice_rows |= await _plan_notices(core, clients, 110, 40)
                alert_rows |= await _raise_alerts(core, clients, 30, 20)
            await asyncio.sleep(wait)
            await bot.kill()
            assert integrity(db) == "ok", f"integrity check failed after kill {kill + 1}"
            claimed = [r[0] for r in query(db, "SELECT id FROM outbox_all WHERE state = 'sending'")]
            claimed_at_kill.update(claimed)
            notices, cards = _deliveries(tg)
            table.append(
                (
                    kill + 1,
                    "start" if during_start else "run",
                    wait,
                    len(notices) + len(cards),
                    len(claimed),
                )
            )

        await bot.start()
        planned = len(notice_rows) + len(alert_rows)

        def all_delivered() -> bool:
            notices, cards = _deliveries(tg)
            return set(notices) >= set(notice_rows) and set(cards) >= set(alert_rows)

        await wait_until(all_delivered, 90, "every planned message after the last restart")
        ids = ",".join(str(i) for i in [*notice_rows.values(), *alert_rows.values()])
        await wait_until(
            lambda: (
                query(db, f"SELECT count(*) FROM outbox_all WHERE id IN ({ids}) AND state = 'sent'")
                == [(planned,)]
            ),
            30,
            "every planned row recorded as sent",
        )
        assert await bot.stop() == 0, bot.log_tail()
    finally:
        await core.db.close()

    notices, cards = _deliveries(tg)
    by_row = Counter(
        {notice_rows[n]: c for n, c in notices.items() if n in notice_rows}
        | {alert_rows[a]: c for a, c in cards.items() if a in alert_rows}
    )
    duplicates = sum(c - 1 for c in by_row.values())
    print("\nkill  when   after_s  delivered  claimed_at_kill")
    for number, when, wait, delivered, claimed in table:
        print(f"{number:>4}  {when:<5} {wait:>7.2f}  {delivered:>9}  {claimed:>15}")
    print(
        f"planned {planned}, delivered {len(by_row)}, duplicates {duplicates} "
        f"(rows repeated: {sum(1 for c in by_row.values() if c > 1)}), kills {KILLS}, "
        f"restarts {bot.starts}"
    )
    assert len(by_row) == planned, "every planned message and alert arrived"
    for row_id, count in by_row.items():
        # A repeat is possible only for a row that a kill caught between claim and record.
        assert count - 1 <= claimed_at_kill[row_id], (row_id, count, claimed_at_kill[row_id])
    assert "Traceback" not in bot.log_text(), bot.log_tail()
    assert integrity(db) == "ok"


async def test_a_crash_repeats_at_most_the_message_in_flight(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        clients = await _world(core, tg, workers=1, clients=10)
        notice_rows = await _plan_notices(core, clients, 0, 10)
    finally:
        await core.db.close()
    # One answer hangs (Telegram slow for that chat); the other nine come back at once.
    tg.delay("sendMessage", 60, count=1, takes_effect=False)
    bot = spawn(db)
    await bot.start(ready_method=None)
    ids = ",".join(str(i) for i in notice_rows.values())

    def sent() -> int:
        return int(
            query(db, f"SELECT count(*) FROM outbox_all WHERE id IN ({ids}) AND state = 'sent'")[0][
                0
            ]
        )

    await wait_until(lambda: len(_deliveries(tg)[0]) >= 9, 30, "nine notices delivered")
    await wait_until(lambda: sent() >= 9, 30, "the nine confirmed notices recorded as sent")
    await bot.kill()
    await bot.start()
    await wait_until(
        lambda: set(_deliveries(tg)[0]) >= set(notice_rows), 30, "every notice delivered"
    )
    await wait_until(lambda: sent() == len(notice_rows), 30, "every notice recorded as sent")
    assert await bot.stop() == 0, bot.log_tail()
    notices = _deliveries(tg)[0]
    duplicates = sum(c - 1 for c in notices.values())
    assert duplicates <= 1, f"{duplicates} duplicates after one kill: {dict(notices)}"
