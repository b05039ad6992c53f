"""One morning digest per worker on working days."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiosqlite import Connection

from bot.core import Core
from bot.i18n import Translator
from bot.messages import ALERT_REASONS, h
from bot.policy import is_working_time, local_to_utc
from bot.services.access import visible_worker_ids
from bot.transport import OutMessage
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Worker
from storage.outbox import Planned


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
        await outbox.add(
            conn,
            Planned(
                key=f"digest:{worker.id}:{today.isoformat()}",
                kind="digest",
                due_at=due,
                worker_id=worker.id,
            ),
            now,
        )
        planned += 1
    return planned


def _working_day(core: Core, when: datetime) -> bool:
    """Whether the day of `when` is a working day (checked at the middle of working hours)."""
    wh = core.policy.working_hours
    local = when.astimezone(core.policy.zone).date()
    midday = local_to_utc(local, wh.start, core.policy.zone) + timedelta(minutes=1)
    return is_working_time(core.policy, midday)


async def render_digest(
    conn: Connection, core: Core, worker: Worker, t: Translator
) -> OutMessage | None:
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
    lines = [t("☀️ Good morning! Your Silta day:")]
    open_alerts = await engine_repo.open_alerts(conn, client_ids=list(by_id))
    lines.append("")
    lines.append(t("Open alerts: {n}").format(n=len(open_alerts)))
    for alert in open_alerts[:10]:
        if alert.client_id not in by_id:
            continue
        lines.append(
            "• "
            + t.ltr(h(by_id[alert.client_id].label))
            + " — "
            + t(ALERT_REASONS.get(alert.reason, alert.reason))
        )
    today = now.astimezone(zone).date()
    todays = []
    for client in own:
        for appt in await items_repo.appointments_of(conn, client.id, upcoming_from=now):
            if appt.at.astimezone(zone).date() == today:
                todays.append((appt, client))
    lines.append("")
    lines.append(t("Appointments today: {n}").format(n=len(todays)))
    for appt, client in sorted(todays, key=lambda p: p[0].at):
        lines.append(
            "• " + t.time(appt.at, zone) + " " + t.ltr(h(client.label)) + ", " + h(appt.place)
        )
    waiting = [c for c in own if c.status == "invited"]
    lines.append("")
    lines.append(t("Not joined yet: {n}").format(n=len(waiting)))
    for client in waiting[:10]:
        lines.append("• " + t.ltr(h(client.label)))
    joined = [c for c in own if c.status in ("active", "paused")]
    silent = sorted(joined, key=lambda c: c.last_seen_at or c.joined_at or c.created_at)[:3]
    if silent:
        lines.append("")
        lines.append(t("Silent longest:"))
        for client in silent:
            seen = client.last_seen_at or client.joined_at
            when = t.stamp(seen, zone) if seen else "—"
            lines.append("• " + t.ltr(h(client.label)) + " — " + when)
    return OutMessage("\n".join(lines))
