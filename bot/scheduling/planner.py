"""Turn policy and facts into outbox rows. Idempotent: rows are keyed, so re-planning never
duplicates, and rows that no longer fit the facts are dropped with a reason."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiosqlite import Connection

from bot.clock import utc_iso
from bot.core import Core
from bot.durations import format_duration
from bot.policy import (
    Policy,
    local_to_utc,
    move_out_of_quiet_hours,
    next_checkin_after,
    next_working_time,
    parse_phases,
)
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Client
from storage.outbox import Planned

# Kinds of rows that talk to a client; all stop when the client pauses, closes or is unreachable.
CLIENT_KINDS = (
    "checkin",
    "appt_reminder",
    "deadline_reminder",
    "nudge",
    "client_notice",
    "relay_to_client",
)
APPOINTMENT_KINDS = ("appt_reminder", "appt_confirm_check", "appt_after")
DEADLINE_KINDS = ("deadline_reminder", "deadline_passed")
# How long after the appointment the worker is asked whether the client came.
ATTENDANCE_DELAY = timedelta(hours=1)


def checkin_start(client: Client, policy: Policy) -> date | None:
    """Day 0 of the cadence: the release date, else the joining date."""
    if client.release_date is not None:
        return client.release_date
    if client.joined_at is not None:
        return client.joined_at.astimezone(policy.zone).date()
    return None


def next_checkin(client: Client, policy: Policy, after: datetime) -> datetime | None:
    """When the client's next check-in is due, strictly after `after`."""
    start = checkin_start(client, policy)
    if start is None:
        return None
    phases = parse_phases(client.checkin_phases) if client.checkin_phases else None
    when = next_checkin_after(policy, start, after, phases)
    return move_out_of_quiet_hours(policy, when)


async def plan_checkin(conn: Connection, core: Core, client: Client, now: datetime) -> None:
    """Keep exactly one pending check-in: the next one."""
    existing = await outbox.pending_for_client(conn, client.id)
    checkins = [r for r in existing if r.kind == "checkin"]
    # A check-in already due is about to go out: keep it, the dispatcher plans the one after.
    if any(r.due_at <= now for r in checkins):
        await outbox.drop_pending(
            conn,
            "replanned",
            client_id=client.id,
            kinds=("checkin",),
            keep_keys=[r.key for r in checkins if r.due_at <= now][:1],
        )
        return
    when = next_checkin(client, core.policy, now)
    if when is None:
        await outbox.drop_pending(conn, "no start date", client_id=client.id, kinds=("checkin",))
        return
    key = f"checkin:{client.id}:{utc_iso(when)}"
    await outbox.drop_pending(
        conn, "replanned", client_id=client.id, kinds=("checkin",), keep_keys=[key]
    )
    await outbox.add(conn, Planned(key=key, kind="checkin", due_at=when, client_id=client.id), now)


async def plan_appointments(conn: Connection, core: Core, client: Client, now: datetime) -> None:
    """Reminders, the confirmation check and the attendance question for each appointment."""
    policy = core.policy
    keys: list[str] = []
    rows: list[Planned] = []
    for appt in await items_repo.appointments_of(conn, client.id):
        stamp = utc_iso(appt.at)
        if appt.at <= now:
            # After downtime: say why these rows were not sent.
            await outbox.drop_pending(conn, "appointment passed", client_id=client.id,
                                      kinds=("appt_reminder", "appt_confirm_check"),
                                      ref_id=appt.id)
        if appt.at > now:
            for offset in policy.appointments.remind_before:
                due = appt.at - offset
                if due <= now:
                    continue
                due = move_out_of_quiet_hours(policy, due, latest_utc=appt.at)
                if due <= now:
                    continue
                tag = format_duration(offset)
                key = f"appt:{appt.id}:{tag}:{stamp}"
                rows.append(
                    Planned(
                        key=key,
                        kind="appt_reminder",
                        due_at=due,
                        client_id=client.id,
                        ref_id=appt.id,
                        payload={"offset": tag, "day_before": offset >= timedelta(hours=20)},
                    )
                )
            check_at = appt.at - policy.appointments.confirm_by
            if check_at > now and appt.confirmation != "confirmed":
                rows.append(
                    Planned(
                        key=f"apptcheck:{appt.id}:{stamp}",
                        kind="appt_confirm_check",
                        due_at=check_at,
                        client_id=client.id,
                        ref_id=appt.id,
                    )
                )
        # Asked once, in working hours, after the time has passed.
        ask_at = next_working_time(policy, appt.at + ATTENDANCE_DELAY)
        rows.append(
            Planned(
                key=f"apptafter:{appt.id}:{stamp}",
                kind="appt_after",
                due_at=max(ask_at, now) if appt.at <= now else ask_at,
                client_id=client.id,
                ref_id=appt.id,
            )
        )
    keys = [r.key for r in rows]
    await outbox.drop_pending(
        conn, "replanned", client_id=client.id, kinds=APPOINTMENT_KINDS, keep_keys=keys
    )
    for row in rows:
        await outbox.add(conn, row, now)


