"""Alerts to workers and the escalation ladder they climb until somebody takes them."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiosqlite import Connection

from bot.clock import utc_iso
from bot.core import Core
from bot.durations import format_duration, parse_duration
from bot.outgoing import utf16_len
from bot.policy import add_working_time
from bot.scheduling.kinds import rows
from bot.services.access import can_see_client
from storage import admin as admin_repo
from storage import engine as engine_repo
from storage import outbox
from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Alert, Client, Worker

log = logging.getLogger(__name__)

# Reasons that cannot wait for office hours.
URGENT_REASONS = frozenset({"not_good", "contact_me"})
SNOOZE_CHOICES = {"s1": timedelta(hours=1), "s4": timedelta(hours=4)}

# What an alert is about. One alert stays open per client and matter: a new cause of the same
# matter (another missed check-in, a second "please contact me") updates it instead.
_MATTERS = {
    "no_answer": "checkin",
    "not_good": "contact",
    "contact_me": "contact",
    "message": "message",
    "blocked": "reach",
    "paused": "paused",
    "plan_item": "plan",
}
# Matters about one item: the item's id is part of the matter.
_ITEM_MATTERS = {
    "unconfirmed": "appointment",
    "reschedule": "appointment",
    "appointment_help": "appointment",
    "deadline_help": "deadline",
    "deadline_missed": "deadline",
}


def matter_of(reason: str, ref_id: int | None) -> str:
    """The matter a reason belongs to: 'checkin', 'contact', 'appointment:12', ..."""
    if reason in _ITEM_MATTERS:
        return f"{_ITEM_MATTERS[reason]}:{ref_id}"
    return _MATTERS.get(reason, reason)


@dataclass(frozen=True)
class AlertOutcome:
    """What a worker's button press on an alert did, for the handler to render."""

    status: str  # taken, already_taken, snoozed, resolved, already_resolved, gone, denied
    alert: Alert | None = None
    by: Worker | None = None
    words: str | None = None  # the client's words as the card showed them before a resolve


def _ladder(core: Core) -> list[dict[str, str]]:
    """The policy's steps, frozen into the alert so a later policy change does not reshuffle it."""
    return [{"to": s.to, "after": format_duration(s.after)} for s in core.policy.escalation.steps]


async def step_recipients(
    conn: Connection, client: Client | None, to: str, *, owner_id: int | None = None
) -> list[Worker]:
    """Who a ladder step reaches for this client (active workers who have joined).

    An alert about no client yet (a referral) has `owner_id` instead: the worker who invited
    the partner stands for the assigned worker, and their team for the team.
    """
    found: list[Worker] = []
    assigned_id = client.worker_id if client is not None else owner_id
    backup_id = client.backup_worker_id if client is not None else None
    if to == "admins":
        found = await people_repo.admins(conn)
    elif to in ("assigned_worker", "backup_worker"):
        wid = assigned_id if to == "assigned_worker" else backup_id
        worker = await people_repo.get_worker(conn, wid) if wid else None
        found = [worker] if worker else []
    elif to == "team":
        assigned = await people_repo.get_worker(conn, assigned_id) if assigned_id else None
        if assigned and assigned.team_id:
            found = await people_repo.team_workers(conn, assigned.team_id)
    return [w for w in found if w.active and w.telegram_id is not None]


async def raise_referral_alert(conn: Connection, core: Core, referral_id: int) -> Alert:
    """A partner's referral reaches the team as an alert that climbs the ladder until a worker
    takes or declines it (it is about nobody in Silta yet: no client)."""
    now = core.now()
    alert = await engine_repo.add_alert(
        conn,
        client_id=None,
        reason="referral",
        urgent=False,
        ladder=_ladder(core),
        now=now,
        ref_id=referral_id,
        matter=f"referral:{referral_id}",
    )
    await _audit(conn, now, "alert.raise.referral", None, alert.id)
    await notify_step(conn, core, alert, 0)
    core.wake()
    return alert


async def _owner_of(conn: Connection, alert: Alert) -> int | None:
    """For an alert about no client: the worker who stands for the assigned one."""
    if alert.reason != "referral" or alert.ref_id is None:
        return None
    referral = await partners_repo.get_referral(conn, alert.ref_id)
    partner = await partners_repo.get_partner(conn, referral.partner_id) if referral else None
    return partner.invited_by if partner else None


