"""Summaries for the county's client record system: what happened with one client in a period,
the "recorded in the client system" marks, and the team report built from the same facts.

Everything here is facts and counts; the words are in bot/records_text.py. A summary reads one
client only, and only a worker who may see that client gets it (the command line sees all).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from aiosqlite import Connection

from bot.core import Core
from bot.policy import local_to_utc
from bot.services.access import visible_client
from bot.services.audit import audit_by
from bot.services.plan_templates import TEMPLATE_TITLES
from bot.services.stats import median
from storage import items as items_repo
from storage import people as people_repo
from storage import records as records_repo
from storage.models import Alert, Client, Contact, Worker

DEFAULT_DAYS = 30
MAX_DAYS = 3660
REMINDER_KINDS = {"appointment": "appointment_reminder", "deadline": "deadline_reminder"}


@dataclass(frozen=True)
class Event:
    """One line of a record: when, what kind, and the facts the line is written from."""

    at: datetime
    kind: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Totals:
    """The counts a record entry ends with (and one row of the team report)."""

    checkins_asked: int = 0
    checkins_answered: int = 0
    checkins_unanswered: int = 0
    reminders: int = 0
    reminder_answers: int = 0
    alerts_raised: int = 0
    alerts_acknowledged: int = 0
    alerts_resolved: int = 0
    acknowledge_times: list[timedelta] = field(default_factory=list)
    appointments_kept: int = 0
    appointments_missed: int = 0
    appointments_moved: int = 0
    plan_done: int = 0
    messages_from_client: int = 0
    messages_to_client: int = 0

    @property
    def median_acknowledge(self) -> timedelta | None:
        return median(self.acknowledge_times)

    def as_dict(self) -> dict[str, int | None]:
        """The counts by name; the time to acknowledge in whole minutes (None: none taken)."""
        ack = self.median_acknowledge
        counts = {k: v for k, v in vars(self).items() if isinstance(v, int)}
        return {**counts, "median_acknowledge_minutes": _minutes(ack) if ack else None}


def _minutes(td: timedelta) -> int:
    return round(td.total_seconds() / 60)


@dataclass(frozen=True)
class Summary:
    """One client's record for [since, until)."""

    client: Client
    worker: Worker | None
    since: datetime
    until: datetime
    release_day: int | None  # None: no release date; negative: days before release
    events: list[Event]
    totals: Totals


@dataclass(frozen=True)
class SummaryResult:
    status: str  # ok, not_found (unknown, purged or not the worker's to see), bad_period
    summary: Summary | None = None


def local_day_start(core: Core, day: date) -> datetime:
    """Start of a local day, as UTC."""
    return local_to_utc(day, time(0, 0), core.policy.zone)


