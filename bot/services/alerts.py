"""Alerts to workers and the escalation ladder they climb until somebody takes them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiosqlite import Connection

from bot.clock import utc_iso
from bot.core import Core
from bot.durations import format_duration, parse_duration
from bot.policy import next_working_time
from bot.scheduling.kinds import rows
from bot.services.access import can_see_client
from storage import admin as admin_repo
from storage import engine as engine_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Alert, Client, Worker

log = logging.getLogger(__name__)

# Reasons that cannot wait for office hours.
URGENT_REASONS = frozenset({"not_good", "contact_me"})
SNOOZE_CHOICES = {"s1": timedelta(hours=1), "s4": timedelta(hours=4)}


@dataclass(frozen=True)
class AlertOutcome:
    """What a worker's button press on an alert did, for the handler to render."""

    status: str  # taken, already_taken, snoozed, resolved, already_resolved, gone, denied
    alert: Alert | None = None
    by: Worker | None = None


def _ladder(core: Core) -> list[dict[str, str]]:
    """The policy's steps, frozen into the alert so a later policy change does not reshuffle it."""
    return [{"to": s.to, "after": format_duration(s.after)} for s in core.policy.escalation.steps]


async def step_recipients(conn: Connection, client: Client | None, to: str) -> list[Worker]:
    """Who a ladder step reaches for this client (active workers who have joined)."""
    found: list[Worker] = []
    if to == "admins":
        found = await people_repo.admins(conn)
    elif client is None:
        found = []
    elif to in ("assigned_worker", "backup_worker"):
        wid = client.worker_id if to == "assigned_worker" else client.backup_worker_id
        worker = await people_repo.get_worker(conn, wid) if wid else None
        found = [worker] if worker else []
    elif to == "team":
        assigned = (
            await people_repo.get_worker(conn, client.worker_id) if client.worker_id else None
        )
        if assigned and assigned.team_id:
            found = await people_repo.team_workers(conn, assigned.team_id)
    return [w for w in found if w.active and w.telegram_id is not None]


async def raise_alert(
    conn: Connection,
    core: Core,
    client: Client,
    reason: str,
    *,
    contact_id: int | None = None,
    ref_id: int | None = None,
    payload: dict | None = None,
) -> Alert:
    """Open an alert (or return the same open one) and notify its first step."""
    now = core.now()
    for existing in await engine_repo.open_alerts(conn, client_id=client.id, reason=reason):
        if existing.contact_id == contact_id and existing.ref_id == ref_id:
            return existing
    alert = await engine_repo.add_alert(
        conn,
        client_id=client.id,
        reason=reason,
        urgent=reason in URGENT_REASONS,
        ladder=_ladder(core),
        now=now,
        contact_id=contact_id,
        ref_id=ref_id,
    )
    await admin_repo.audit(
        conn,
        now=now,
        actor_id=None,
        actor_kind="system",
        action=f"alert.raise.{reason}",
        client_id=client.id,
        detail=f"alert {alert.id}",
    )
    await notify_step(conn, core, alert, 0, payload=payload)
    core.wake()
    return alert


def _delivery_time(core: Core, alert: Alert, now: datetime) -> datetime:
    """Urgent alerts go now; the others wait for working hours."""
    return now if alert.urgent else next_working_time(core.policy, now)


async def notify_step(
    conn: Connection, core: Core, alert: Alert, step: int, payload: dict | None = None
) -> None:
    """Tell the workers of `step` (skipping empty steps) and arm the timer for the next."""
    now = core.now()
    client = await people_repo.get_client(conn, alert.client_id) if alert.client_id else None
    while step < len(alert.ladder):
        notified = 0
        for worker in await step_recipients(conn, client, alert.ladder[step]["to"]):
            if await engine_repo.add_recipient(conn, alert.id, worker.id, now):
                due = _delivery_time(core, alert, now)
                card = rows.alert_card(alert, worker.id, due, step=step, payload=payload)
                await outbox.add(conn, card, now)
                notified += 1
        await engine_repo.set_alert(conn, alert.id, step=step)
        if notified or step + 1 >= len(alert.ladder):
            break
        step += 1  # nobody at this step (no backup, no team): climb on at once
    if step + 1 < len(alert.ladder):
        after = parse_duration(alert.ladder[step + 1]["after"])
        due = alert.raised_at + after
        await outbox.add(conn, rows.alert_step(alert, step + 1, max(due, now)), now)


