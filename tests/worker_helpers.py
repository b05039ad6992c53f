"""Story helpers for the worker's side: a small office of workers, and button presses that wait."""

from __future__ import annotations

from dataclasses import dataclass

from storage import admin as admin_repo
from storage import outbox as outbox_repo
from storage.models import AuditEntry, Client, OutboxRow, Worker
from tests.fake_telegram import CallbackAnswer, FakeUser, SentMessage
from tests.harness import Silta

MARIA, TUULA, SAM = 100, 102, 200


@dataclass
class Office:
    """Maria and Tuula work in team North, Sam in team South; all read English."""

    maria: Worker
    tuula: Worker
    sam: Worker
    maria_chat: FakeUser
    tuula_chat: FakeUser
    sam_chat: FakeUser


async def office(silta: Silta) -> Office:
    maria = await silta.add_worker(MARIA, "Maria Virtanen", team="North", language="en")
    tuula = await silta.add_worker(TUULA, "Tuula Team", team="North", language="en")
    sam = await silta.add_worker(SAM, "Sam South", team="South", language="en")
    return Office(
        maria,
        tuula,
        sam,
        silta.tg.user(MARIA, "Maria", language_code="en"),
        silta.tg.user(TUULA, "Tuula", language_code="en"),
        silta.tg.user(SAM, "Sam", language_code="en"),
    )


async def joined_client(
    silta: Silta,
    worker: Worker,
    nickname: str = "Pete",
    *,
    telegram_id: int = 3001,
    **kwargs: object,
) -> tuple[Client, FakeUser]:
    """A client of `worker` who has opened the invite and agreed."""
    card = await silta.add_client(worker, nickname, language="en", **kwargs)  # type: ignore[arg-type]
    user = silta.tg.user(telegram_id, nickname, language_code="en")
    client = await silta.join(user, card)
    await silta.settle()
    return client, user


async def ask(user: FakeUser, text: str, contains: str | None = None) -> SentMessage:
    """The worker types something and gets the bot's next message."""
    await user.send(text)
    return await user.next_message(contains=contains)


async def tap(silta: Silta, user: FakeUser, message: SentMessage, label: str) -> CallbackAnswer:
    """Press the button whose label contains `label` and wait for the bot to answer the press."""
    qid = await user.press(message, label=label)
    return await silta.tg.wait_for_callback_answer(qid)


async def tap_then(
    silta: Silta, user: FakeUser, message: SentMessage, label: str, contains: str | None = None
) -> SentMessage:
    """Press a button and return the next new message."""
    await user.press(message, label=label)
    return await user.next_message(contains=contains)


async def outbox_rows(silta: Silta, kind: str, client_id: int | None = None) -> list[OutboxRow]:
    """Rows of a kind in the outbox (any state), oldest first."""
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT * FROM outbox_all WHERE kind = ? ORDER BY id", (kind,))
        rows = [OutboxRow.from_row(r) for r in await cur.fetchall()]
    return [r for r in rows if client_id is None or r.client_id == client_id]


async def audit_actions(silta: Silta) -> list[AuditEntry]:
    async with silta.core.db.read() as conn:
        return await admin_repo.audit_entries(conn, newest_first=False)


async def pending(silta: Silta, client_id: int) -> list[OutboxRow]:
    async with silta.core.db.read() as conn:
        return await outbox_repo.pending_for_client(conn, client_id)
