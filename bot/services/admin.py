"""The admin's services: the schedule policy, workers and teams, cadence overrides, the audit log.

Used by the bot's admin handlers and by the CLI alike; nothing here knows about Telegram.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiosqlite import Connection

from bot.core import Core
from bot.durations import parse_duration
from bot.policy import (
    NeedsForce,
    Policy,
    PolicyError,
    describe_policy,
    format_phases,
    next_working_time,
    parse_phases,
    set_policy_value,
    unusual_changes,
)
from bot.scheduling import planner, policy_store
from bot.scheduling.kinds import rows
from bot.services import alerts
from bot.services.access import visible_client
from bot.services.audit import actor_kind, audit_by
from bot.services.workers import parse_id
from storage import admin_queries, outbox
from storage import engine as engine_repo
from storage import people as people_repo
from storage.models import Alert, Client, Team, Worker

# Words that put a client back on the policy's cadence.
CADENCE_DEFAULT_WORDS = frozenset({"default", "-", "none", "clear", "oletus", "standard"})
MAX_TEAM_NAME = 40


# --- policy ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyChange:
    """What storing a policy did: each changed row (key, old, new), the version, re-planning."""

    status: str  # changed, unchanged
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    version: int = 0
    replanned: int = 0


def diff_policy(old: Policy, new: Policy) -> list[tuple[str, str, str]]:
    """(key, old value, new value) of every readable row that differs; '—' for absent rows."""
    before, after = dict(describe_policy(old)), dict(describe_policy(new))
    keys = list(before) + [k for k in after if k not in before]
    return [
        (k, before.get(k, "—"), after.get(k, "—")) for k in keys if before.get(k) != after.get(k)
    ]


async def current_policy(core: Core) -> Policy:
    """The newest policy, taking a version another process (the CLI) stored meanwhile."""
    await policy_store.refresh(core)
    return core.policy


async def apply_policy(
    core: Core, policy: Policy, actor: Worker | None, *, force: bool = False
) -> PolicyChange:
    """Store `policy` as a new version (audited) and re-plan everything it affects.

    Values newly outside their usual range raise NeedsForce unless `force`; forced, they are
    stored and audited as `policy.force` with the keys and ranges.
    """
    old = await current_policy(core)
    if policy == old:
        return PolicyChange("unchanged", version=core.policy_version)
    unusual = unusual_changes(old, policy)
    if unusual and not force:
        raise NeedsForce(unusual)
    changes = diff_policy(old, policy)
    version, replanned = await policy_store.store(
        core, policy, actor.id if actor else None, actor_kind(actor)
    )
    if unusual:
        async with core.db.tx() as conn:
            detail = "; ".join(f"{key}: {reason}" for key, reason in unusual)
            await audit_by(
                conn, core.now(), actor, "policy.force", detail=detail, kind=actor_kind(actor)
            )
    return PolicyChange("changed", changes, version, replanned)


async def set_policy(
    core: Core, actor: Worker | None, key: str, value: str, *, force: bool = False
) -> PolicyChange:
    """Change one dotted key; raises PolicyError (nothing stored) when the value is refused,
    NeedsForce when it is outside its usual range and not `force`."""
    if not value.strip():
        raise PolicyError([(key.strip() or "(key)", "a value is required")])
    new = set_policy_value(await current_policy(core), key, value)
    return await apply_policy(core, new, actor, force=force)


@dataclass(frozen=True)
class PolicyInfo:
    """The version in force and who stored it, when."""

    version: int
    changed_by: str | None = None
    changed_at: datetime | None = None


async def policy_info(core: Core) -> PolicyInfo:
    """Version number and last change of the policy in force."""
    await current_policy(core)
    if core.policy_version == 0:
        return PolicyInfo(0)
    async with core.db.read() as conn:
        found = await admin_queries.policy_version(conn, core.policy_version)
    if found is None:
        return PolicyInfo(core.policy_version)
    return PolicyInfo(found.id, found.created_by_name, found.created_at)


# --- finding people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A look-up by id or name: found, none, or many (candidates listed)."""

    status: str  # found, none, many
    worker: Worker | None = None
    candidates: list[Worker] = field(default_factory=list)


async def find_worker(core: Core, ref: str) -> Found:
    """A worker by id (`3`, `#3`), full name or first name (case-insensitive)."""
    ref = " ".join(ref.split())
    if not ref:
        return Found("none")
    async with core.db.read() as conn:
        wid = parse_id(ref)
        if wid is not None:
            worker = await people_repo.get_worker(conn, wid)
            return Found("found", worker) if worker else Found("none")
        matches = await admin_queries.workers_named(conn, ref)
    exact = [w for w in matches if w.name.lower() == ref.lower()]
    if len(exact) == 1:
        return Found("found", exact[0])
    if len(matches) == 1:
        return Found("found", matches[0])
    return Found("many", candidates=matches) if matches else Found("none")


