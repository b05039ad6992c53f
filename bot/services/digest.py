"""One morning digest per worker on working days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiosqlite import Connection

from bot.core import Core
from bot.policy import is_working_time, local_to_utc
from bot.policy.plan import PlanTemplate
from bot.scheduling.kinds import rows
from bot.services import records
from bot.services.access import visible_worker_ids
from bot.services.phases import ClientPhase, phase_of
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Alert, Appointment, Client, PlanItem, Worker


async def plan_digests(conn: Connection, core: Core) -> int:
    """Plan today's digest for every active worker, if today is a working day."""
    now = core.now()
    policy = core.policy
    today = now.astimezone(policy.zone).date()
    due = local_to_utc(today, policy.workers.digest_time, policy.zone)
    if due < now or not _working_day(core, due):
        return 0
    planned = 0
    for worker, _ in await people_repo.list_workers(conn, active_only=True):
        if worker.telegram_id is None:
            continue
        await outbox.add(conn, rows.digest(worker.id, today, due), now)
        planned += 1
    return planned


def _working_day(core: Core, when: datetime) -> bool:
    """Whether the day of `when` is a working day (checked at the middle of working hours)."""
    wh = core.policy.working_hours
    local = when.astimezone(core.policy.zone).date()
    midday = local_to_utc(local, wh.start, core.policy.zone) + timedelta(minutes=1)
    return is_working_time(core.policy, midday)


@dataclass(frozen=True)
class DigestFacts:
    """What one worker's morning digest tells: their own and backup clients only."""

    open_alerts: list[tuple[Alert, Client]]
    todays_appointments: list[tuple[Appointment, Client]]
    not_joined: list[Client]
    silent_longest: list[Client]
    # Every listed client's phase, and the clients whose release is ahead, soonest first.
    phases: dict[int, ClientPhase] = field(default_factory=dict)
    before_release: list[Client] = field(default_factory=list)
    # Clients (own, not backed up) with events not marked recorded for longer than the policy's
    # records.remind_after_days, with the oldest such event.
    unrecorded: list[tuple[Client, datetime]] = field(default_factory=list)
    remind_after_days: int = 7
    # Clients released today, and open plan items: due at one of the policy's offsets since the
    # last digest (item, client, due day), and overdue ones the worker or the prison owns.
    releases_today: list[Client] = field(default_factory=list)
    plan_due: list[tuple[PlanItem, Client, date]] = field(default_factory=list)
    plan_overdue: list[tuple[PlanItem, Client, date]] = field(default_factory=list)
    plan_templates: dict[str, PlanTemplate] = field(default_factory=dict)


async def digest_facts(conn: Connection, core: Core, worker: Worker) -> DigestFacts | None:
    """Open alerts, today's appointments, clients not joined, clients silent longest."""
    now = core.now()
    zone = core.policy.zone
    ids = await visible_worker_ids(conn, worker)
    own = [
        c
        for c in await people_repo.clients_of(conn, ids if ids is not None else None)
        if c.worker_id == worker.id or c.backup_worker_id == worker.id
    ]
    if not own:
        return None
    by_id = {c.id: c for c in own}
    alerts = [
        (alert, by_id[alert.client_id])
        for alert in await engine_repo.open_alerts(conn, client_ids=list(by_id))
        if alert.client_id in by_id
    ]
    today = now.astimezone(zone).date()
    todays = [
        (appt, client)
        for client in own
        for appt in await items_repo.appointments_of(conn, client.id, upcoming_from=now)
        if appt.at.astimezone(zone).date() == today
    ]
    joined = [c for c in own if c.status in ("active", "paused")]
    phases, inside = _phases(own, today, zone)
    return DigestFacts(
        open_alerts=alerts,
        todays_appointments=sorted(todays, key=lambda p: p[0].at),
        not_joined=[c for c in own if c.status == "invited" and _expected_to_join(phases[c.id])],
        silent_longest=sorted(joined, key=lambda c: c.last_seen_at or c.joined_at or c.created_at)[
            :3
        ],
        phases=phases,
        before_release=inside,
        unrecorded=await records.unrecorded(conn, core, worker, own),
        remind_after_days=core.policy.records.remind_after_days,
        **await _plan_facts(conn, core, own, today),
    )


async def _plan_facts(
    conn: Connection, core: Core, own: list[Client], today: date
) -> dict[str, Any]:
    """Open plan items to tell of: due at an offset crossed since the last working day (so a
    weekend's reminders come on Monday), and overdue items of the worker's or the prison's."""
    by_id = {c.id: c for c in own if c.status != "closed"}
    gap = _days_since_last_digest(core, today)
    offsets = [o.days for o in core.policy.plan.remind_before]
    due: list[tuple[PlanItem, Client, date]] = []
    overdue: list[tuple[PlanItem, Client, date]] = []
    for item in await items_repo.open_plan_items_of(conn, list(by_id)):
        client = by_id[item.client_id]
        day = item.due(client.release_date)
        if day is None:
            continue
        left = (day - today).days
        if left < 0 and item.owner in ("worker", "prison"):
            overdue.append((item, client, day))
        elif any(o - gap < left <= o for o in offsets):
            due.append((item, client, day))
    order = lambda p: (p[2], p[1].id, p[0].position)  # noqa: E731
    return {
        "releases_today": [c for c in by_id.values() if c.release_date == today],
        "plan_due": sorted(due, key=order),
        "plan_overdue": sorted(overdue, key=order),
        "plan_templates": dict(core.policy.plan_templates),
    }


def _days_since_last_digest(core: Core, today: date) -> int:
    """Days back to the previous working day (1 on most days, 3 on a Monday)."""
    for back in range(1, 15):
        day = today - timedelta(days=back)
        if _working_day(core, local_to_utc(day, core.policy.workers.digest_time, core.policy.zone)):
            return back
    return 1


def _expected_to_join(phase: ClientPhase) -> bool:
    """Whether not having joined is news: not when the release date is still ahead (the client
    is then listed with the countdown under "before release")."""
    return phase.name != "before_release" or phase.days is None


def _phases(
    clients: list[Client], today: date, zone: ZoneInfo
) -> tuple[dict[int, ClientPhase], list[Client]]:
    """Each client's phase, and those with a release date still ahead, soonest first."""
    phases = {c.id: phase_of(c, today, zone) for c in clients}
    ahead = [c for c in clients if not _expected_to_join(phases[c.id])]
    return phases, sorted(ahead, key=lambda c: (c.release_date or date.max, c.id))
