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

from bot.core import Core
from bot.durations import format_duration
from bot.policy import (
    Policy,
    in_quiet_hours,
    local_to_utc,
    move_out_of_quiet_hours,
    next_checkin_after,
    next_working_time,
    parse_phases,
)
from bot.scheduling.kinds import rows
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Appointment, Client, Deadline, PlanItem
from storage.outbox import Pending, Planned

# Kinds of rows that talk to a client; all stop when the client pauses, closes or is unreachable.
CLIENT_KINDS = (
    "checkin",
    "appt_reminder",
    "deadline_reminder",
    "nudge",
    "client_notice",
    "relay_to_client",
    "media_to_client",
    "plan_reminder",
    "release_day",
    "guide_topic",
)
APPOINTMENT_KINDS = ("appt_reminder", "appt_confirm_check", "appt_after")
DEADLINE_KINDS = ("deadline_reminder", "deadline_passed")
PLAN_KINDS = ("plan_reminder", "release_day")
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


def spread_offset(client_id: int, window: timedelta) -> timedelta:
    """Where in the spread window this client's check-ins go: stable for the client (so a
    re-plan finds the same key), scattered evenly over clients (multiplicative hashing of the
    id, whole seconds)."""
    seconds = int(window.total_seconds())
    if seconds <= 0:
        return timedelta(0)
    scatter = (client_id * 2654435761) % 2**32
    return timedelta(seconds=scatter * seconds // 2**32)


@dataclass
class _Changes:
    """What planning decided: pending rows to drop (id -> reason) and rows to add."""

    drops: dict[int, str] = field(default_factory=dict)
    adds: list[Planned] = field(default_factory=list)
    # next_checkin per (day 0, cadence override, after): clients share release days.
    checkin_cache: dict[tuple[date | None, str | None, datetime], datetime | None] = field(
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

    def _base_checkin(self, client: Client, policy: Policy, after: datetime) -> datetime | None:
        key = (checkin_start(client, policy), client.checkin_phases, after)
        if key not in self.checkin_cache:
            self.checkin_cache[key] = next_checkin(client, policy, after)
        return self.checkin_cache[key]

    def next_checkin(self, client: Client, policy: Policy, now: datetime) -> datetime | None:
        """The client's next check-in after `now`, at its place in the spread window.

        Check-ins set for one time go out over `delivery.checkin_spread` after it, so a
        morning is a steady flow instead of a queue. A time the spread would move into quiet
        hours stays at the set time.
        """
        window = policy.delivery.checkin_spread
        offset = spread_offset(client.id, window)
        # A set time up to a window ago may still have its spread moment ahead.
        base = self._base_checkin(client, policy, now - window)
        while base is not None:
            when = base + offset
            if offset and in_quiet_hours(policy, when):
                when = base
            if when > now:
                return when
            base = self._base_checkin(client, policy, base)
        return None

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
    row = rows.checkin(client.id, when)
    changes.drop(pending, "replanned", ("checkin",), keep=[row.key])
    changes.add(pending, row)


def _decide_appointments(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    appointments: list[Appointment],
    policy: Policy,
    now: datetime,
) -> None:
    """Reminders, the confirmation check and the attendance question for each appointment."""
    wanted: list[Planned] = []
    keep: list[str] = []
    for appt in appointments:
        if appt.at <= now:
            # After downtime: say why these rows were not sent.
            changes.drop(
                pending,
                "appointment passed",
                ("appt_reminder", "appt_confirm_check"),
                ref_id=appt.id,
            )
        else:
            keep += _appointment_ahead(changes, pending, appt, policy, now, wanted)
        # Asked once, in working hours, after the time has passed.
        ask_at = next_working_time(policy, appt.at + ATTENDANCE_DELAY)
        wanted.append(rows.appt_after(appt, max(ask_at, now) if appt.at <= now else ask_at))
    changes.drop(pending, "replanned", APPOINTMENT_KINDS, keep=[*keep, *(r.key for r in wanted)])
    for row in wanted:
        changes.add(pending, row)


def _appointment_ahead(
    changes: _Changes,
    pending: list[Pending],
    appt: Appointment,
    policy: Policy,
    now: datetime,
    wanted: list[Planned],
) -> list[str]:
    """An appointment still ahead: its reminders and confirmation check go into `wanted`;
    returns the keys of overdue rows that stay."""
    past: dict[str, datetime] = {}
    for offset in policy.appointments.remind_before:
        tag = format_duration(offset)
        due = move_out_of_quiet_hours(policy, appt.at - offset, latest_utc=appt.at)
        if appt.at - offset <= now or due <= now:
            past[rows.appt_reminder_key(appt, tag)] = appt.at - offset
            continue
        day_before = offset >= timedelta(hours=20)
        wanted.append(rows.appt_reminder(appt, tag, due, day_before=day_before))
    keep = _keep_overdue(
        changes,
        pending,
        "appt_reminder",
        appt.id,
        lambda key: rows.is_appt_reminder_of(appt, key),
        past,
        now,
    )
    if appt.confirmation != "confirmed":
        check_at = appt.at - policy.appointments.confirm_by
        if check_at > now:
            wanted.append(rows.appt_confirm_check(appt, check_at))
        else:
            # Due while the bot was down: the check still runs (it raises the alert).
            keep.append(rows.appt_confirm_check_key(appt))
    return keep


def _decide_deadlines(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    deadlines: list[Deadline],
    policy: Policy,
    now: datetime,
) -> None:
    """Morning reminders before each open deadline, and a timer for when it passes."""
    wanted: list[Planned] = []
    keep: list[str] = []
    today = now.astimezone(policy.zone).date()
    for dl in deadlines:
        past: dict[str, datetime] = {}
        if dl.snoozed_until is not None:
            if dl.snoozed_until > now:
                wanted.append(rows.deadline_snooze(dl, dl.snoozed_until))
            else:
                past[rows.deadline_snooze_key(dl, dl.snoozed_until)] = dl.snoozed_until
        for offset in policy.deadlines.remind_before:
            day = dl.due_date - timedelta(days=offset.days)
            tag = format_duration(offset)
            planned = local_to_utc(day, policy.deadlines.morning, policy.zone)
            if planned <= now:
                past[rows.deadline_reminder_key(dl, tag)] = planned
                continue
            wanted.append(rows.deadline_reminder(dl, tag, move_out_of_quiet_hours(policy, planned)))
        if dl.due_date >= today:
            keep += _keep_overdue(
                changes,
                pending,
                "deadline_reminder",
                dl.id,
                lambda key, dl=dl: rows.is_deadline_reminder_of(dl, key),
                past,
                now,
            )
        passed = local_to_utc(dl.due_date + timedelta(days=1), datetime.min.time(), policy.zone)
        wanted.append(rows.deadline_passed(dl, passed))
    changes.drop(pending, "replanned", DEADLINE_KINDS, keep=[*keep, *(r.key for r in wanted)])
    for row in wanted:
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
        changes.add(pending, rows.appt_after(appt, max(ask_at, now)))


def _decide_plan(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    plan_items: list[PlanItem],
    policy: Policy,
    now: datetime,
) -> None:
    """A joined client's own open plan items reminded at the policy's offsets before they are
    due, and the release-day message on the morning of the release day (at once when the
    client joins later that day). Rows for an old date are dropped: a moved release date moves
    them."""
    wanted: list[Planned] = []
    # Rows still waiting for the current date of their item (late only by downtime) stay.
    current: set[str] = set()
    if client.status == "active" and client.telegram_id is not None and not client.unreachable:
        today = now.astimezone(policy.zone).date()
        for item in plan_items:
            due = item.due(client.release_date)
            if item.owner != "client" or item.state != "open" or due is None or due < today:
                continue
            current.update(p.key for p in pending if rows.is_plan_reminder_of(item, due, p.key))
            for offset in policy.plan.remind_before:
                at = local_to_utc(due - offset, policy.deadlines.morning, policy.zone)
                if at > now:
                    at = move_out_of_quiet_hours(policy, at)
                    wanted.append(rows.plan_reminder(item, format_duration(offset), due, at))
        day = client.release_date
        if day is not None and day >= today:
            at = move_out_of_quiet_hours(
                policy, max(local_to_utc(day, policy.deadlines.morning, policy.zone), now)
            )
            if at.astimezone(policy.zone).date() == day:
                wanted.append(rows.release_day(client.id, day, at))
    changes.drop(pending, "replanned", PLAN_KINDS, keep=[*current, *(r.key for r in wanted)])
    for row in wanted:
        changes.add(pending, row)


def _decide_client(
    changes: _Changes,
    client: Client,
    pending: list[Pending],
    appointments: list[Appointment],
    deadlines: list[Deadline],
    policy: Policy,
    now: datetime,
    plan_items: Sequence[PlanItem] = (),
) -> None:
    """Bring one client's planned rows in line with the facts and the policy."""
    _decide_plan(changes, client, pending, list(plan_items), policy, now)
    if client.status == "paused" and client.paused_until is not None:
        changes.add(pending, rows.pause_end(client.id, client.paused_until))
    reachable = client.status == "active" and client.telegram_id is not None
    if not reachable or client.unreachable:
        changes.drop(
            pending,
            f"client {client.status}",
            ("checkin", "appt_reminder", "deadline_reminder", "nudge"),
        )
        # Worker-side timers (confirmation check, attendance) still matter for a paused client,
        # and for one not joined yet: a joint meeting in the prison is asked about afterwards.
        if client.status in ("paused", "active", "invited"):
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
        await items_repo.open_plan_items_of(conn, [client.id]),
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
                    inputs.plan.get(cid, []),
                )
            await changes.apply(conn, now)
    core.wake()
    return len(ids)