# --- workers and teams ------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerRow:
    """A worker with their team's name and count of clients not closed."""

    worker: Worker
    team: str | None
    clients: int


async def list_workers(core: Core) -> list[WorkerRow]:
    """Every worker (active first), with team and client count."""
    async with core.db.read() as conn:
        rows = await people_repo.list_workers(conn)
        teams = {t.id: t.name for t, _ in await people_repo.list_teams(conn)}
    out = [WorkerRow(w, teams.get(w.team_id) if w.team_id else None, n) for w, n in rows]
    return sorted(out, key=lambda r: not r.worker.active)


async def teams_overview(core: Core) -> list[tuple[Team | None, list[Worker]]]:
    """Each team with its active members; workers without a team last (team None)."""
    async with core.db.read() as conn:
        teams = [t for t, _ in await people_repo.list_teams(conn)]
        workers = [w for w, _ in await people_repo.list_workers(conn, active_only=True)]
    groups: list[tuple[Team | None, list[Worker]]] = [
        (team, [w for w in workers if w.team_id == team.id]) for team in teams
    ]
    loose = [w for w in workers if w.team_id is None]
    if loose:
        groups.append((None, loose))
    return groups


@dataclass(frozen=True)
class WorkerChange:
    """Outcome of changing a worker: done, unchanged, self, invalid or not_found."""

    status: str
    worker: Worker | None = None
    team: Team | None = None
    clients: list[Client] = field(default_factory=list)
    moved_alerts: int = 0


async def deactivate_worker(core: Core, admin: Worker | None, worker_id: int) -> WorkerChange:
    """Stop a worker: alerts move to their team, invites stop; their clients await hand-over."""
    now = core.now()
    async with core.db.tx() as conn:
        worker = await people_repo.get_worker(conn, worker_id)
        if worker is None:
            return WorkerChange("not_found")
        if admin is not None and worker.id == admin.id:
            return WorkerChange("self", worker)
        clients = await admin_queries.clients_assigned_to(conn, worker.id)
        if not worker.active:
            return WorkerChange("unchanged", worker, clients=clients)
        worker = await people_repo.update_worker(conn, worker.id, active=0)
        assert worker is not None
        await admin_queries.revoke_worker_invites(conn, worker.id, now)
        moved = await move_alerts_from(conn, core, worker.id)
        await audit_by(
            conn,
            now,
            admin,
            "worker.deactivate",
            detail=f"worker {worker.id}; {moved} alerts moved",
        )
    core.wake()
    return WorkerChange("done", worker, clients=clients, moved_alerts=moved)


async def _set_worker(
    core: Core,
    admin: Worker | None,
    worker_id: int,
    action: str,
    already: Callable[[Worker], bool],
    **fields: object,
) -> WorkerChange:
    """Store `fields` on a worker (audited as `action`) unless `already` says it is so."""
    now = core.now()
    async with core.db.tx() as conn:
        worker = await people_repo.get_worker(conn, worker_id)
        if worker is None:
            return WorkerChange("not_found")
        if already(worker):
            return WorkerChange("unchanged", worker)
        worker = await people_repo.update_worker(conn, worker.id, **fields)
        await audit_by(conn, now, admin, action, detail=f"worker {worker_id}")
    return WorkerChange("done", worker)


async def reactivate_worker(core: Core, admin: Worker | None, worker_id: int) -> WorkerChange:
    """Let a deactivated worker use Silta again."""
    return await _set_worker(
        core, admin, worker_id, "worker.reactivate", lambda w: w.active, active=1
    )


async def move_to_team(
    core: Core, admin: Worker | None, worker_id: int, team_name: str
) -> WorkerChange:
    """Put a worker in a team, creating the team when it is new."""
    name = " ".join(team_name.split())
    if not name or len(name) > MAX_TEAM_NAME or name.startswith("/"):
        return WorkerChange("invalid")
    now = core.now()
    async with core.db.tx() as conn:
        worker = await people_repo.get_worker(conn, worker_id)
        if worker is None:
            return WorkerChange("not_found")
        team = await people_repo.team_by_name(conn, name, now, create=True)
        assert team is not None
        if worker.team_id == team.id:
            return WorkerChange("unchanged", worker, team)
        worker = await people_repo.update_worker(conn, worker.id, team_id=team.id)
        await audit_by(
            conn, now, admin, "worker.team", detail=f"worker {worker_id}; team {team.id}"
        )
    return WorkerChange("done", worker, team)


async def make_admin(core: Core, admin: Worker | None, worker_id: int) -> WorkerChange:
    """Give a worker the admin role."""
    return await _set_worker(
        core, admin, worker_id, "worker.admin", lambda w: w.is_admin, role="admin"
    )


