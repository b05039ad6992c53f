"""The senders keep sending while the last messages are being recorded (issue 16).

Recording a group of sent rows (the group commit) can take a while on a busy machine. Room in
the queues is counted on the rows still waiting to be sent, so the next batch is claimed and
sent meanwhile; rows sent but not yet recorded have a wider limit of their own. When rows were
counted until recorded, the senders stood idle during every group commit.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scheduling import dispatcher as dispatcher_module
from storage import outbox
from storage.outbox import Planned
from tests.e2e.test_priorities import CHECKIN_AT, _client_ids, _crowd
from tests.fake_telegram import FakeTelegram
from tests.harness import start_silta, stop_silta


async def test_batches_go_on_while_recording_waits(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silta = await start_silta(tg, tmp_path)
    try:
        maria = await silta.add_worker(100, "Maria Virtanen", language="en")
        chats = await _crowd(silta, maria.id, 60)
        await silta.advance_to(CHECKIN_AT - timedelta(minutes=5))  # daytime; the daily run
        await silta.settle()
        dispatcher = silta.dispatcher
        dispatcher.batch = 10  # two batches of room in the queues: 20 rows

        # The group commit is held up until released (before it takes the database lock, so
        # claims can go on meanwhile, as they do while a real group commit waits its turn).
        release = asyncio.Event()
        flush = dispatcher._flush

        async def late_flush() -> None:
            await release.wait()
            await flush()

        monkeypatch.setattr(dispatcher, "_flush", late_flush)
        now = silta.clock.now()
        async with silta.core.db.tx() as conn:
            ids = await _client_ids(conn, chats)
            await outbox.add_many(
                conn,
                [
                    Planned(
                        key=f"flow:{client_id}",
                        kind="client_notice",
                        due_at=now,
                        client_id=client_id,
                        payload={"notice": "resumed"},
                    )
                    for client_id in ids
                ],
                now,
            )
        dispatcher.wake()

        def welcomed() -> list[int]:
            return [
                m.chat_id
                for m in silta.tg.all_messages()
                if m.chat_id in chats and (m.text or "").startswith("Welcome back")
            ]

        async def sent_to_crowd() -> int:
            return len(welcomed())

        # All 60 go out while nothing is recorded yet: three times the queues' room, within
        # the limit on rows not yet recorded (OPEN_BATCHES batches).
        assert dispatcher_module.OPEN_BATCHES * dispatcher.batch >= 60
        for _ in range(500):
            if await sent_to_crowd() == 60:
                break
            await asyncio.sleep(0.01)
        assert await sent_to_crowd() == 60
        async with silta.core.db.read() as conn:
            assert (await outbox.count_by_state(conn)).get("sending") == 60

        release.set()
        await silta.settle()
        await dispatcher.drain()
        async with silta.core.db.read() as conn:
            states = await outbox.count_by_state(conn)
            cur = await conn.execute(
                "SELECT state, count(*) FROM outbox_all WHERE key LIKE 'flow:%' GROUP BY state"
            )
            flow = {r[0]: r[1] for r in await cur.fetchall()}
        assert "sending" not in states and flow == {"sent": 60}
        # Each exactly once.
        assert sorted(welcomed()) == chats
    finally:
        await stop_silta(silta)
