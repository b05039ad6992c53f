"""Whether Silta can reach a person: blocked, left, never opened the bot, or back again.

Telegram tells us two ways: a `my_chat_member` update the moment someone blocks or unblocks the
bot, and a refused send. Both end here, so a client who blocks the bot is noticed at once and a
worker who cannot be reached never swallows an alert.
"""

from __future__ import annotations

from aiosqlite import Connection

from bot.core import Core
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.services import alerts
from bot.services.clients import mark_seen, seen
from storage import engine as engine_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Client

# my_chat_member statuses of the bot in a private chat.
GONE = frozenset({"kicked", "left"})
BACK = frozenset({"member"})


async def client_gone(
    conn: Connection, core: Core, client: Client, *, goodbye: bool = False
) -> None:
    """The client cannot be messaged: stop their rows; an active client raises the alert, a
    paused or closed one is only worth one line to the worker (nothing there can climb)."""
    now = core.now()
    await people_repo.update_client(conn, client.id, unreachable=1)
    for contact in await engine_repo.open_contacts(conn, client.id):
        await engine_repo.set_contact(conn, contact.id, state="void")
    await outbox.drop_pending(
        conn,
        "client unreachable",
        client_id=client.id,
        kinds=(*planner.CLIENT_KINDS, "contact_due"),
    )
    if client.status == "active":
        await alerts.raise_alert(conn, core, client, "blocked")
    elif client.worker_id and (goodbye or client.status == "paused"):
        notice = "goodbye_undelivered" if goodbye else "blocked_now"
        await outbox.add(
            conn, rows.worker_notice(client.worker_id, client.id, notice, now, once=""), now
        )
    core.wake()


async def membership_changed(core: Core, telegram_id: int, status: str) -> None:
    """A `my_chat_member` update from a private chat: blocked/left, or member again."""
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        worker = await people_repo.worker_by_telegram(conn, telegram_id)
        if client is not None and client.status != "closed":
            if status in GONE and not client.unreachable:
                await client_gone(conn, core, client)
            elif status in BACK and client.unreachable:
                await mark_seen(conn, core, client)
        if worker is not None:
            if status in GONE:
                await alerts.worker_gone(conn, core, worker.id)
            elif status in BACK:
                await worker_back(conn, core, worker.id)
    core.wake()


async def worker_back(conn: Connection, core: Core, worker_id: int) -> None:
    """A worker wrote to the bot (or unblocked it): alerts reach them again."""
    await people_repo.update_worker(conn, worker_id, unreachable=0)


async def worker_seen(core: Core, worker_id: int) -> None:
    """Any update from a worker marked unreachable clears the mark."""
    async with core.db.tx() as conn:
        await worker_back(conn, core, worker_id)


async def client_seen(core: Core, telegram_id: int) -> None:
    """Any update from a client marked unreachable: they are back."""
    await seen(core, telegram_id)