async def raise_alert(
    conn: Connection,
    core: Core,
    client: Client,
    reason: str,
    *,
    contact_id: int | None = None,
    ref_id: int | None = None,
    words: str | None = None,
) -> Alert:
    """Open an alert and notify its first step, or fold this cause into the matter's open one."""
    now = core.now()
    matter = matter_of(reason, ref_id)
    existing = await engine_repo.open_alert_of_matter(conn, client.id, matter)
    if existing is not None:
        return await _gather(conn, core, existing, reason, contact_id, ref_id, words)
    alert = await engine_repo.add_alert(
        conn,
        client_id=client.id,
        reason=reason,
        urgent=reason in URGENT_REASONS,
        ladder=_ladder(core),
        now=now,
        contact_id=contact_id,
        ref_id=ref_id,
        matter=matter,
        words=json.dumps([words], ensure_ascii=False) if words is not None else None,
    )
    await _audit(conn, now, f"alert.raise.{reason}", client.id, alert.id)
    await notify_step(conn, core, alert, 0)
    core.wake()
    return alert


async def _audit(conn: Connection, now: datetime, action: str, client_id: int | None, aid: int):
    await admin_repo.audit(
        conn,
        now=now,
        actor_id=None,
        actor_kind="system",
        action=action,
        client_id=client_id,
        detail=f"alert {aid}",
    )


async def _gather(
    conn: Connection,
    core: Core,
    alert: Alert,
    reason: str,
    contact_id: int | None,
    ref_id: int | None,
    words: str | None,
) -> Alert:
    """Another cause of an open alert's matter: count it, keep the latest, refresh the cards.

    The same cause seen twice (a crash made us run it again) changes nothing. An urgent cause
    upgrades a non-urgent alert and reaches its recipients at once; a non-urgent one never
    downgrades an urgent alert.
    """
    if (reason, contact_id, ref_id) == (alert.reason, alert.contact_id, alert.ref_id) and (
        words is None or words_of(alert.words)[-1:] == [words]
    ):
        return alert
    now = core.now()
    upgrade = reason in URGENT_REASONS and not alert.urgent
    fields: dict[str, object] = {"count": alert.count + 1, "last_at": now}
    if words is not None:
        fields["words"] = _more_words(alert.words, words)
    if contact_id is not None:
        fields["contact_id"] = contact_id
    if upgrade or not alert.urgent or reason in URGENT_REASONS:
        fields.update(reason=reason, ref_id=ref_id if ref_id is not None else alert.ref_id)
    if upgrade:
        fields["urgent"] = 1
    updated = await engine_repo.set_alert(conn, alert.id, **fields)
    assert updated is not None
    await _audit(conn, now, f"alert.again.{reason}", alert.client_id, alert.id)
    if upgrade and updated.state == "open":
        # Cards still waiting for working hours go now; the ladder restarts on the clock.
        await outbox.drop_pending(
            conn, "urgent now", alert_id=alert.id, kinds=("alert", "alert_step")
        )
        await engine_repo.forget_unsent_recipients(conn, alert.id)
        await notify_step(conn, core, updated, updated.step, again=now)
    await tell_recipients(conn, core, updated, now)
    core.wake()
    return updated


# What an alert keeps of a client's messages (UTF-16 units): the first whole, then the latest.
MAX_WORDS = 6000


def words_of(raw: str | None) -> list[str]:
    """The client's messages an alert keeps, oldest first (stored as a JSON list)."""
    if not raw:
        return []
    try:
        found = json.loads(raw)
    except ValueError:
        return [raw]
    return [str(w) for w in found] if isinstance(found, list) else [raw]


def _more_words(before: str | None, latest: str) -> str:
    """A further message joins the ones before. Past the limit the middle ones give way: the
    first is on the card the assigned worker got (nowhere else), and each later one was also
    relayed on its own, so nothing is lost from the worker's chat."""
    kept = [*words_of(before), latest]
    while len(kept) > 2 and sum(utf16_len(w) for w in kept) > MAX_WORDS:
        del kept[1]
    return json.dumps(kept, ensure_ascii=False)


def _reach_time(core: Core, alert: Alert, now: datetime) -> datetime:
    """When recipients notified now can act: at once, or when their working time starts."""
    if _on_the_clock(core, alert):
        return now
    return add_working_time(core.policy, now, timedelta(0))