async def on_step_timer(conn: Connection, core: Core, alert_id: int, step: int) -> None:
    """A ladder step's time came: climb if nobody has taken the alert."""
    alert = await engine_repo.get_alert(conn, alert_id)
    if alert is None or alert.state != "open" or step <= alert.step:
        return
    await notify_step(conn, core, alert, step)


async def on_resurface_timer(conn: Connection, core: Core, alert_id: int) -> None:
    """A snooze ended, or a taken alert was left unresolved: bring it back to that worker."""
    now = core.now()
    alert = await engine_repo.get_alert(conn, alert_id)
    if alert is None or alert.state == "resolved" or alert.acknowledged_by is None:
        return
    worker = await people_repo.get_worker(conn, alert.acknowledged_by)
    if alert.state == "snoozed":
        alert = await engine_repo.set_alert(
            conn, alert_id, state="acknowledged", snoozed_until=None
        )
    if worker is None or not worker.active:
        # The worker who took it is gone: open it again so the ladder reaches someone else.
        await engine_repo.set_alert(conn, alert_id, state="open", acknowledged_by=None)
        alert = await engine_repo.get_alert(conn, alert_id)
        if alert:
            await notify_step(conn, core, alert, min(alert.step + 1, len(alert.ladder) - 1))
        return
    assert alert is not None
    await outbox.add(conn, rows.alert_card_back(alert, worker.id, now), now)
    back = now + core.policy.escalation.resurface_after
    await outbox.add(conn, rows.alert_resurface(alert, back), now)


async def may_handle(conn: Connection, worker: Worker, alert: Alert) -> bool:
    """Recipients, admins and the client's own team may act on an alert."""
    if not worker.active:
        return False
    if worker.is_admin:
        return True
    if any(r["worker_id"] == worker.id for r in await engine_repo.recipients(conn, alert.id)):
        return True
    if alert.client_id is None:
        return False
    client = await people_repo.get_client(conn, alert.client_id)
    return client is not None and await can_see_client(conn, worker, client)


async def tell_recipients(conn: Connection, core: Core, alert: Alert, now: datetime) -> None:
    """Refresh the alert card every recipient got, so they see who took it."""
    for rec in await engine_repo.recipients(conn, alert.id):
        if rec["message_id"] is None:
            continue
        tag = f"{alert.state}:{utc_iso(now)}"
        await outbox.add(conn, rows.alert_edit(alert, rec, now, tag=tag), now)


