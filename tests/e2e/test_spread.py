"""A morning that is spread, not a spike: check-ins set for 10:00 go out over the policy's
window, each client at a moment of their own that re-planning keeps (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.scheduling import planner
from storage import outbox
from tests.harness import Silta

pytestmark = pytest.mark.spread  # the production default: delivery.checkin_spread = 30 min

TEN = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki


async def _checkins(silta: Silta, client_id: int) -> list[outbox.OutboxRow]:
    async with silta.core.db.read() as conn:
        pending = await outbox.pending_for_client(conn, client_id)
    return [r for r in pending if r.kind == "checkin"]


async def test_check_ins_set_for_ten_go_out_over_half_an_hour_each_at_a_stable_moment(
    silta: Silta,
) -> None:
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    clients = [(await silta.joined_client(worker, f"C{i}", 3001 + i))[1] for i in range(6)]
    first = {c.id: await _checkins(silta, c.id) for c in clients}
    dues = []
    for rows in first.values():
        assert len(rows) == 1
        assert TEN <= rows[0].due_at < TEN + timedelta(minutes=30)
        dues.append(rows[0].due_at)
    assert len(set(dues)) == len(dues), "each client at a moment of their own"
    # Re-planning (a policy change, a restart) finds the same rows: no second check-in.
    for c in clients:
        async with silta.core.db.tx() as conn:
            await planner.plan_client(conn, silta.core, c.id)
    for c in clients:
        assert [r.key for r in await _checkins(silta, c.id)] == [r.key for r in first[c.id]]
    # Half-way through the window, the later half of the morning is still the same.
    await silta.advance_to(TEN + timedelta(minutes=15))
    for c in clients:
        async with silta.core.db.tx() as conn:
            await planner.plan_client(conn, silta.core, c.id)
        rows = await _checkins(silta, c.id)
        if first[c.id][0].due_at > silta.clock.now():
            assert [r.key for r in rows] == [r.key for r in first[c.id]]
        else:  # sent: the next is tomorrow, at the same moment of the window
            assert [r.due_at for r in rows] == [first[c.id][0].due_at + timedelta(days=1)]
    await silta.advance_to(TEN + timedelta(minutes=30))
    users = [silta.tg.user(3001 + i) for i in range(6)]
    assert all(u.messages() and "How are things" in (u.messages()[-1].text or "") for u in users)
