"""An admin reads and changes the schedule policy in the bot; changes re-plan what is coming."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.policy import POLICY_KEYS, describe_policy, policy_to_dict, set_policy_value
from storage import admin as admin_repo
from storage import admin_queries, outbox
from tests.fake_telegram import FakeUser
from tests.harness import Silta

# A valid example value for every key, applied in this order (each is valid after the ones
# before it). The benefit catalogue key stands for any kind, here a new one.
POLICY_EXAMPLES: list[tuple[str, str]] = [
    ("timezone", "Europe/Stockholm"),
    ("quiet_hours.start", "22:00"),
    ("quiet_hours.end", "08:00"),
    ("working_hours.days", "mon-thu"),
    ("working_hours.start", "09:00"),
    ("working_hours.end", "17:00"),
    ("invite_lifetime", "7d"),
    ("retention", "180d"),
    ("checkins.time", "11:30"),
    ("checkins.phases", "7:1d,30:2d,7d"),
    ("checkins.answer_within", "4h"),
    ("checkins.nudge_after", "2h"),
    ("appointments.remind_before", "2d,3h"),
    ("appointments.confirm_by", "3h"),
    ("deadlines.remind_before", "5d,1d"),
    ("deadlines.morning", "08:30"),
    ("escalation.steps", "assigned_worker:0s,team:6h,admins:12h"),
    ("escalation.resurface_after", "12h"),
    ("escalation.step_time", "clock_time"),
    ("escalation.urgent", "working_time"),
    ("workers.digest_time", "07:30"),
    ("messages.max_media_mb", "10"),
    ("invites.valid_after_release", "21d"),
    ("invites.team_phone", "+358 40 123 4567"),
    ("records.remind_after_days", "10"),
    ("delivery.urgent_share", "0.25"),
    ("delivery.checkin_spread", "20m"),
    ("plan.remind_before", "21d, 7d"),
    ("privacy.controller", "Keski-Suomen hyvinvointialue"),
    ("privacy.contact", "tietosuoja@example.fi"),
    ("privacy.sensitive_places", "a-klinikka, päihde"),
    ("benefit_kinds.rent", "fi=Vuokra;sv=Hyra;en=Rent"),
]


def example_covers(key: str, pattern: str) -> bool:
    """Whether an example key stands for a POLICY_KEYS entry (benefit_kinds.<kind> included)."""
    if pattern.endswith(".<kind>"):
        return key.startswith(pattern.removesuffix("<kind>"))
    return key == pattern


def test_there_is_an_example_for_every_policy_key() -> None:
    for pattern in POLICY_KEYS:
        assert any(example_covers(k, pattern) for k, _ in POLICY_EXAMPLES), pattern


async def english_admin(silta: Silta) -> FakeUser:
    """An admin who reads English (a second admin next to the seeded Finnish one)."""
    await silta.add_worker(901, "Ada Admin", admin=True, language="en")
    return silta.tg.user(901, first_name="Ada", language_code="en")


async def policy_version(silta: Silta) -> int:
    async with silta.core.db.read() as conn:
        latest = await admin_repo.latest_policy(conn)
    return latest[0] if latest else 0


async def test_policy_shows_every_value_in_one_message(silta: Silta) -> None:
    ada = await english_admin(silta)
    await ada.command("policy")
    message = await ada.next_message(contains="Schedule policy")
    text = message.text or ""
    assert "defaults" in text
    for key, value in describe_policy(silta.core.policy):
        assert f"{key} = {value}" in text
    assert "/policy set" in text


async def test_every_policy_key_can_be_changed_in_the_bot(silta: Silta) -> None:
    ada = await english_admin(silta)
    for version, (key, value) in enumerate(POLICY_EXAMPLES, start=1):
        before = silta.core.policy
        expected = set_policy_value(before, key, value)
        await ada.command("policy", f"set {key} {value}")
        reply = await ada.next_message(contains="Policy changed")
        assert f"(version {version})" in (reply.text or "")
        assert "→" in (reply.text or "")
        assert silta.core.policy == expected
        assert await policy_version(silta) == version
    await ada.command("policy")
    shown = await ada.next_message(contains="Schedule policy")
    assert f"version {len(POLICY_EXAMPLES)}" in (shown.text or "")
    assert "Ada Admin" in (shown.text or "")
    assert "benefit_kinds.rent = fi=Vuokra; sv=Hyra; en=Rent" in (shown.text or "")


@pytest.mark.parametrize(
    ("command", "key", "reason"),
    [
        ("set checkins.answer_within soon", "checkins.answer_within", "cannot read"),
        ("set checkins.nudge_after 9h", "checkins.nudge_after", "shorter than answer_within"),
        ("set quiet_hours.start 25:00", "quiet_hours.start", "not a time of day"),
        ("set escalation.steps team:8h,team:9h", "escalation.steps.1.to", "earlier step"),
        ("set checkins.tme 10:00", "checkins.tme", "did you mean checkins.time"),
        ("set deadlines.remind_before 36h", "deadlines.remind_before.0", "whole days"),
        ("set timezone Mars/Olympus", "timezone", "unknown time zone"),
    ],
)
async def test_a_bad_value_is_refused_with_its_key_and_reason(
    silta: Silta, command: str, key: str, reason: str
) -> None:
    ada = await english_admin(silta)
    before = silta.core.policy
    await ada.command("policy", command)
    reply = await ada.next_message(contains="Nothing was changed")
    assert key in (reply.text or "")
    assert reason in (reply.text or "")
    assert silta.core.policy == before
    assert await policy_version(silta) == 0


async def test_policy_set_without_a_value_explains_itself(silta: Silta) -> None:
    ada = await english_admin(silta)
    await ada.command("policy", "set checkins.time")
    reply = await ada.next_message()
    assert "/policy set KEY VALUE" in (reply.text or "")
    assert await policy_version(silta) == 0


async def test_setting_the_same_value_stores_no_new_version(silta: Silta) -> None:
    ada = await english_admin(silta)
    await ada.command("policy", "set checkins.time 10:00")
    reply = await ada.next_message()
    assert "Nothing to change" in (reply.text or "")
    assert await policy_version(silta) == 0


async def test_a_worker_cannot_change_the_policy(silta: Silta) -> None:
    await silta.add_worker(1101, "Maria Virtanen", language="en")
    maria = silta.tg.user(1101, first_name="Maria", language_code="en")
    await maria.command("policy", "set checkins.time 12:00")
    reply = await maria.next_message()
    assert "not available" in (reply.text or "")
    assert await policy_version(silta) == 0


async def pending_checkin(silta: Silta, client_id: int) -> datetime:
    async with silta.core.db.read() as conn:
        rows = await outbox.pending_for_client(conn, client_id)
    due = [r.due_at for r in rows if r.kind == "checkin"]
    assert len(due) == 1, rows
    return due[0].astimezone(silta.core.policy.zone)


async def test_a_new_checkin_time_moves_the_next_checkin(silta: Silta) -> None:
    ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))
    planned = await pending_checkin(silta, client.id)
    assert (planned.date().isoformat(), planned.strftime("%H:%M")) == ("2026-12-02", "10:00")

    await ada.command("policy", "set checkins.time 14:30")
    reply = await ada.next_message(contains="Policy changed")
    assert "checkins.time: 10:00 → 14:30" in (reply.text or "")
    assert "Re-planned the messages of 1 client." in (reply.text or "")
    # It is 11:00 now, so today's 14:30 is the next check-in time.
    moved = await pending_checkin(silta, client.id)
    assert (moved.date().isoformat(), moved.strftime("%H:%M")) == ("2026-12-01", "14:30")

    await silta.advance(timedelta(hours=3, minutes=30))
    asked = [m for m in pete.messages() if any(":ck:" in d for d in m.callback_data)]
    assert len(asked) == 1, "the check-in went out at the new time"


async def test_a_checkin_time_changed_and_changed_back_is_planned_again(silta: Silta) -> None:
    ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))
    await ada.command("policy", "set checkins.time 14:30")
    await ada.next_message(contains="Policy changed")
    await ada.command("policy", "set checkins.time 10:00")
    await ada.next_message(contains="Policy changed")
    planned = await pending_checkin(silta, client.id)
    assert (planned.date().isoformat(), planned.strftime("%H:%M")) == ("2026-12-02", "10:00")


async def test_a_worker_sets_a_clients_own_cadence(silta: Silta) -> None:
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    maria_user = silta.tg.user(1101, first_name="Maria", language_code="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))

    await maria_user.command("cadence", f"#{client.id} 7d")
    reply = await maria_user.next_message(contains="Check-ins for")
    assert "7d" in (reply.text or "")
    weekly = await pending_checkin(silta, client.id)
    assert (weekly.date().isoformat(), weekly.strftime("%H:%M")) == ("2026-12-08", "10:00")
    assert (await silta.client(client.id)).checkin_phases == "7d"

    await maria_user.command("cadence", f"{client.id} default")
    await maria_user.next_message(contains="policy's cadence again")
    assert (await silta.client(client.id)).checkin_phases is None

    async with silta.core.db.read() as conn:
        actions = [
            (e.action, e.client_id, e.detail)
            for e in await admin_repo.audit_entries(conn, newest_first=False)
            if e.action == "client.cadence"
        ]
    assert actions == [
        ("client.cadence", client.id, "7d"),
        ("client.cadence", client.id, "default"),
    ]


async def test_a_bad_cadence_is_refused_and_another_workers_client_is_out_of_reach(
    silta: Silta,
) -> None:
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    await silta.add_worker(1102, "Olli Outsider", team="South", language="en")
    maria_user = silta.tg.user(1101, first_name="Maria", language_code="en")
    olli = silta.tg.user(1102, first_name="Olli", language_code="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))

    await maria_user.command("cadence", f"{client.id} 14:1d,7:3d,7d")
    reply = await maria_user.next_message(contains="Nothing was changed")
    assert "phases.1.until_day" in (reply.text or "")
    await olli.command("cadence", f"{client.id} 7d")
    reply = await olli.next_message()
    assert "No such client among yours" in (reply.text or "")
    assert (await silta.client(client.id)).checkin_phases is None


async def test_an_admin_can_use_cadence_too(silta: Silta) -> None:
    ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))
    await ada.command("cadence", "Pete 3:1d,2d")
    reply = await ada.next_message(contains="Check-ins for")
    assert "3:1d,2d" in (reply.text or "")
    assert "Next check-in" in (reply.text or "")
    assert (await silta.client(client.id)).checkin_phases == "3:1d,2d"


async def test_a_new_digest_time_moves_todays_digest(silta: Silta) -> None:
    ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    # Just after midnight the daily run has planned this morning's digests for 08:00.
    await silta.advance(timedelta(hours=13, minutes=10))

    async def digest_due() -> str:
        async with silta.core.db.read() as conn:
            rows = await admin_queries.pending_of_kind(conn, "digest")
        (due,) = [r.due_at for r in rows if r.worker_id == maria.id]
        return due.astimezone(silta.core.policy.zone).strftime("%Y-%m-%d %H:%M")

    assert await digest_due() == "2026-12-02 08:00"
    await ada.command("policy", "set workers.digest_time 09:30")
    await ada.next_message(contains="Policy changed")
    assert await digest_due() == "2026-12-02 09:30"


async def test_a_version_stored_by_the_cli_is_shown_and_planned_with(silta: Silta) -> None:
    ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))
    # What `silta policy set checkins.time 15:00` writes from another process.
    newer = set_policy_value(silta.core.policy, "checkins.time", "15:00")
    async with silta.core.db.tx() as conn:
        await admin_repo.add_policy(conn, policy_to_dict(newer), None, silta.core.now())

    await ada.command("policy")
    shown = (await ada.next_message(contains="Schedule policy")).text or ""
    assert "version 1: changed by command line" in shown
    assert "checkins.time = 15:00" in shown
    moved = await pending_checkin(silta, client.id)
    assert moved.strftime("%H:%M") == "15:00"
