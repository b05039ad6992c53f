"""Turn policy and facts into outbox rows. Idempotent: rows are keyed, so re-planning never
duplicates, and rows that no longer fit the facts are dropped with a reason.

Deciding is pure: the `_decide_*` functions compare a client's facts with their pending rows and
note what to drop and what to add; `_Changes.apply` then writes it in two statement batches. One
client (after a change) and thousands (the daily run) go through the same decisions; only the
loading differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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
from storage.models import Appointment, Client, Deadline
from storage.outbox import Pending, Planned

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
# Clients planned per transaction by plan_all: big enough to amortise each query, small enough
# that a button press waits for at most one batch.
PLAN_BATCH = 500


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


@dataclass
class _Changes:
    """What planning decided: pending rows to drop (id -> reason) and rows to add."""

    drops: dict[int, str] = field(default_factory=dict)
    adds: list[Planned] = field(default_factory=list)
    # next_checkin per (day 0, cadence override) for one `after`: clients share release days.
    checkin_cache: dict[tuple[date | None, str | None], datetime | None] = field(
        default_factory=dict
    )

    def drop(
        self,
        pending: Iterable[Pending],
        reason: str,
        kinds: Sequence[str],
        *,
        ref_id: int | None = None,
        keep: Iterable[str] = (),
    ) -> None:
        """Like outbox.drop_pending: matching pending rows, except the kept keys (first reason
        wins, as a row once dropped is no longer pending)."""
        kept = set(keep)
        for row in pending:
            if (
                row.id not in self.drops
                and row.kind in kinds
                and (ref_id is None or row.ref_id == ref_id)
                and row.key not in kept
            ):
                self.drops[row.id] = reason

    def drop_row(self, row: Pending, reason: str) -> None:
        """Drop one pending row (first reason wins)."""
        self.drops.setdefault(row.id, reason)

    def add(self, pending: Iterable[Pending], row: Planned) -> None:
        """Like outbox.add; a key already pending (and kept) would be a no-op, so it is skipped."""
        if any(p.key == row.key and p.id not in self.drops for p in pending):
            return
        self.adds.append(row)

    def next_checkin(self, client: Client, policy: Policy, after: datetime) -> datetime | None:
        key = (checkin_start(client, policy), client.checkin_phases)
        if key not in self.checkin_cache:
            self.checkin_cache[key] = next_checkin(client, policy, after)
        return self.checkin_cache[key]

    async def apply(self, conn: Connection, now: datetime) -> None:
        """Write the decisions: drops first, then adds (the order the old per-call SQL had)."""
        if self.drops:
            await outbox.drop_rows(conn, self.drops.items())
        if self.adds:
            await outbox.add_many(conn, self.adds, now)


# --- deciding (no I/O) -----------------------------------------------------------------------


def _keep_overdue(
    changes: _Changes,
    pending: list[Pending],
    kind: str,
    ref_id: int,
    mine: Callable[[str], bool],
    past: dict[str, datetime],
    now: datetime,
) -> list[str]:
    """Reminders of one item whose time passed while the item itself has not: keep the newest.

    After downtime, a re-plan, or a 429 that held a row back, the planner would not create such
    a row *now* (its time is gone), but it was promised and still means something, so it is sent
    late, once. Two overdue reminders of the same thing at once would say nothing the newer one
    does not: the older ones are dropped as superseded. `past` maps the keys the planner skipped
    for being in the past to their planned time; `mine` tells the item's current keys.
    """
    late = [
        p
        for p in pending
        if p.kind == kind
        and p.ref_id == ref_id
        and p.id not in changes.drops
        and mine(p.key)
        and (p.key in past or p.due_at <= now)
    ]
    if not late:
        return []
    newest = max(late, key=lambda p: (past.get(p.key, p.due_at), p.id))
    for row in late:
        if row is not newest:
            changes.drop_row(row, "superseded")
    return [newest.key]


def _decide_checkin(
    changes: _Changes, client: Client, pending: list[Pending], policy: Policy, now: datetime
) -> None:
    """Keep exactly one pending check-in: the next one."""
    checkins = [r for r in pending if r.kind == "checkin"]
    # A check-in already due is about to go out: keep it, the dispatcher plans the one after.
    due = [r.key for r in checkins if r.due_at <= now]
    if due:
        changes.drop(pending, "replanned", ("checkin",), keep=due[:1])
        return
    when = changes.next_checkin(client, policy, now)
    if when is None:
        changes.drop(pending, "no start date", ("checkin",))
        return
    key = f"checkin:{client.id}:{utc_iso(when)}"
    changes.drop(pending, "replanned", ("checkin",), keep=[key])
    changes.add(pending, Planned(key=key, kind="checkin", due_at=when, client_id=client.id))


def _decide_appointments(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    appointments: list[Appointment],
    policy: Policy,
    now: datetime,
) -> None:
    """Reminders, the confirmation check and the attendance question for each appointment."""
    rows: list[Planned] = []
    keep: list[str] = []
    for appt in appointments:
        stamp = utc_iso(appt.at)
        if appt.at <= now:
            # After downtime: say why these rows were not sent.
            changes.drop(
                pending,
                "appointment passed",
                ("appt_reminder", "appt_confirm_check"),
                ref_id=appt.id,
            )
        if appt.at > now:
            past: dict[str, datetime] = {}
            for offset in policy.appointments.remind_before:
                tag = format_duration(offset)
                key = f"appt:{appt.id}:{tag}:{stamp}"
                due = move_out_of_quiet_hours(policy, appt.at - offset, latest_utc=appt.at)
                if appt.at - offset <= now or due <= now:
                    past[key] = appt.at - offset
                    continue
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
            keep += _keep_overdue(
                changes,
                pending,
                "appt_reminder",
                appt.id,
                lambda key, stamp=stamp: key.startswith("appt:") and key.endswith(f":{stamp}"),
                past,
                now,
            )
            check_key = f"apptcheck:{appt.id}:{stamp}"
            check_at = appt.at - policy.appointments.confirm_by
            if appt.confirmation != "confirmed":
                if check_at > now:
                    rows.append(
                        Planned(
                            key=check_key,
                            kind="appt_confirm_check",
                            due_at=check_at,
                            client_id=client.id,
                            ref_id=appt.id,
                        )
                    )
                else:
                    # Due while the bot was down: the check still runs (it raises the alert).
                    keep.append(check_key)
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
    changes.drop(pending, "replanned", APPOINTMENT_KINDS, keep=[*keep, *(r.key for r in rows)])
    for row in rows:
        changes.add(pending, row)


def _decide_deadlines(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    deadlines: list[Deadline],
    policy: Policy,
    now: datetime,
) -> None:
    """Morning reminders before each open deadline, and a timer for when it passes."""
    rows: list[Planned] = []
    keep: list[str] = []
    today = now.astimezone(policy.zone).date()
    for dl in deadlines:
        due_iso = dl.due_date.isoformat()
        past: dict[str, datetime] = {}
        snooze_key = None
        if dl.snoozed_until is not None:
            snooze_key = f"dl:{dl.id}:snooze:{utc_iso(dl.snoozed_until)}"
            if dl.snoozed_until > now:
                rows.append(
                    Planned(
                        key=snooze_key,
                        kind="deadline_reminder",
                        due_at=dl.snoozed_until,
                        client_id=client.id,
                        ref_id=dl.id,
                        payload={"offset": "snooze"},
                    )
                )
            else:
                past[snooze_key] = dl.snoozed_until
        for offset in policy.deadlines.remind_before:
            day = dl.due_date - timedelta(days=offset.days)
            tag = format_duration(offset)
            key = f"dl:{dl.id}:{tag}:{due_iso}"
            planned = local_to_utc(day, policy.deadlines.morning, policy.zone)
            if planned <= now:
                past[key] = planned
                continue
            rows.append(
                Planned(
                    key=key,
                    kind="deadline_reminder",
                    due_at=move_out_of_quiet_hours(policy, planned),
                    client_id=client.id,
                    ref_id=dl.id,
                    payload={"offset": tag},
                )
            )
        if dl.due_date >= today:
            keep += _keep_overdue(
                changes,
                pending,
                "deadline_reminder",
                dl.id,
                lambda key, d=due_iso, s=snooze_key: key == s or key.endswith(f":{d}"),
                past,
                now,
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
    changes.drop(pending, "replanned", DEADLINE_KINDS, keep=[*keep, *(r.key for r in rows)])
    for row in rows:
        changes.add(pending, row)


def _decide_worker_side(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    appointments: list[Appointment],
    policy: Policy,
    now: datetime,
) -> None:
    """For a client who gets no messages: keep only the attendance question."""
    changes.drop(pending, "client not reachable", ("appt_confirm_check",))
    for appt in appointments:
        ask_at = next_working_time(policy, appt.at + ATTENDANCE_DELAY)
        changes.add(
            pending,
            Planned(
                key=f"apptafter:{appt.id}:{utc_iso(appt.at)}",
                kind="appt_after",
                due_at=max(ask_at, now),
                client_id=client.id,
                ref_id=appt.id,
            ),
        )


def _decide_client(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    appointments: list[Appointment],
    deadlines: list[Deadline],
    policy: Policy,
    now: datetime,
) -> None:
    """Bring one client's planned rows in line with the facts and the policy."""
    if client.status == "paused" and client.paused_until is not None:
        changes.add(
            pending,
            Planned(
                key=f"pauseend:{client.id}:{utc_iso(client.paused_until)}",
                kind="pause_end",
                due_at=client.paused_until,
                client_id=client.id,
            ),
        )
    reachable = client.status == "active" and client.telegram_id is not None
    if not reachable or client.unreachable:
        changes.drop(
            pending,
            f"client {client.status}",
            ("checkin", "appt_reminder", "deadline_reminder", "nudge"),
        )
        # Worker-side timers (confirmation check, attendance) still matter for a paused client.
        if client.status in ("paused", "active"):
            _decide_worker_side(changes, client, pending, appointments, policy, now)
        else:
            changes.drop(pending, f"client {client.status}", (*APPOINTMENT_KINDS, *DEADLINE_KINDS))
        return
    _decide_checkin(changes, client, pending, policy, now)
    _decide_appointments(changes, client, pending, appointments, policy, now)
    _decide_deadlines(changes, client, pending, deadlines, policy, now)