async def _period(
    conn: Connection, core: Core, client_id: int, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    """The default period: since the last recorded mark, else the last 30 days, until now."""
    # Whole seconds: a "recorded" button carries the end in seconds, and an event in the cut
    # fraction of a second belongs to the next summary rather than to both or neither.
    end = until or core.now().replace(microsecond=0)
    if since is None:
        since = await records_repo.last_mark(conn, client_id) or end - timedelta(days=DEFAULT_DAYS)
    return since, end


def _release_day(core: Core, client: Client, until: datetime) -> int | None:
    if client.release_date is None:
        return None
    last = (until - timedelta(seconds=1)).astimezone(core.policy.zone).date()
    return (last - client.release_date).days


def _contact_events(contacts: Iterable[Contact], totals: Totals) -> list[Event]:
    events = []
    for c in contacts:
        answered = c.state == "answered" and c.answered_at is not None
        facts = {"answer": c.answer if answered else None, "answered_at": c.answered_at}
        if c.kind == "checkin":
            totals.checkins_asked += 1
            totals.checkins_answered += answered
            totals.checkins_unanswered += c.state == "expired"
            events.append(Event(c.opened_at, "checkin", {**facts, "state": c.state}))
        else:
            totals.reminders += 1
            totals.reminder_answers += answered
            events.append(Event(c.opened_at, REMINDER_KINDS.get(c.kind, c.kind), facts))
    return events


def _in(when: datetime | None, since: datetime, until: datetime) -> bool:
    return when is not None and since <= when < until


def _alert_events(
    alerts: Iterable[Alert], names: dict[int, str], since: datetime, until: datetime, totals: Totals
) -> list[Event]:
    events = []
    for a in alerts:
        if _in(a.raised_at, since, until):
            totals.alerts_raised += 1
            events.append(Event(a.raised_at, "alert", {"reason": a.reason, "urgent": a.urgent}))
        if a.acknowledged_at is not None and _in(a.acknowledged_at, since, until):
            after = a.acknowledged_at - a.raised_at
            totals.alerts_acknowledged += 1
            totals.acknowledge_times.append(after)
            by = names.get(a.acknowledged_by or 0, "")
            events.append(
                Event(a.acknowledged_at, "alert_taken", {"by": by, "minutes": _minutes(after)})
            )
        if a.state == "resolved" and _in(a.resolved_at, since, until):
            assert a.resolved_at is not None
            totals.alerts_resolved += 1
            by = names.get(a.resolved_by or 0, "") if a.resolved_by else ""
            events.append(Event(a.resolved_at, "alert_resolved", {"by": by}))
    return events


async def _names(conn: Connection, ids: Iterable[int | None]) -> dict[int, str]:
    names = {}
    for wid in {i for i in ids if i}:
        worker = await people_repo.get_worker(conn, wid)
        if worker is not None:
            names[wid] = worker.name
    return names


async def _audit_events(
    conn: Connection, client: Client, since: datetime, until: datetime, totals: Totals
) -> list[Event]:
    entries = await records_repo.audit_events_between(conn, client.id, since, until)
    names = await _names(conn, (e.actor_id for e in entries))
    events = []
    for e in entries:
        if e.action == "client.message":
            totals.messages_from_client += 1
            events.append(Event(e.at, "message_from_client"))
        elif e.action == "client.reply":
            totals.messages_to_client += 1
            events.append(Event(e.at, "message_to_client", {"by": names.get(e.actor_id or 0, "")}))
        else:
            appt_id = int((e.detail or "0").rsplit(" ", 1)[-1] or 0)
            appt = await items_repo.get_appointment(conn, appt_id)
            if appt is None or appt.client_id != client.id:
                continue
            totals.appointments_moved += 1
            events.append(Event(e.at, "appointment_moved", {"new_time": appt.at}))
    return events


async def collect(
    conn: Connection, core: Core, client: Client, since: datetime, until: datetime
) -> Summary:
    """Every event of one client in [since, until) in time order, with the totals."""
    totals = Totals()
    cid = client.id
    events = _contact_events(await records_repo.contacts_between(conn, cid, since, until), totals)
    alerts = await records_repo.alerts_between(conn, cid, since, until)
    names = await _names(
        conn, [a.acknowledged_by for a in alerts] + [a.resolved_by for a in alerts]
    )
    events += _alert_events(alerts, names, since, until, totals)
    for appt in await records_repo.appointments_between(conn, cid, since, until):
        if appt.at >= core.now() and appt.status == "scheduled":
            continue  # still ahead: not yet something that happened
        totals.appointments_kept += appt.status == "attended"
        totals.appointments_missed += appt.status == "missed"
        facts = {"status": appt.status, "place": appt.place, "kind": appt.kind}
        events.append(Event(appt.at, "appointment", facts))
    for item in await records_repo.plan_done_between(conn, cid, since, until):
        assert item.done_at is not None
        totals.plan_done += 1
        title = item.title or TEMPLATE_TITLES.get(item.template or "", item.template or "")
        facts: dict[str, Any] = {"title": title, "own": bool(item.title), "by": item.done_by}
        template = core.policy.plan_templates.get(item.template or "")
        if template is not None and not item.title:
            # Catalogue items read in the reader's language from the policy's labels.
            facts["labels"] = dict(template.labels)
        events.append(Event(item.done_at, "plan_done", facts))
    events += await _audit_events(conn, client, since, until, totals)
    events.sort(key=lambda e: e.at)
    worker = await people_repo.get_worker(conn, client.worker_id or 0)
    return Summary(client, worker, since, until, _release_day(core, client, until), events, totals)


def _period_text(since: datetime, until: datetime) -> str:
    return f"{since:%Y-%m-%dT%H:%M:%SZ}..{until:%Y-%m-%dT%H:%M:%SZ}"


async def summary(
    core: Core,
    actor: Worker | None,
    client_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> SummaryResult:
    """One client's summary for a period, audited; `actor` None is the command line."""
    async with core.db.tx() as conn:
        client = await visible_client(conn, actor, client_id)
        if client is None:
            return SummaryResult("not_found")
        start, end = await _period(conn, core, client.id, since, until)
        if not start < end or end - start > timedelta(days=MAX_DAYS):
            return SummaryResult("bad_period")
        result = await collect(conn, core, client, start, end)
        await audit_by(
            conn,
            core.now(),
            actor,
            "records.summary",
            client_id=client.id,
            detail=_period_text(start, end),
        )
    return SummaryResult("ok", result)


async def mark_recorded(
    core: Core, actor: Worker | None, client_id: int, period_end: datetime
) -> str:
    """The period up to `period_end` is in the client system: done, already, not_found, bad."""
    now = core.now()
    if period_end > now:
        return "bad"
    async with core.db.tx() as conn:
        client = await visible_client(conn, actor, client_id)
        if client is None:
            return "not_found"
        last = await records_repo.last_mark(conn, client.id)
        if last is not None and last >= period_end:
            return "already"
        await records_repo.add_mark(conn, client.id, actor.id if actor else None, period_end, now)
        await audit_by(
            conn,
            now,
            actor,
            "records.mark",
            client_id=client.id,
            detail=f"until {period_end:%Y-%m-%dT%H:%M:%SZ}",
        )
    return "done"


async def unrecorded(
    conn: Connection, core: Core, worker: Worker, clients: Iterable[Client]
) -> list[tuple[Client, datetime]]:
    """The worker's own open clients whose oldest event not yet marked recorded is older than
    the policy allows (the responsible worker records; closed clients are not nagged about)."""
    limit = core.now() - timedelta(days=core.policy.records.remind_after_days)
    found = []
    for client in clients:
        if client.worker_id != worker.id or client.status == "closed":
            continue
        last = await records_repo.last_mark(conn, client.id)
        first = await records_repo.first_event_after(conn, client.id, last)
        if first is not None and first < limit:
            found.append((client, first))
    return sorted(found, key=lambda pair: pair[1])


# --- the team report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """One week of a team's activity, for the chart."""

    start: date
    answered: int = 0
    unanswered: int = 0
    acknowledge_minutes: float | None = None


@dataclass(frozen=True)
class TeamReport:
    team: str
    since: datetime
    until: datetime
    rows: list[Summary]
    weeks: list[Week]


@dataclass(frozen=True)
class ReportResult:
    status: str  # ok, no_team, bad_period
    report: TeamReport | None = None


def _weeks(core: Core, summaries: list[Summary], since: datetime, until: datetime) -> list[Week]:
    """Answered and unanswered check-ins and the median time to take an alert, by local week."""
    zone = core.policy.zone

    def monday(when: datetime) -> date:
        day = when.astimezone(zone).date()
        return day - timedelta(days=day.weekday())

    first, last = monday(since), monday(until - timedelta(seconds=1))
    starts = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    answered = dict.fromkeys(starts, 0)
    unanswered = dict.fromkeys(starts, 0)
    taken: dict[date, list[timedelta]] = {s: [] for s in starts}
    for s in summaries:
        for e in s.events:
            week = monday(e.at)
            if e.kind == "checkin" and week in answered:
                answered[week] += e.facts["answer"] is not None
                unanswered[week] += e.facts["state"] == "expired"
            elif e.kind == "alert_taken" and week in taken:
                taken[week].append(timedelta(minutes=e.facts["minutes"]))
    weeks = []
    for start in starts:
        ack = median(taken[start])
        minutes = ack.total_seconds() / 60 if ack is not None else None
        weeks.append(Week(start, answered[start], unanswered[start], minutes))
    return weeks


async def team_report(
    core: Core, actor: Worker | None, team_name: str, since: datetime, until: datetime
) -> ReportResult:
    """One row per client of the team (their assigned worker is in it); every client audited."""
    if not since < until or until - since > timedelta(days=MAX_DAYS):
        return ReportResult("bad_period")
    now = core.now()
    async with core.db.tx() as conn:
        team = await people_repo.team_by_name(conn, team_name, now, create=False)
        if team is None:
            return ReportResult("no_team")
        members = {w.id for w in await people_repo.team_workers(conn, team.id)}
        clients = [
            c for c in await people_repo.clients_of(conn, list(members)) if c.worker_id in members
        ]
        rows = [await collect(conn, core, c, since, until) for c in clients]
        for c in clients:
            await audit_by(
                conn,
                now,
                actor,
                "records.report",
                client_id=c.id,
                detail=f"team {team.id} {_period_text(since, until)}",
            )
    return ReportResult(
        "ok", TeamReport(team.name, since, until, rows, _weeks(core, rows, since, until))
    )
