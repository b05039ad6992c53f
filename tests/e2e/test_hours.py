"""Working hours and quiet hours at their edges, holidays, and sub-day cadences for testers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.policy import set_policy_value
from bot.services import alerts
from storage import outbox
from storage import people as people_repo
from tests.fake_telegram import FakeTelegram
from tests.harness import Silta, start_silta, stop_silta

HEL = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


async def _raise(silta: Silta, reason: str) -> datetime:
    """Raise an alert now for a joined client; returns when its first card is due."""
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Pete", language="en")
    async with silta.core.db.tx() as conn:
        await people_repo.update_client(conn, card.client.id, telegram_id=8001, status="active")
        client = await people_repo.get_client(conn, card.client.id)
        assert client is not None
        alert = await alerts.raise_alert(conn, silta.core, client, reason)
        cur = await conn.execute(
            "SELECT due_at FROM outbox_all WHERE kind = 'alert' AND alert_id = ?", (alert.id,)
        )
        row = await cur.fetchone()
    from bot.clock import from_iso

    return from_iso(row[0])


@pytest.mark.parametrize(
    ("now", "reason", "expected"),
    [
        (local(2026, 12, 1, 15, 59), "no_answer", local(2026, 12, 1, 15, 59)),  # in hours
        (local(2026, 12, 1, 16, 0), "no_answer", local(2026, 12, 2, 8, 0)),  # at the end
        (local(2026, 12, 1, 7, 59), "no_answer", local(2026, 12, 1, 8, 0)),  # just before
        (local(2026, 12, 4, 17, 0), "no_answer", local(2026, 12, 7, 8, 0)),  # Friday evening
        (local(2026, 12, 23, 17, 0), "unconfirmed", local(2026, 12, 28, 8, 0)),  # Christmas
        (local(2027, 1, 5, 17, 0), "paused", local(2027, 1, 7, 8, 0)),  # Epiphany on Wed
        (local(2026, 12, 5, 23, 0), "not_good", local(2026, 12, 5, 23, 0)),  # urgent: at once
    ],
    ids=["in-hours", "at-16", "before-8", "weekend", "christmas", "epiphany", "urgent-night"],
)
async def test_non_urgent_alerts_wait_for_working_hours(
    tg: FakeTelegram, tmp_path: Path, now: datetime, reason: str, expected: datetime
) -> None:
    silta = await start_silta(tg, tmp_path, start=now)
    try:
        assert await _raise(silta, reason) == expected
    finally:
        await stop_silta(silta)


async def test_clients_get_nothing_in_quiet_hours(silta: Silta) -> None:
    core = silta.core
    await core.store_policy(set_policy_value(core.policy, "checkins.time", "22:30"), None, "cli")
    worker = await silta.add_worker(100, language="en")
    pete = silta.tg.user(8002, language_code="en")
    client = await silta.join(pete, await silta.add_client(worker, "Pete", language="en"))
    async with core.db.read() as conn:
        (row,) = [
            r for r in await outbox.pending_for_client(conn, client.id) if r.kind == "checkin"
        ]
    assert row.due_at == local(2026, 12, 2, 9, 0), "22:30 is quiet: moved to the morning"
    # A message already due at night waits for the morning too (e.g. a worker's late reply).
    silta.clock.set(local(2026, 12, 1, 23, 0))
    from bot.services.workers import reply_to_client

    await reply_to_client(core, worker, client.id, "See you tomorrow")
    await silta.settle()
    assert not [m for m in pete.messages() if "See you tomorrow" in (m.text or "")]
    await silta.advance_to(local(2026, 12, 2, 8, 59))
    assert not [m for m in pete.messages() if "See you tomorrow" in (m.text or "")]
    await silta.advance_to(local(2026, 12, 2, 9, 0))
    assert [m for m in pete.messages() if "See you tomorrow" in (m.text or "")]


async def test_a_sub_day_cadence_lets_testers_run_scenarios_quickly(silta: Silta) -> None:
    core = silta.core
    policy = set_policy_value(core.policy, "checkins.phases", "90s")
    policy = set_policy_value(policy, "checkins.nudge_after", "20s")
    policy = set_policy_value(policy, "checkins.answer_within", "60s")
    await core.store_policy(policy, None, "cli")
    worker = await silta.add_worker(100, language="en")
    pete = silta.tg.user(8003, language_code="en")
    await silta.join(pete, await silta.add_client(worker, "Pete", language="en"))
    await silta.advance(timedelta(minutes=10))
    asked = [m for m in pete.messages() if "How are things" in (m.text or "")]
    assert 5 <= len(asked) <= 7