async def act(core: Core, worker: Worker, alert_id: int, choice: str) -> AlertOutcome:
    """A worker takes, snoozes or resolves an alert (one transaction, so two takers race fairly)."""
    now = core.now()
    async with core.db.tx() as conn:
        alert = await engine_repo.get_alert(conn, alert_id)
        if alert is None:
            return AlertOutcome("gone")
        if not await may_handle(conn, worker, alert):
            return AlertOutcome("denied")
        if alert.state == "resolved":
            by = (
                await people_repo.get_worker(conn, alert.resolved_by) if alert.resolved_by else None
            )
            return AlertOutcome("already_resolved", alert, by)
        if choice == "ack":
            if alert.state in ("acknowledged", "snoozed") and alert.acknowledged_by != worker.id:
                by = await people_repo.get_worker(conn, alert.acknowledged_by or 0)
                return AlertOutcome("already_taken", alert, by)
            alert = await engine_repo.set_alert(
                conn, alert_id, state="acknowledged", acknowledged_by=worker.id, acknowledged_at=now
            )
            await outbox.drop_pending(
                conn, "acknowledged", alert_id=alert_id, kinds=("alert_step", "alert_resurface")
            )
            assert alert is not None
            back = now + core.policy.escalation.resurface_after
            await outbox.add(conn, rows.alert_resurface(alert, back), now)
            status = "taken"
        elif choice in SNOOZE_CHOICES:
            if alert.state in ("acknowledged", "snoozed") and alert.acknowledged_by not in (
                None,
                worker.id,
            ):
                by = await people_repo.get_worker(conn, alert.acknowledged_by or 0)
                return AlertOutcome("already_taken", alert, by)
            until = now + SNOOZE_CHOICES[choice]
            alert = await engine_repo.set_alert(
                conn,
                alert_id,
                state="snoozed",
                acknowledged_by=worker.id,
                acknowledged_at=alert.acknowledged_at or now,
                snoozed_until=until,
            )
            await outbox.drop_pending(
                conn, "snoozed", alert_id=alert_id, kinds=("alert_step", "alert_resurface")
            )
            assert alert is not None
            await outbox.add(conn, rows.alert_resurface(alert, until), now)
            status = "snoozed"
        elif choice == "done":
            alert = await resolve(conn, alert_id, now, by=worker.id, resolution="handled")
            status = "resolved"
        else:
            return AlertOutcome("gone")
        assert alert is not None
        await admin_repo.audit(
            conn,
            now=now,
            actor_id=worker.id,
            actor_kind="admin" if worker.is_admin else "worker",
            action=f"alert.{status}",
            client_id=alert.client_id,
            detail=f"alert {alert_id}",
        )
        await tell_recipients(conn, core, alert, now)
    core.wake()
    return AlertOutcome(status, alert, worker)


async def resolve(
    conn: Connection, alert_id: int, now: datetime, *, by: int | None, resolution: str
) -> Alert | None:
    """Close an alert and stop all its timers."""
    alert = await engine_repo.set_alert(
        conn, alert_id, state="resolved", resolved_by=by, resolved_at=now, snoozed_until=None
    )
    await engine_repo.set_alert(conn, alert_id, resolution=resolution)
    await outbox.drop_pending(
        conn, "resolved", alert_id=alert_id, kinds=("alert_step", "alert_resurface")
    )
    return alert


async def all_clear(conn: Connection, core: Core, contact_id: int) -> int:
    """The client answered late: close the contact's alerts and tell everyone who was alerted."""
    now = core.now()
    closed = 0
    for alert in await engine_repo.open_alerts(conn, contact_id=contact_id):
        resolved = await resolve(conn, alert.id, now, by=None, resolution="answered")
        closed += 1
        if resolved is None:
            continue
        for rec in await engine_repo.recipients(conn, alert.id):
            await outbox.add(conn, rows.alert_all_clear(alert, rec["worker_id"], now), now)
            if rec["message_id"] is not None:
                await outbox.add(conn, rows.alert_edit(alert, rec, now, tag="clear"), now)
    return closed


async def move_alerts(conn: Connection, core: Core, client_id: int) -> int:
    """After a hand-over, open alerts restart their ladder with the new worker."""
    now = core.now()
    moved = 0
    for alert in await engine_repo.open_alerts(conn, client_id=client_id):
        await outbox.drop_pending(
            conn, "handed over", alert_id=alert.id, kinds=("alert_step", "alert_resurface")
        )
        await engine_repo.set_alert(
            conn,
            alert.id,
            state="open",
            acknowledged_by=None,
            acknowledged_at=None,
            snoozed_until=None,
            step=0,
            raised_at=now,
        )
        fresh = await engine_repo.get_alert(conn, alert.id)
        if fresh is not None:
            await notify_step(conn, core, fresh, 0)
        moved += 1
    return moved