# --- one client, inside the caller's transaction ----------------------------------------------


async def _pending(conn: Connection, client_id: int) -> list[Pending]:
    return (await outbox.pending_of(conn, [client_id]))[client_id]


async def plan_checkin(conn: Connection, core: Core, client: Client, now: datetime) -> None:
    """Keep exactly one pending check-in: the next one."""
    changes = _Changes()
    _decide_checkin(changes, client, await _pending(conn, client.id), core.policy, now)
    await changes.apply(conn, now)


async def plan_appointments(conn: Connection, core: Core, client: Client, now: datetime) -> None:
    """Reminders, the confirmation check and the attendance question for each appointment."""
    changes = _Changes()
    appointments = await items_repo.appointments_of(conn, client.id)
    pending = await _pending(conn, client.id)
    _decide_appointments(changes, client, pending, appointments, core.policy, now)
    await changes.apply(conn, now)


async def plan_deadlines(conn: Connection, core: Core, client: Client, now: datetime) -> None:
    """Morning reminders before each open deadline, and a timer for when it passes."""
    changes = _Changes()
    deadlines = await items_repo.deadlines_of(conn, client.id)
    pending = await _pending(conn, client.id)
    _decide_deadlines(changes, client, pending, deadlines, core.policy, now)
    await changes.apply(conn, now)


