"""The live policy: one place that loads it, notices a newer stored version, and re-plans once.

The policy in force lives on `Core` (`core.policy`, `core.policy_version`). It changes in three
ways: at start-up, when an admin stores a new version in this process (`store`), and when another
process (the CLI) stored one (`refresh`, from the dispatcher's poll or before an admin's change).
Each change re-plans everything planned once, under one lock, so two at the same moment never
plan twice or in the wrong order.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiosqlite import Connection

from bot.core import Core
from bot.policy import (
    Policy,
    default_policy,
    local_to_utc,
    move_out_of_quiet_hours,
    next_working_time,
)
from bot.scheduling import planner
from bot.scheduling.kinds.base import QUIET_HOURS
from storage import admin_queries, outbox

log = logging.getLogger(__name__)

# Worker-side rows that are due later only because the workers' working hours had not begun.
WAITS_FOR_WORKING_HOURS = ("alert", "relay_to_worker")


async def load_at_start(core: Core) -> Policy:
    """The newest stored version; with none stored, the defaults in SILTA_TIMEZONE."""
    await core.load_policy()
    if core.policy_version == 0 and core.settings.timezone != core.policy.timezone:
        core.policy = default_policy().model_copy(update={"timezone": core.settings.timezone})
    return core.policy


async def refresh(core: Core) -> bool:
    """Take a newer version another process stored, and re-plan with it; False when none."""
    async with core.policy_lock:
        async with core.db.read() as conn:
            latest = await admin_queries.latest_policy_version(conn)
        # Only a newer version is loaded: with none stored, start-up may have set the zone from
        # SILTA_TIMEZONE, which reloading the plain defaults would undo.
        if latest <= core.policy_version:
            return False
        await core.load_policy()
        log.info("policy version %d loaded; re-planning", core.policy_version)
        await _follow(core)
        return True


async def store(
    core: Core, policy: Policy, actor_id: int | None, actor_kind: str
) -> tuple[int, int]:
    """Store `policy` as the new version in force (audited) and re-plan; returns the version
    and how many clients were re-planned."""
    async with core.policy_lock:
        version = await core.store_policy(policy, actor_id, actor_kind)
        return version, await _follow(core)


async def _follow(core: Core) -> int:
    """Everything planned follows the policy in force: every client, today's digests, and what
    waits for the workers' working hours or the clients' quiet hours."""
    replanned = await planner.plan_all(core)
    async with core.db.tx() as conn:
        await _move_digests(conn, core)
        await _retime_for_working_hours(conn, core)
        await _retime_quiet_waits(conn, core.policy, core.now())
    core.wake()
    return replanned


async def _move_digests(conn: Connection, core: Core) -> None:
    """A digest still ahead follows a changed digest time."""
    policy, now = core.policy, core.now()
    for row in await admin_queries.pending_of_kind(conn, "digest"):
        day = row.due_at.astimezone(policy.zone).date()
        due = local_to_utc(day, policy.workers.digest_time, policy.zone)
        if due != row.due_at and due > now:
            await admin_queries.reschedule(conn, row.id, due)


async def _retime_for_working_hours(conn: Connection, core: Core) -> None:
    """Alerts and messages held for the workers' next working time follow changed working
    hours: a client's message is not left waiting for a morning that is no longer the start."""
    now = core.now()
    due = next_working_time(core.policy, now)
    for kind in WAITS_FOR_WORKING_HOURS:
        for row in await admin_queries.pending_of_kind(conn, kind):
            # A row with a reason waits for Telegram (a retry), not for working hours.
            if row.reason is None and row.due_at > now and row.due_at != due:
                await admin_queries.reschedule(conn, row.id, due)


async def _retime_quiet_waits(conn: Connection, policy: Policy, now: datetime) -> None:
    """Rows waiting for the end of the quiet hours wait for the new end, or go now if it is no
    longer quiet: a reply held until 09:00 is not held longer (or shorter) than the new hours."""
    moved = await outbox.retime_waiting(conn, QUIET_HOURS, move_out_of_quiet_hours(policy, now))
    if moved:
        log.info("%d rows waiting for the end of the quiet hours re-timed", moved)