def _on_the_clock(core: Core, alert: Alert) -> bool:
    """Whether this alert goes day or night and climbs in clock time (policy settings)."""
    esc = core.policy.escalation
    if alert.urgent:
        return esc.urgent == "at_once"
    return esc.step_time == "clock_time"


def _next_step_due(core: Core, alert: Alert, step: int, reached: datetime) -> datetime:
    """When `step` is due: its delay after the step before, counted from when that step's
    recipients could act, in working time unless the alert goes on the clock."""
    ladder = alert.ladder
    gap = parse_duration(ladder[step]["after"]) - parse_duration(ladder[step - 1]["after"])
    gap = max(gap, timedelta(0))
    if _on_the_clock(core, alert):
        return reached + gap
    return add_working_time(core.policy, reached, gap)


async def notify_step(
    conn: Connection, core: Core, alert: Alert, step: int, *, again: datetime | None = None
) -> None:
    """Tell the workers of `step` (climbing past steps nobody can be reached at) and arm the
    timer for the next. `again` marks a second round of cards (an urgent upgrade)."""
    now = core.now()
    client = await people_repo.get_client(conn, alert.client_id) if alert.client_id else None
    owner_id = await _owner_of(conn, alert) if client is None else None
    reached = _reach_time(core, alert, now)
    while step < len(alert.ladder):
        notified = 0
        for worker in await step_recipients(
            conn, client, alert.ladder[step]["to"], owner_id=owner_id
        ):
            if worker.unreachable:
                await tell_admins_unreachable(conn, core, worker, now)
                continue
            if await engine_repo.add_recipient(conn, alert.id, worker.id, now):
                card = rows.alert_card(alert, worker.id, reached, step=step, again=again)
                await outbox.add(conn, card, now)
                notified += 1
        await engine_repo.set_alert(conn, alert.id, step=step, step_at=reached)
        if notified or step + 1 >= len(alert.ladder):
            break
        step += 1  # nobody at this step (no backup, no team, not reachable): climb on at once
    if step + 1 < len(alert.ladder):
        due = max(_next_step_due(core, alert, step + 1, reached), now)
        await outbox.add(conn, rows.alert_step(alert, step + 1, due, moved_at=again), now)


async def tell_admins_unreachable(
    conn: Connection, core: Core, worker: Worker, now: datetime
) -> None:
    """One notice per admin that Silta cannot reach this worker (once until they come back)."""
    for admin in await people_repo.admins(conn):
        if admin.id == worker.id or admin.unreachable:
            continue
        notice = rows.worker_unreachable_notice(admin.id, worker, now)
        await outbox.add(conn, notice, now)


async def worker_gone(conn: Connection, core: Core, worker_id: int) -> None:
    """Telegram refused a worker's chat: mark them unreachable, tell the admins once, and pass
    every alert they did not get to the next step at once."""
    now = core.now()
    worker = await people_repo.get_worker(conn, worker_id)
    if worker is None:
        return
    if not worker.unreachable:
        worker = await people_repo.update_worker(conn, worker_id, unreachable=1)
        assert worker is not None
        await tell_admins_unreachable(conn, core, worker, now)
    for alert in await engine_repo.alerts_awaiting(conn, worker_id):
        # Passed over once: a later refused message must not skip the next step too.
        await engine_repo.forget_recipient(conn, alert.id, worker_id)
        if alert.step + 1 < len(alert.ladder):
            await outbox.drop_pending(conn, "skipped", alert_id=alert.id, kinds=("alert_step",))
            await notify_step(conn, core, alert, alert.step + 1, again=now)
    core.wake()


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
            await notify_step(
                conn, core, alert, min(alert.step + 1, len(alert.ladder) - 1), again=now
            )
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


async def tell_recipients(
    conn: Connection, core: Core, alert: Alert, now: datetime, *, words: str | None = None
) -> None:
    """Refresh the alert card every recipient got (who took it, what happened since).

    A resolved alert's words are already wiped from the database: the edit carries them, so the
    worker's copy in Telegram keeps the client's text (the row's copy is wiped once sent).
    """
    tag = f"{alert.state}:{alert.count}:{utc_iso(now)}"
    for rec in await engine_repo.recipients(conn, alert.id):
        if rec["message_id"] is None:
            continue
        await outbox.add(conn, rows.alert_edit(alert, rec, now, tag=tag, words=words), now)


