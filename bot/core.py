"""The runtime every service receives: database, clock, settings, policy and a way to wake the
dispatcher. It knows nothing of Telegram updates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.policy import Policy, default_policy, policy_from_dict, policy_to_dict
from storage import admin as admin_repo
from storage.db import Database

log = logging.getLogger(__name__)


class People:
    """How many people's updates are being handled now; the dispatcher yields while any are.

    Knows nothing of Telegram, so services and the dispatcher can hold it.
    """

    def __init__(self) -> None:
        self.busy = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    def enter(self) -> None:
        self.busy += 1
        self._quiet.clear()

    def leave(self) -> None:
        self.busy -= 1
        if self.busy == 0:
            self._quiet.set()

    async def quiet(self) -> None:
        """Return when no update is being handled."""
        await self._quiet.wait()


@dataclass
class Core:
    """Long-lived resources shared by services."""

    db: Database
    clock: Clock
    settings: Settings
    policy: Policy = field(default_factory=default_policy)
    policy_version: int = 0
    bot_username: str = "silta_bot"
    # Set by the dispatcher: called whenever a row that may be due sooner was written.
    wake: Callable[[], None] = lambda: None
    # Set by the dispatcher: called after a message went straight to Telegram (the answer to a
    # person's update), so it counts in the urgent share of the rate like an urgent row.
    sent_directly: Callable[[], None] = lambda: None
    # Updates from people in progress (bot/updates.py counts them); the dispatcher yields to them.
    people: People = field(default_factory=People)
    # Held while the policy in force changes and everything is re-planned (scheduling/policy_store).
    policy_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def now(self) -> datetime:
        """Current UTC time from the injected clock."""
        return self.clock.now()

    async def load_policy(self) -> Policy:
        """Read the newest stored policy version (the defaults when there is none).

        The running bot changes its policy through bot.scheduling.policy_store, which re-plans.
        """
        async with self.db.read() as conn:
            latest = await admin_repo.latest_policy(conn)
        if latest is None:
            self.policy, self.policy_version = default_policy(), 0
        else:
            self.policy_version, body = latest
            self.policy = policy_from_dict(body)
        return self.policy

    async def store_policy(self, policy: Policy, actor_id: int | None, actor_kind: str) -> int:
        """Save a new policy version and audit it (policy_store.store re-plans after it)."""
        now = self.now()
        async with self.db.tx() as conn:
            version = await admin_repo.add_policy(conn, policy_to_dict(policy), actor_id, now)
            await admin_repo.audit(
                conn,
                now=now,
                actor_id=actor_id,
                actor_kind=actor_kind,
                action="policy.change",
                detail=f"version {version}",
            )
        self.policy, self.policy_version = policy, version
        return version