# --- alerts of a worker who leaves ------------------------------------------------------------


def _step_index(alert: Alert, to: str) -> int | None:
    """Position of the step that reaches `to` in the alert's frozen ladder."""
    return next((i for i, s in enumerate(alert.ladder) if s["to"] == to), None)


async def move_alerts_from(conn: Connection, core: Core, worker_id: int) -> int:
    """Open alerts of a leaving worker's clients go to the team; ones they took reopen.

    Like alerts.move_alerts after a hand-over, but the assigned worker is gone, so the ladder
    restarts at its team step (or the next step when it has none), and everyone there is told
    again even if they already had the card.
    """
    moved = 0
    for alert in await admin_queries.open_alerts_held_by(conn, worker_id):
        client = await people_repo.get_client(conn, alert.client_id) if alert.client_id else None
        if client is not None and client.worker_id != worker_id:
            # Somebody else's client whose alert this worker had taken: back to its own worker.
            step = 0
        else:
            team = _step_index(alert, "team")
            step = team if team is not None else min(alert.step + 1, len(alert.ladder) - 1)
        await _renotify(conn, core, alert, client, step)
        moved += 1
    return moved


async def _renotify(
    conn: Connection, core: Core, alert: Alert, client: Client | None, step: int
) -> None:
    """Reopen `alert` at `step` (climbing past empty steps), tell that step, re-arm the ladder."""
    now = core.now()
    await outbox.drop_pending(
        conn, "moved", alert_id=alert.id, kinds=("alert_step", "alert_resurface")
    )
    ladder = alert.ladder
    recipients: list[Worker] = []
    while True:
        recipients = await alerts.step_recipients(conn, client, ladder[step]["to"])
        if recipients or step + 1 >= len(ladder):
            break
        step += 1
    await engine_repo.set_alert(
        conn,
        alert.id,
        state="open",
        acknowledged_by=None,
        acknowledged_at=None,
        snoozed_until=None,
        step=step,
    )
    due = now if alert.urgent else next_working_time(core.policy, now)
    for worker in recipients:
        await engine_repo.add_recipient(conn, alert.id, worker.id, now)
        await outbox.add(conn, rows.alert_card_moved(alert, worker.id, due, now), now)
    if step + 1 < len(ladder):
        # The next step keeps its distance from this one; raised_at stays true for statistics.
        gap = parse_duration(ladder[step + 1]["after"]) - parse_duration(ladder[step]["after"])
        due = now + max(gap, timedelta(0))
        await outbox.add(conn, rows.alert_step(alert, step + 1, due, moved_at=now), now)


# --- per-client cadence -----------------------------------------------------------------------


@dataclass(frozen=True)
class CadenceChange:
    """Outcome of /cadence: set, cleared, unchanged, closed or invalid (with problems)."""

    status: str
    client: Client | None = None
    phases: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)
    next_checkin: datetime | None = None


async def set_cadence(core: Core, worker: Worker, client_id: int, text: str) -> CadenceChange:
    """Override (or with 'default' clear) one client's check-in cadence, then re-plan them."""
    raw = text.strip()
    value: str | None = None
    if raw.lower() not in CADENCE_DEFAULT_WORDS:
        try:
            value = ",".join(format_phases(parse_phases(raw)).split(", "))
        except PolicyError as exc:
            return CadenceChange("invalid", problems=exc.problems)
    now = core.now()
    async with core.db.tx() as conn:
        client = await visible_client(conn, worker, client_id)
        if client is None:
            return CadenceChange("denied")
        if client.status == "closed":
            return CadenceChange("closed", client)
        if client.checkin_phases == value:
            return CadenceChange("unchanged", client, value, next_checkin=await _next(conn, client))
        client = await people_repo.update_client(conn, client.id, checkin_phases=value)
        assert client is not None
        await planner.plan_client(conn, core, client.id)
        await audit_by(
            conn, now, worker, "client.cadence", client_id=client.id, detail=value or "default"
        )
        upcoming = await _next(conn, client)
    core.wake()
    return CadenceChange("set" if value else "cleared", client, value, next_checkin=upcoming)


async def _next(conn: Connection, client: Client) -> datetime | None:
    """When the client's next check-in is planned."""
    rows = await outbox.pending_for_client(conn, client.id)
    return next((r.due_at for r in rows if r.kind == "checkin"), None)


# --- audit ------------------------------------------------------------------------------------


async def recent_audit(core: Core, limit: int = 20) -> list[admin_queries.AuditLine]:
    """The newest audit entries with the acting worker's name."""
    async with core.db.read() as conn:
        return await admin_queries.recent_audit(conn, limit)