async def plan_deadlines(conn: Connection, core: Core, client: Client, now: datetime) -> None:
    """Morning reminders before each open deadline, and a timer for when it passes."""
    policy = core.policy
    rows: list[Planned] = []
    for dl in await items_repo.deadlines_of(conn, client.id):
        due_iso = dl.due_date.isoformat()
        if dl.snoozed_until is not None and dl.snoozed_until > now:
            rows.append(
                Planned(
                    key=f"dl:{dl.id}:snooze:{utc_iso(dl.snoozed_until)}",
                    kind="deadline_reminder",
                    due_at=dl.snoozed_until,
                    client_id=client.id,
                    ref_id=dl.id,
                    payload={"offset": "snooze"},
                )
            )
        for offset in policy.deadlines.remind_before:
            day = dl.due_date - timedelta(days=offset.days)
            due = local_to_utc(day, policy.deadlines.morning, policy.zone)
            if due <= now:
                continue
            due = move_out_of_quiet_hours(policy, due)
            tag = format_duration(offset)
            rows.append(
                Planned(
                    key=f"dl:{dl.id}:{tag}:{due_iso}",
                    kind="deadline_reminder",
                    due_at=due,
                    client_id=client.id,
                    ref_id=dl.id,
                    payload={"offset": tag},
                )
            )
        passed = local_to_utc(dl.due_date + timedelta(days=1), datetime.min.time(), policy.zone)
        rows.append(
            Planned(
                key=f"dlpass:{dl.id}:{due_iso}",
                kind="deadline_passed",
                due_at=passed,
                client_id=client.id,
                ref_id=dl.id,
            )
        )
    await outbox.drop_pending(
        conn,
        "replanned",
        client_id=client.id,
        kinds=DEADLINE_KINDS,
        keep_keys=[r.key for r in rows],
    )
    for row in rows:
        await outbox.add(conn, row, now)


async def plan_client(conn: Connection, core: Core, client_id: int) -> None:
    """Bring one client's planned rows in line with the facts and the policy."""
    now = core.now()
    client = await people_repo.get_client(conn, client_id)
    if client is None:
        return
    if client.status == "paused" and client.paused_until is not None:
        await outbox.add(
            conn,
            Planned(
                key=f"pauseend:{client.id}:{utc_iso(client.paused_until)}",
                kind="pause_end",
                due_at=client.paused_until,
                client_id=client.id,
            ),
            now,
        )
    reachable = client.status == "active" and client.telegram_id is not None
    if not reachable or client.unreachable:
        await outbox.drop_pending(
            conn,
            f"client {client.status}",
            client_id=client.id,
            kinds=("checkin", "appt_reminder", "deadline_reminder", "nudge"),
        )
        # Worker-side timers (confirmation check, attendance) still matter for a paused client.
        if client.status in ("paused", "active"):
            await plan_appointments_worker_side(conn, core, client, now)
        else:
            await outbox.drop_pending(
                conn,
                f"client {client.status}",
                client_id=client.id,
                kinds=(*APPOINTMENT_KINDS, *DEADLINE_KINDS),
            )
        return
    await plan_checkin(conn, core, client, now)
    await plan_appointments(conn, core, client, now)
    await plan_deadlines(conn, core, client, now)


async def plan_appointments_worker_side(
    conn: Connection, core: Core, client: Client, now: datetime
) -> None:
    """For a client who gets no messages: keep only the attendance question."""
    await outbox.drop_pending(
        conn, "client not reachable", client_id=client.id, kinds=("appt_confirm_check",)
    )
    for appt in await items_repo.appointments_of(conn, client.id):
        stamp = utc_iso(appt.at)
        ask_at = next_working_time(core.policy, appt.at + ATTENDANCE_DELAY)
        await outbox.add(
            conn,
            Planned(
                key=f"apptafter:{appt.id}:{stamp}",
                kind="appt_after",
                due_at=max(ask_at, now),
                client_id=client.id,
                ref_id=appt.id,
            ),
            now,
        )


async def plan_all(core: Core, batch: int = 500) -> int:
    """Re-plan every joined client, in batches so other work can interleave."""
    async with core.db.read() as conn:
        ids = await people_repo.plannable_client_ids(conn)
    for start in range(0, len(ids), batch):
        async with core.db.tx() as conn:
            for cid in ids[start : start + batch]:
                await plan_client(conn, core, cid)
    core.wake()
    return len(ids)
