"""The worker's side: joining as a worker, replying to clients."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import Core
from storage import admin as admin_repo
from storage import engine as engine_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Client, Worker
from storage.outbox import Planned


@dataclass(frozen=True)
class WorkerJoin:
    status: str  # joined, stale, expired, used, already
    worker: Worker | None = None


async def join_worker(core: Core, telegram_id: int, invite_id: int) -> WorkerJoin:
    """Open a worker invite: this Telegram account becomes that worker."""
    now = core.now()
    async with core.db.tx() as conn:
        invite = await admin_repo.get_invite(conn, invite_id)
        if invite is None or invite.kind != "worker" or invite.revoked_at is not None:
            return WorkerJoin("stale")
        if invite.used_at is not None:
            return WorkerJoin("used")
        if invite.expires_at <= now:
            return WorkerJoin("expired")
        if await people_repo.worker_by_telegram(conn, telegram_id) is not None:
            return WorkerJoin("already")
        if await people_repo.client_by_telegram(conn, telegram_id) is not None:
            return WorkerJoin("stale")
        worker = await people_repo.update_worker(conn, invite.worker_id or 0,
                                                 telegram_id=telegram_id, active=1)
        if worker is None:
            return WorkerJoin("stale")
        await admin_repo.set_invite(conn, invite.id, used_at=now)
        await admin_repo.audit(conn, now=now, actor_id=worker.id, actor_kind="worker",
                               action="worker.join")
    return WorkerJoin("joined", worker)


@dataclass(frozen=True)
class ReplyResult:
    status: str  # sent, not_found, denied, unreachable
    client: Client | None = None


async def reply_to_client(core: Core, worker: Worker, client_id: int, text: str) -> ReplyResult:
    """A worker's message to a client, delivered through the outbox (never lost)."""
    from bot.services.access import can_see_client

    now = core.now()
    async with core.db.tx() as conn:
        client = await people_repo.get_client(conn, client_id)
        if client is None:
            return ReplyResult("not_found")
        if not await can_see_client(conn, worker, client):
            return ReplyResult("denied")
        if client.telegram_id is None or client.status == "closed" or client.unreachable:
            return ReplyResult("unreachable", client)
        await outbox.add(conn, Planned(key=f"reply:{client.id}:{worker.id}:{now.timestamp()}",
                                       kind="relay_to_client", due_at=now, client_id=client.id,
                                       worker_id=worker.id, payload={"text": text,
                                                                     "any_status": True}), now)
        await admin_repo.audit(conn, now=now, actor_id=worker.id,
                               actor_kind="admin" if worker.is_admin else "worker",
                               action="client.reply", client_id=client.id)
    core.wake()
    return ReplyResult("sent", client)


async def client_of_relay(core: Core, chat_id: int, message_id: int) -> int | None:
    """Which client a relayed message (that a worker replied to) came from."""
    async with core.db.read() as conn:
        return await engine_repo.relay_client(conn, chat_id, message_id)
