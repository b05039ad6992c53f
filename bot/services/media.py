"""Photos, voice messages, videos and files between a client and their worker.

Silta copies the message inside Telegram (copyMessage), so it keeps only Telegram's ids of it
(and the caption) in the outbox row until it is delivered, and the worker's chat never shows
the client's profile as a forward would.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from bot.core import Core
from bot.policy import Policy, next_working_time
from bot.scheduling.kinds import rows
from bot.services import alerts
from bot.services.access import can_see_client
from bot.services.audit import audit_by
from bot.services.clients import mark_seen
from bot.services.next_step import NextStep, next_step
from bot.services.workers import ReplyResult
from storage import outbox
from storage import people as people_repo
from storage.models import Worker

MEDIA_KINDS = ("photo", "voice", "video_note", "video", "audio", "document", "animation")


@dataclass(frozen=True)
class Media:
    """A photo, voice message, video or file someone sent the bot: where it is, not what."""

    kind: str
    chat_id: int
    message_id: int
    size: int | None = None  # bytes, when Telegram said
    caption: str = ""

    def payload(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if k != "size"}


def too_big(policy: Policy, media: Media) -> bool:
    return media.size is not None and media.size > policy.messages.max_media_mb * 1024 * 1024


async def to_worker(core: Core, telegram_id: int, media: Media) -> tuple[str, NextStep | None]:
    """A client's media goes to their worker, as a text message would; returns (status, who
    sees it and when)."""
    now = core.now()
    async with core.db.tx() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None or client.status == "closed" or client.worker_id is None:
            return ("no_worker", None)
        client = await mark_seen(conn, core, client)
        # The first message opens the alert, so someone answers; later ones count in it. The
        # copy of the media follows; the caption is the client's words on the card.
        await alerts.raise_alert(
            conn,
            core,
            client,
            "message",
            words=media.caption or None,
            ref_id=int(now.timestamp()),
        )
        due = next_working_time(core.policy, now)
        row = rows.media_to_worker(
            client.id, client.worker_id, media.payload(), due, uuid.uuid4().hex
        )
        await outbox.add(conn, row, now)
        await audit_by(
            conn, now, None, "client.message", client_id=client.id, detail=media.kind, kind="client"
        )
        step = await next_step(conn, core, client)
    core.wake()
    return ("relayed", step)


async def to_client(core: Core, worker: Worker, client_id: int, media: Media) -> ReplyResult:
    """A worker's media answering a client, through the outbox like a text reply."""
    now = core.now()
    async with core.db.tx() as conn:
        client = await people_repo.get_client(conn, client_id)
        if client is None:
            return ReplyResult("not_found")
        if not await can_see_client(conn, worker, client):
            return ReplyResult("denied")
        if client.telegram_id is None or client.status == "closed" or client.unreachable:
            return ReplyResult("unreachable", client)
        row = rows.media_to_client(client.id, worker.id, media.payload(), now, uuid.uuid4().hex)
        await outbox.add(conn, row, now)
        await alerts.replied(conn, core, client.id, worker)
        await audit_by(conn, now, worker, "client.reply", client_id=client.id, detail=media.kind)
    core.wake()
    return ReplyResult("sent", client)
