"""People first: a help request never waits behind a morning of check-ins, and the morning's
check-ins still go out while urgent messages keep coming (issue 16).

The fake Telegram enforces Telegram's limits, and the bot sends at a low overall rate, so a
backlog of hundreds of check-ins lasts long enough to see what overtakes what: the order of
messages is the evidence, not how many seconds anything took.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosqlite import Connection

from bot.scheduling.kinds import rows
from silta.app import Limits
from storage import outbox
from storage import people as people_repo
from storage.models import Worker
from storage.times import utc_iso
from tests.fake_telegram import FakeTelegram
from tests.harness import Silta, start_silta, stop_silta

CHECKIN_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki
CROWD_CHAT = 50_000
# Sends a second: low, so that a backlog lasts for seconds of real time.
RATE = Limits(overall_per_second=10, read_timeout=5.0)


async def _crowd(silta: Silta, worker_id: int, n: int) -> list[int]:
    """`n` joined clients (written straight to the database); their chat ids."""
    stamp = utc_iso(silta.clock.now())
    async with silta.core.db.tx() as conn:
        cur = await conn.execute("SELECT coalesce(max(id), 0) FROM clients")
        first = (await cur.fetchone())[0] + 1
        await conn.executemany(
            "INSERT INTO clients(id, nickname, worker_id, language, telegram_id, status, "
            "joined_at, consent_at, created_at) VALUES (?, ?, ?, 'en', ?, 'active', ?, ?, ?)",
            [
                (first + i, f"C{i}", worker_id, CROWD_CHAT + i, stamp, stamp, stamp)
                for i in range(n)
            ],
        )
    for i in range(n):
        silta.tg.user(CROWD_CHAT + i, language_code="en")
    return [CROWD_CHAT + i for i in range(n)]


def _checkins_sent(silta: Silta) -> list[int]:
    """Positions, in everything sent, of the check-ins to the crowd."""
    return [
        i
        for i, m in enumerate(silta.tg.all_messages())
        if m.chat_id >= CROWD_CHAT and "How are things" in (m.text or "")
    ]


async def _world(tg: FakeTelegram, tmp_path: Path, crowd: int) -> tuple[Silta, list[int]]:
    # Telegram's overall limit (the per-chat one would refuse the join's own replies).
    tg.rate_limit(per_second_total=30, per_chat_per_second=None)
    silta = await start_silta(tg, tmp_path, limits=RATE)
    maria = await silta.add_worker(100, "Maria Virtanen", language="en")
    chats = await _crowd(silta, maria.id, crowd)
    await silta.advance_to(CHECKIN_AT - timedelta(minutes=5))  # the daily run and the digests
    return silta, chats


@pytest.mark.slow  # about 12 s: the 500 check-ins go out at 10 a second
async def test_a_help_request_overtakes_a_morning_of_check_ins(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    silta, _ = await _world(tg, tmp_path, 500)
    try:
        maria_chat = 100
        pete, _client = await silta.joined_client(await _worker(silta), "Pete", 3001, language="en")
        # Every check-in of the morning is planned for 10:00 (the planner made one for each
        # crowd client the daily run saw; these are planned for exactly the same minute).
        async with silta.core.db.tx() as conn:
            await conn.execute("DELETE FROM outbox WHERE kind = 'checkin' AND state = 'pending'")
        await _plan_checkins(silta, CHECKIN_AT)
        silta.clock.set(CHECKIN_AT)  # the morning starts: 500 check-ins due at once
        await tg.wait_for(lambda: len(_checkins_sent(silta)) >= 5, timeout=30)
        await pete.command("contact")
        card = await tg.wait_for_message(maria_chat, contains="get in touch", timeout=20)
        sent = tg.all_messages()
        at = next(i for i, m in enumerate(sent) if m is card)
        crowd_before = [i for i in _checkins_sent(silta) if i < at]
        assert len(crowd_before) < 100, (
            f"the help request waited behind {len(crowd_before)} check-ins of 500"
        )
        assert len(_checkins_sent(silta)) < 500, "it overtook the check-ins still queued"
    finally:
        await stop_silta(silta)


@pytest.mark.slow  # about 5 s at 10 sends a second
async def test_check_ins_still_go_out_while_urgent_messages_keep_coming(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    silta, chats = await _world(tg, tmp_path, 50)
    try:
        urgent, routine = chats[:40], chats[40:]
        async with silta.core.db.tx() as conn:
            await conn.execute("DELETE FROM outbox WHERE kind = 'checkin' AND state = 'pending'")
            ids = await _client_ids(conn, urgent)
            now = silta.clock.now()
            # Forty urgent notices, due before the check-ins: sent by due time alone,
            # every one of them would go first.
            for cid in ids:
                await outbox.add(conn, rows.client_notice(cid, "resumed", now, once="flood"), now)
        await _plan_checkins(silta, silta.clock.now() + timedelta(seconds=1), only=routine)
        silta.clock.set(silta.clock.now() + timedelta(seconds=1))
        await tg.wait_for(lambda: _checkins_sent(silta), timeout=30)
        notices = [m for m in tg.all_messages() if m.chat_id in set(urgent)]
        assert len(notices) < 20, f"the first check-in waited for {len(notices)} urgent notices"
        await tg.wait_for(lambda: len(_checkins_sent(silta)) == len(routine), timeout=30)
        await tg.wait_for(lambda: len([m for m in tg.all_messages() if m.chat_id in urgent]) == 40)
    finally:
        await stop_silta(silta)


async def _worker(silta: Silta) -> Worker:
    async with silta.core.db.read() as conn:
        worker = await people_repo.worker_by_telegram(conn, 100)
    assert worker is not None
    return worker


async def _client_ids(conn: Connection, chats: list[int]) -> list[int]:
    marks = ",".join("?" * len(chats))
    cur = await conn.execute(f"SELECT id FROM clients WHERE telegram_id IN ({marks})", chats)
    return [r[0] for r in await cur.fetchall()]


async def _plan_checkins(silta: Silta, due: datetime, only: list[int] | None = None) -> None:
    async with silta.core.db.tx() as conn:
        cur = await conn.execute(
            "SELECT id, telegram_id FROM clients WHERE status = 'active' AND telegram_id >= ?",
            (CROWD_CHAT,),
        )
        ids = [r[0] for r in await cur.fetchall() if only is None or r[1] in only]
        await outbox.add_many(conn, [rows.checkin(cid, due) for cid in ids], silta.clock.now())


@pytest.mark.slow  # about 2 s at 10 sends a second
async def test_a_stop_leaves_queued_rows_for_the_next_start_instead_of_sending_them(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """Asked to stop, the bot finishes the sends in hand, not a queue at the rate limit."""
    silta, chats = await _world(tg, tmp_path, 100)
    try:
        async with silta.core.db.tx() as conn:
            await conn.execute("DELETE FROM outbox WHERE kind = 'checkin' AND state = 'pending'")
        await _plan_checkins(silta, silta.clock.now())
        silta.dispatcher.wake()
        await tg.wait_for(lambda: len(_checkins_sent(silta)) >= 3, timeout=30)
        await silta.dispatcher.stop()
        sent = len(_checkins_sent(silta))
        async with silta.core.db.read() as conn:
            cur = await conn.execute(
                "SELECT state, count(*) FROM outbox_all WHERE kind = 'checkin' AND due_at <= ? "
                "AND client_id IN (SELECT id FROM clients WHERE telegram_id >= ?) GROUP BY state",
                (utc_iso(silta.clock.now()), CROWD_CHAT),
            )
            states = dict(await cur.fetchall())
        # Each check-in either went (and is recorded) or waits, pending, for the next start.
        assert states.get("sent", 0) == sent and states.get("sending", 0) == 0
        assert states.get("pending", 0) == len(chats) - sent
        assert sent < len(chats) // 2, f"{sent} of {len(chats)} were sent after the stop"
    finally:
        await stop_silta(silta)
