"""Data protection: delete closed clients' personal data after the retention period."""

from __future__ import annotations

import logging

from bot.core import Core
from storage import retention as retention_repo

log = logging.getLogger(__name__)


async def purge(core: Core) -> int:
    """Purge every client closed longer than the policy's retention; returns how many."""
    now = core.now()
    cutoff = now - core.policy.retention
    async with core.db.tx() as conn:
        count = await retention_repo.purge_closed_before(conn, cutoff, now)
    if count:
        log.info("purged personal data of %d closed clients", count)
    await scrub(core)
    return count


async def scrub(core: Core) -> bool:
    """Make what was wiped or purged unrecoverable from the database files.

    The daily run does this after purging; the dispatcher should after delivering relayed text.
    """
    async with core.db.slow_read() as conn:
        done = await retention_repo.forget_freed(conn)
    if not done:
        log.info("database still in use by another process; wiped data leaves the log later")
    return done