async def act(core: Core, worker: Worker, alert_id: int, choice: str) -> AlertOutcome:
    """A worker takes, snoozes or resolves an alert (one transaction, so two takers race fairly)."""
    now = core.now()
    async with core.db.tx() as conn:
        alert = await engine_repo.get_alert(conn, alert_id)
        if alert is None:
            return AlertOutcome("gone")
        if not await may_handle(conn, worker, alert):
            return AlertOutcome("denied")
        words = alert.words
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
            status = "resolved"  # resolve() updated every card
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
        if status != "resolved":
            await tell_recipients(conn, core, alert, now)
    core.wake()
    return AlertOutcome(status, alert, worker, words)


async def resolve(
    conn: Connection, alert_id: int, now: datetime, *, by: int | None, resolution: str
) -> Alert | None:
    """Close an alert, stop all its timers, wipe the client's words and update every card."""
    before = await engine_repo.get_alert(conn, alert_id)
    if before is None or before.state == "resolved":
        return before
    alert = await engine_repo.set_alert(
        conn,
        alert_id,
        state="resolved",
        resolved_by=by,
        resolved_at=now,
        snoozed_until=None,
        resolution=resolution,
        words=None,
    )
    await outbox.drop_pending(
        conn, "resolved", alert_id=alert_id, kinds=("alert_step", "alert_resurface", "alert")
    )
    assert alert is not None
    await _tell_cards(conn, alert, now, before.words)
    return alert


async def _tell_cards(conn: Connection, alert: Alert, now: datetime, words: str | None) -> None:
    """tell_recipients without the core (the tag keeps one edit per change)."""
    tag = f"{alert.state}:{alert.count}:{utc_iso(now)}"
    for rec in await engine_repo.recipients(conn, alert.id):
        if rec["message_id"] is not None:
            await outbox.add(conn, rows.alert_edit(alert, rec, now, tag=tag, words=words), now)


async def settle(
    conn: Connection, core: Core, alert: Alert, resolution: str, *, by: int | None = None
) -> None:
    """The matter settled itself (the client answered, came back, confirmed): close the alert,
    update every card, and tell each recipient in one line."""
    now = core.now()
    resolved = await resolve(conn, alert.id, now, by=by, resolution=resolution)
    if resolved is None:
        return
    for rec in await engine_repo.recipients(conn, alert.id):
        if rec["message_id"] is not None:
            notice = rows.alert_settled(resolved, rec["worker_id"], now, resolution)
            await outbox.add(conn, notice, now)
    core.wake()


async def settle_matter(
    conn: Connection, core: Core, client_id: int, matter: str, resolution: str
) -> bool:
    """Settle the client's open alert of this matter, if any; True when there was one."""
    alert = await engine_repo.open_alert_of_matter(conn, client_id, matter)
    if alert is None:
        return False
    await settle(conn, core, alert, resolution)
    return True


async def all_clear(conn: Connection, core: Core, client_id: int) -> bool:
    """The client answered a check-in: the 'has not answered' alert is settled."""
    return await settle_matter(conn, core, client_id, "checkin", "answered")


async def replied(conn: Connection, core: Core, client_id: int, worker: Worker) -> None:
    """A worker answered the client: an open 'wrote a message' alert is handled by that."""
    now = core.now()
    alert = await engine_repo.open_alert_of_matter(conn, client_id, "message")
    if alert is None:
        return
    updated = await engine_repo.set_alert(conn, alert.id, replied_by=worker.id, replied_at=now)
    seen = any(
        r["worker_id"] == worker.id and r["message_id"] is not None
        for r in await engine_repo.recipients(conn, alert.id)
    )
    if seen:
        await resolve(conn, alert.id, now, by=worker.id, resolution="replied")
    elif updated is not None:
        # Written before the card reached them (or by someone not on it): the message may be
        # one they have not read yet, so the alert stays open; its cards say who answered.
        await tell_recipients(conn, core, updated, now)
    core.wake()


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
        )
        fresh = await engine_repo.get_alert(conn, alert.id)
        if fresh is not None:
            await notify_step(conn, core, fresh, 0, again=now)
        moved += 1
    return moved