async def plan_appointments_worker_side(
    conn: Connection, core: Core, client: Client, now: datetime
) -> None:
    """For a client who gets no messages: keep only the attendance question."""
    changes = _Changes()
    appointments = await items_repo.appointments_of(conn, client.id)
    pending = await _pending(conn, client.id)
    _decide_worker_side(changes, client, pending, appointments, core.policy, now)
    await changes.apply(conn, now)


async def plan_client(conn: Connection, core: Core, client_id: int) -> None:
    """Bring one client's planned rows in line with the facts and the policy."""
    now = core.now()
    client = await people_repo.get_client(conn, client_id)
    if client is None:
        return
    changes = _Changes()
    _decide_client(
        changes,
        client,
        await _pending(conn, client.id),
        await items_repo.appointments_of(conn, client.id),
        await items_repo.deadlines_of(conn, client.id),
        core.policy,
        now,
    )
    await changes.apply(conn, now)


# --- everyone --------------------------------------------------------------------------------


async def plan_all(
    core: Core, batch: int = PLAN_BATCH, *, until: Callable[[], bool] | None = None
) -> int:
    """Re-plan every joined client, a batch per transaction so other work can interleave.

    Each batch is read in four queries and written in two statement batches, however many
    clients it holds. `until` returning true stops the run between batches (shutting down).
    """
    async with core.db.slow_read() as conn:
        ids = await people_repo.plannable_client_ids(conn)
    for start in range(0, len(ids), batch):
        if until is not None and until():
            break
        chunk = ids[start : start + batch]
        async with core.db.tx() as conn:
            inputs = await outbox.planning_inputs(conn, chunk)
            now = core.now()
            changes = _Changes()
            for cid in chunk:
                client = inputs.clients.get(cid)
                if client is None:
                    continue
                _decide_client(
                    changes,
                    client,
                    inputs.pending[cid],
                    inputs.appointments[cid],
                    inputs.deadlines[cid],
                    core.policy,
                    now,
                )
            await changes.apply(conn, now)
    core.wake()
    return len(ids)
