"""Telegram faults never lose a message: 429, 5xx, timeouts and a client who blocks the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.transport import OutMessage
from silta.app import Limits
from storage import engine as engine_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Client
from tests.conftest import HeldAnswer
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import Silta, start_silta, stop_silta
from tests.reliability.test_crash import PLACE, _plan_notices

CHECKIN_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


async def _joined(silta: Silta, n: int) -> list[tuple[FakeUser, Client]]:
    worker = await silta.add_worker(100, language="en")
    return [await silta.joined_client(worker, f"C{i}", 6000 + i) for i in range(n)]


async def _clients(silta: Silta, n: int) -> list[FakeUser]:
    return [user for user, _ in await _joined(silta, n)]


def _checkins(silta: Silta, chat: int) -> int:
    return sum("How are things" in (m.text or "") for m in silta.tg.messages(chat))


async def test_a_429_storm_honours_retry_after_and_loses_nothing(silta: Silta) -> None:
    users = await _clients(silta, 5)
    await silta.advance_to(CHECKIN_AT - timedelta(minutes=1))  # the worker's digest goes first
    silta.tg.fail_next("sendMessage", status=429, retry_after=30, count=3)
    await silta.advance_to(CHECKIN_AT)
    delivered = sum(_checkins(silta, u.id) for u in users)
    assert delivered == 2, "three were refused with retry_after"
    calls = len(silta.tg.calls("sendMessage"))
    await silta.advance(timedelta(seconds=29))
    assert len(silta.tg.calls("sendMessage")) == calls, "nothing retried before retry_after"
    await silta.advance(timedelta(seconds=1))
    assert [_checkins(silta, u.id) for u in users] == [1] * 5


async def test_5xx_errors_are_retried_with_backoff_and_other_chats_keep_flowing(
    silta: Silta,
) -> None:
    users = await _clients(silta, 4)
    unlucky = users[0]
    await silta.advance_to(CHECKIN_AT - timedelta(minutes=1))
    silta.tg.fail_next("sendMessage", status=502, count=4, chat_id=unlucky.id)
    await silta.advance_to(CHECKIN_AT)
    assert [_checkins(silta, u.id) for u in users[1:]] == [1, 1, 1]
    assert _checkins(silta, unlucky.id) == 0
    await silta.advance(timedelta(minutes=5))
    assert _checkins(silta, unlucky.id) == 1
    tries = [
        r
        for r in silta.tg.calls("sendMessage")
        if r.params.get("chat_id") == unlucky.id and "How are things" in str(r.params.get("text"))
    ]
    # Four refusals and one success: retried with backoff, no busy loop.
    assert [r.status for r in tries] == [502, 502, 502, 502, 200]


async def test_a_timeout_is_retried_and_a_duplicate_is_the_only_possible_cost(
    tg: FakeTelegram,
    tmp_path: Path,
) -> None:
    silta = await start_silta(tg, tmp_path, limits=Limits(overall_per_second=0, read_timeout=0.3))
    try:
        users = await _clients(silta, 2)
        tg.delay("sendMessage", seconds=1.0, count=1)  # answered too late: PTB times out
        await silta.advance_to(CHECKIN_AT)
        await silta.advance(timedelta(minutes=2))
        counts = [_checkins(silta, u.id) for u in users]
        assert all(c >= 1 for c in counts), "nothing lost"
        assert sum(counts) <= 3, "at most the timed-out one twice"
    finally:
        await stop_silta(silta)


async def test_a_chat_that_always_answers_too_late_gets_the_message_at_most_twice(
    tg: FakeTelegram,
    tmp_path: Path,
) -> None:
    """Each timed-out send may have arrived: after two, the row is not sent a third time."""
    silta = await start_silta(tg, tmp_path, limits=Limits(overall_per_second=0, read_timeout=0.3))
    try:
        (slow,) = await _clients(silta, 1)
        await silta.advance_to(CHECKIN_AT - timedelta(minutes=1))  # the worker's digest goes first
        # Every answer to this chat comes after PTB has given up waiting (12 s against 10 s in
        # the field); Telegram delivered each one all the same.
        tg.delay("sendMessage", seconds=0.6, count=10)
        await silta.advance_to(CHECKIN_AT)
        await silta.advance(timedelta(minutes=30))
        assert _checkins(silta, slow.id) == 2, "sent once, and once more after the timeout"
        async with silta.core.db.read() as conn:
            cur = await conn.execute(
                "SELECT state, reason FROM outbox_all WHERE kind = 'checkin' AND state != 'pending'"
            )
            rows = await cur.fetchall()
        assert [(r[0], r[1]) for r in rows] == [("sent", "timed out twice: may not have arrived")]
        await silta.advance(timedelta(days=1))
        assert _checkins(silta, slow.id) >= 3, "the next check-in is planned as after a send"
    finally:
        await stop_silta(silta)


def _rooms(silta: Silta, chat: int) -> list[str]:
    """The rooms of the appointment notices in the chat, in the order they arrived."""
    return PLACE.findall(" ".join(m.text or "" for m in silta.tg.messages(chat)))


async def test_a_slow_chat_keeps_its_order_and_does_not_hold_up_other_chats(
    silta: Silta, hold: Callable[..., HeldAnswer]
) -> None:
    (slow, slow_client), (quick, quick_client) = await _joined(silta, 2)
    held = hold("sendMessage", chat_id=slow.id)
    await _plan_notices(silta.core, [slow_client], 0, 1)
    first = asyncio.create_task(silta.dispatcher.run_due())
    await held.arrived()  # Room 0000 is delivered; Telegram's answer is held back
    await _plan_notices(silta.core, [slow_client], 1, 1)
    await _plan_notices(silta.core, [quick_client], 2, 1)
    await silta.dispatcher.run_due()
    await silta.tg.wait_for_message(quick.id, contains="Room 0002", timeout=10)
    assert _rooms(silta, slow.id) == ["0000"], "the slow chat's next row waits for its answer"
    held.release()
    await first
    await silta.dispatcher.drain()
    assert _rooms(silta, slow.id) == ["0000", "0001"], (
        "each sent once, in order: the held answer was awaited, not timed out meanwhile"
    )
    async with silta.core.db.read() as conn:
        states = await outbox.count_by_state(conn)
    assert not states.get("sending"), states


async def test_a_client_who_blocks_the_bot_becomes_unreachable_and_the_worker_is_told(
    silta: Silta,
) -> None:
    (pete,) = await _clients(silta, 1)
    await pete.block()
    await silta.advance_to(CHECKIN_AT)
    async with silta.core.db.read() as conn:
        client = await people_repo.client_by_telegram(conn, pete.id)
        assert client is not None and client.unreachable
        pending = await outbox.pending_for_client(conn, client.id)
        assert not [r for r in pending if r.kind == "checkin"], "planned messages stop"
    alert = await silta.tg.wait_for_message(100, contains="cannot be reached")
    assert alert
    # Writing again makes them reachable: planning resumes and the worker hears of it.
    await pete.unblock()
    await pete.send("sorry, new phone settings")
    await pete.next_message(contains="passed on")
    await silta.settle()
    async with silta.core.db.read() as conn:
        client = await people_repo.client_by_telegram(conn, pete.id)
        assert client is not None and not client.unreachable
        pending = await outbox.pending_for_client(conn, client.id)
        assert [r for r in pending if r.kind == "checkin"]
        assert await engine_repo.open_alerts(conn, client_id=client.id, reason="blocked") == []
    assert await silta.tg.wait_for_message(100, contains="can be reached again")


async def test_a_restart_in_the_middle_of_a_burst_loses_nothing(
    tg: FakeTelegram,
    tmp_path: Path,
) -> None:
    silta = await start_silta(tg, tmp_path)
    users = await _clients(silta, 6)
    # Simulate a crash after claiming: rows are left in 'sending' and the process dies.
    async with silta.core.db.tx() as conn:
        claimed = await outbox.claim_due(conn, CHECKIN_AT, 3)
    assert len(claimed) == 3
    await stop_silta(silta)
    again = await start_silta(tg, tmp_path, start=CHECKIN_AT)
    try:
        await again.settle()
        assert [_checkins(again, u.id) for u in users] == [1] * 6
        assert await again.core.db.integrity_ok()
    finally:
        await stop_silta(again)


@pytest.mark.slow  # 75 messages at 30 a second
async def test_the_production_limiter_keeps_a_burst_inside_telegrams_limit(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    silta = await start_silta(tg, tmp_path, limits=Limits(read_timeout=5.0))
    try:
        joined = await _joined(silta, 3)
        tg.rate_limit(per_second_total=30, per_chat_per_second=None, per_group_per_minute=None)
        await _plan_notices(silta.core, [client for _, client in joined], 0, 75)
        await silta.settle()
        assert [len(_rooms(silta, user.id)) for user, _ in joined] == [25, 25, 25]
        assert tg.count_429 == 0, "a burst went over 30 messages in a second"
    finally:
        await stop_silta(silta)


async def test_a_calm_burst_is_prepared_and_recorded_a_group_at_a_time(
    silta: Silta, caplog: pytest.LogCaptureFixture
) -> None:
    joined = await _joined(silta, 3)
    caplog.set_level(logging.INFO, logger="bot.scheduling.dispatcher")
    await _plan_notices(silta.core, [client for _, client in joined], 0, 30)
    await silta.settle()
    assert [len(_rooms(silta, user.id)) for user, _ in joined] == [10, 10, 10]
    # Falling back to one row at a time is for a row that fails, not for every group.
    assert [r.getMessage() for r in caplog.records if r.name == "bot.scheduling.dispatcher"] == []


async def test_an_answer_that_lands_while_the_recorder_rearms_is_still_recorded(
    silta: Silta,
) -> None:
    (_, quick), (slow_user, slow) = await _joined(silta, 2)
    dispatcher = silta.dispatcher
    real_send = dispatcher.transport.send
    release = asyncio.Event()

    async def send(chat_id: int, message: OutMessage) -> int:
        if chat_id == slow_user.id:
            await release.wait()
        return await real_send(chat_id, message)

    real_arm = dispatcher._arm

    async def arm() -> None:
        # The recorder has just written the quick chat's outcome and re-arms the timer: the
        # slow chat's answer lands exactly now.
        if asyncio.current_task() is dispatcher._flusher and not release.is_set():
            release.set()
            await asyncio.sleep(0.2)
        await real_arm()

    dispatcher.transport.send = send  # type: ignore[method-assign]
    dispatcher._arm = arm  # type: ignore[method-assign]
    await _plan_notices(silta.core, [quick, slow], 0, 2)
    await dispatcher.run_due()
    await asyncio.wait_for(dispatcher.drain(), 5)
    assert release.is_set(), "the race was not staged"
    async with silta.core.db.read() as conn:
        states = await outbox.count_by_state(conn)
    assert not states.get("sending"), states
