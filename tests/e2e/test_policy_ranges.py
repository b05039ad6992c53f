"""Every setting has a sane range: outside its hard range nothing stores it; outside its usual
range an admin must add `force` (audited). The same tables drive the CLI's tests
(tests/test_cli_safety.py)."""

from __future__ import annotations

import pytest

from bot.policy import POLICY_KEYS
from storage import admin as admin_repo
from tests.e2e.test_admin_policy import english_admin, policy_version
from tests.harness import Silta

# For every settable key: a value outside its hard range, and the words of the range (or the
# allowed values, for keys that are names rather than amounts) the refusal must show.
OUT_OF_RANGE: dict[str, tuple[str, str]] = {
    "timezone": ("Mars/Olympus", "an IANA name like Europe/Helsinki"),
    "quiet_hours.start": ("24:00", "00:00 to 23:59"),
    "quiet_hours.end": ("9:75", "00:00 to 23:59"),
    "working_hours.days": ("funday", "mon, tue, wed, thu, fri, sat, sun"),
    "working_hours.start": ("25:00", "00:00 to 23:59"),
    "working_hours.end": ("24:30", "00:00 to 23:59"),
    "invite_lifetime": ("1m", "between 1h and 90d"),
    "retention": ("1s", "between 1d and 3650d"),
    "checkins.time": ("24:00", "00:00 to 23:59"),
    "checkins.phases": ("1s", "between 1m and 90d"),
    "checkins.answer_within": ("30d", "between 1m and 14d"),
    "checkins.nudge_after": ("1s", "between 10s and 7d"),
    "appointments.remind_before": ("90d", "between 1m and 60d"),
    "appointments.confirm_by": ("30d", "between 1m and 14d"),
    "deadlines.remind_before": ("365d", "between 0s and 180d"),
    "plan.remind_before": ("365d", "between 0s and 180d"),
    "deadlines.morning": ("24:00", "00:00 to 23:59"),
    "escalation.steps": ("assigned_worker:0s,team:60d", "between 0s and 30d"),
    "escalation.resurface_after": ("1m", "between 10m and 90d"),
    "workers.digest_time": ("24:00", "00:00 to 23:59"),
    "benefit_kinds.<kind>": ("fi=" + "x" * 101 + ";sv=Hyra;en=Rent", "at most 100 characters"),
    "messages.max_media_mb": ("5000", "at most 2000"),
    "invites.valid_after_release": ("900d", "between 0s and 365d"),
    "invites.team_phone": ("call me", "is not a phone number"),
    "records.remind_after_days": ("400", "at most 365"),
    "escalation.step_time": ("sometimes", "working_time, clock_time"),
    "escalation.urgent": ("never", "at_once, working_time"),
    "delivery.urgent_share": ("2", "less than 1"),
    "delivery.checkin_spread": ("5d", "between 0s and 6h"),
    "privacy.controller": ("x" * 201, "at most 200 characters"),
    "privacy.contact": ("y" * 201, "at most 200 characters"),
    "privacy.sensitive_places": ("z" * 41, "at most 40 characters"),
}

# Values inside the hard range but outside the usual one, and the usual range named.
UNUSUAL: dict[str, tuple[str, str]] = {
    "quiet_hours.start": ("02:00", "00:00 to 06:00"),
    "quiet_hours.end": ("05:00", "00:00 to 06:00"),
    "working_hours.start": ("04:00", "05:00 to 12:00"),
    "working_hours.end": ("23:00", "12:00 to 22:00"),
    "invite_lifetime": ("2h", "1d to 30d"),
    "retention": ("10d", "30d to 1825d"),
    "checkins.time": ("06:00", "08:00 to 20:00"),
    "checkins.phases": ("1h", "4h to 30d"),
    "checkins.answer_within": ("5d", "1h to 3d"),
    "checkins.nudge_after": ("10m", "30m to 2d"),
    "appointments.remind_before": ("20d", "15m to 14d"),
    "appointments.confirm_by": ("10m", "30m to 3d"),
    "deadlines.remind_before": ("90d", "0s to 60d"),
    "plan.remind_before": ("90d", "0s to 60d"),
    "deadlines.morning": ("05:00", "07:00 to 12:00"),
    "escalation.steps": ("assigned_worker:0s,team:10d", "0s to 7d"),
    "escalation.resurface_after": ("1h", "2h to 7d"),
    "workers.digest_time": ("05:00", "06:00 to 12:00"),
}


def key_of(pattern: str) -> str:
    """A settable key for a POLICY_KEYS entry (the benefit kinds pattern as one kind)."""
    return "benefit_kinds.rent" if pattern == "benefit_kinds.<kind>" else pattern


def test_every_settable_key_has_an_out_of_range_example() -> None:
    assert set(OUT_OF_RANGE) == set(POLICY_KEYS)


@pytest.mark.parametrize("pattern", sorted(OUT_OF_RANGE))
async def test_an_out_of_range_value_is_refused_in_the_bot_even_with_force(
    silta: Silta, pattern: str
) -> None:
    value, words = OUT_OF_RANGE[pattern]
    ada = await english_admin(silta)
    before = silta.core.policy
    for suffix in ("", " force"):
        await ada.command("policy", f"set {key_of(pattern)} {value}{suffix}")
        reply = await ada.next_message(contains="Nothing was changed")
        assert words in (reply.text or ""), reply.text
    assert silta.core.policy == before
    assert await policy_version(silta) == 0


@pytest.mark.parametrize("key", sorted(UNUSUAL))
async def test_an_unusual_value_needs_force_in_the_bot_and_is_audited(
    silta: Silta, key: str
) -> None:
    value, words = UNUSUAL[key]
    ada = await english_admin(silta)
    before = silta.core.policy
    await ada.command("policy", f"set {key} {value}")
    reply = await ada.next_message(contains="Nothing was changed")
    assert words in (reply.text or "") and "force" in (reply.text or ""), reply.text
    assert silta.core.policy == before
    await ada.command("policy", f"set {key} {value} force")
    await ada.next_message(contains="Policy changed")
    assert await policy_version(silta) == 1
    async with silta.core.db.read() as conn:
        forced = [e for e in await admin_repo.audit_entries(conn) if e.action == "policy.force"]
    assert len(forced) == 1 and words in (forced[0].detail or "")
    assert forced[0].actor_kind == "admin"
