"""The service guide in force: the newest applied version, else the one shipped with Silta."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from bot.core import Core
from bot.guide import Guide, guide_in_force, guide_to_dict
from bot.scheduling.kinds import rows
from bot.services.access import can_see_client
from bot.services.audit import actor_kind, audit_by
from storage import guide as guide_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Worker


@dataclass(frozen=True)
class GuideChange:
    """What applying a guide did: 'unchanged' or 'stored', and the version in force."""

    status: str
    version: int


async def current_guide(core: Core) -> tuple[int, Guide]:
    """(version, guide) in force; version 0 is the shipped default."""
    async with core.db.read() as conn:
        return guide_in_force(await guide_repo.latest_guide(conn))


async def apply_guide(core: Core, guide: Guide, actor: Worker | None) -> GuideChange:
    """Store an already checked guide as a new version (audited), unless it is the same."""
    version, old = await current_guide(core)
    if guide == old:
        return GuideChange("unchanged", version)
    async with core.db.tx() as conn:
        version = await guide_repo.add_guide(
            conn, guide_to_dict(guide), actor.id if actor else None, core.now()
        )
        await audit_by(
            conn,
            core.now(),
            actor,
            "guide.apply",
            detail=f"version {version}, {len(guide.topics)} topics",
            kind=actor_kind(actor),
        )
    return GuideChange("stored", version)


async def send_topic(core: Core, worker: Worker, client_id: int, key: str) -> str:
    """A worker sends one guide topic to a client, through the outbox.

    Status: sent, not_found (no such client or topic, or not the worker's to see),
    unreachable (not joined, closed or blocked).
    """
    _version, guide = await current_guide(core)
    if guide.topic(key) is None:
        return "not_found"
    now = core.now()
    async with core.db.tx() as conn:
        client = await people_repo.get_client(conn, client_id)
        if client is None or not await can_see_client(conn, worker, client):
            return "not_found"
        if client.telegram_id is None or client.status == "closed" or client.unreachable:
            return "unreachable"
        await outbox.add(conn, rows.guide_topic(client.id, worker.id, key, now, uuid4().hex), now)
        await audit_by(conn, now, worker, "guide.send", client_id=client.id, detail=key)
    core.wake()
    return "sent"
