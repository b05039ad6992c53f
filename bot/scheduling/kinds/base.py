"""The protocol every outbox row kind follows, and what the message kinds share.

A kind says, for its rows: what to send when one is due (`prepare`: send, skip or later), what
follows once Telegram accepted it (`after_sent`), what follows when its recipient is gone, and, for
a timer (a row without a message), what it does when due (`run`). The dispatcher looks a row's
kind up in `registry.KINDS` and knows nothing of any kind in particular.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from aiosqlite import Connection

from bot.core import Core
from bot.i18n import Translator, translator
from bot.outgoing import OutMessage
from bot.policy import in_quiet_hours, move_out_of_quiet_hours
from bot.scheduling.kinds import rows
from bot.services import alerts, reach
from storage import engine as engine_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Client, Contact, OutboxRow, Worker

# Why a client message waits for the end of the quiet hours. A change of the quiet hours re-times
# exactly the rows that carry it (scheduling/policy_store), so every such wait writes this reason.
QUIET_HOURS = "quiet hours"


@dataclass
class Send:
    """Send (or edit) this message."""

    chat_id: int
    message: OutMessage
    edit_message_id: int | None = None
    wipe_payload: bool = False
    # What the kind composed from, for its after_sent (e.g. an alert that changed meanwhile).
    composed_from: object = None


@dataclass
class Skip:
    """Do not send; finish the row with this state and reason."""

    reason: str
    state: str = "dropped"


@dataclass
class Later:
    """Not now (quiet hours): try again at `due_at`."""

    due_at: datetime
    reason: str


Prepared = Send | Skip | Later


@dataclass(frozen=True)
class ToClient:
    """A client message being prepared: the transaction, the row and the client it is for."""

    conn: Connection
    core: Core
    row: OutboxRow
    client: Client
    t: Translator
    now: datetime

    @property
    def chat(self) -> int:
        assert self.client.telegram_id is not None  # client_target lets only a joined one by
        return self.client.telegram_id


@dataclass(frozen=True)
class ToWorker:
    """A worker message being prepared: the worker, and the client it is about (if any)."""

    conn: Connection
    core: Core
    row: OutboxRow
    worker: Worker
    about: Client | None
    t: Translator

    @property
    def chat(self) -> int:
        assert self.worker.telegram_id is not None  # WorkerMessage.prepare checked it
        return self.worker.telegram_id


class Kind:
    """One kind of outbox row. Subclasses set `name` and override what applies to them."""

    name: ClassVar[str]
    # A timer carries no message: the dispatcher calls `run` in a transaction of its own.
    timer: ClassVar[bool] = False
    # Priority class (storage.outbox URGENT, TIMELY, ROUTINE) its rows are written with.
    priority: ClassVar[int] = outbox.ROUTINE

    async def prepare(self, conn: Connection, core: Core, row: OutboxRow) -> Prepared:
        """At send time: what to send, or why not."""
        return Skip(f"{self.name} sends no message", state="failed")

    async def after_sent(
        self, conn: Connection, core: Core, row: OutboxRow, sent: Send, message_id: int | None
    ) -> None:
        """Bookkeeping once Telegram accepted the message."""

    async def on_recipient_gone(
        self, conn: Connection, core: Core, row: OutboxRow, reason: str
    ) -> None:
        """Telegram said the recipient blocked the bot, was deactivated or has no chat."""

    async def run(self, conn: Connection, core: Core, row: OutboxRow) -> None:
        """A timer's work, inside the transaction `run_alone` opens."""

    async def run_alone(self, core: Core, row: OutboxRow) -> None:
        """A timer's whole turn: `run` and finishing the row in one transaction. A timer whose
        work needs several transactions (the daily run) overrides this instead."""
        async with core.db.tx() as conn:
            await self.run(conn, core, row)
            await outbox.finish(conn, row.id, "sent", "timer done")


class Timer(Kind):
    """A row that carries no message: when it is due, `run` acts."""

    timer = True


class ClientMessage(Kind, ABC):
    """A message to a client: only while they can be messaged, and never in quiet hours."""

    async def prepare(self, conn: Connection, core: Core, row: OutboxRow) -> Prepared:
        now = core.now()
        target = await client_target(
            conn,
            core,
            row,
            now,
            any_status=bool(row.payload.get("any_status")),
            urgent=bool(row.payload.get("urgent")),
        )
        if not isinstance(target, Client):
            return await self.not_now(conn, core, row, target, now)
        return await self.compose(
            ToClient(
                conn, core, row, target, translator(target.language).at(now, core.policy.zone), now
            )
        )

    async def not_now(
        self, conn: Connection, core: Core, row: OutboxRow, why: Skip | Later, now: datetime
    ) -> Prepared:
        """The client cannot be messaged now; some kinds have more to do then."""
        return why

    @abstractmethod
    async def compose(self, job: ToClient) -> Prepared:
        """The message for a client who can be messaged now."""

    async def on_recipient_gone(
        self, conn: Connection, core: Core, row: OutboxRow, reason: str
    ) -> None:
        """Stop messaging the client and tell the worker."""
        client = await people_repo.get_client(conn, row.client_id or 0)
        if client is not None:
            goodbye = row.kind == "client_notice" and row.payload.get("notice") == "goodbye"
            await reach.client_gone(conn, core, client, goodbye=goodbye)


class WorkerMessage(Kind, ABC):
    """A message to a worker (`row.worker_id` unless `recipient_id` says otherwise)."""

    async def recipient_id(self, conn: Connection, row: OutboxRow) -> int | Skip | None:
        return row.worker_id

    async def prepare(self, conn: Connection, core: Core, row: OutboxRow) -> Prepared:
        worker_id = await self.recipient_id(conn, row)
        if isinstance(worker_id, Skip):
            return worker_id
        worker = await people_repo.get_worker(conn, worker_id or 0)
        if worker is None or not worker.active:
            return Skip("worker unavailable", state="failed")
        if worker.telegram_id is None or worker.unreachable:
            # Known to be out of reach: what the kind does then (an alert climbs on) happens now.
            await self.on_recipient_gone(conn, core, row, "unreachable")
            return Skip("worker unreachable", state="failed")
        about = await people_repo.get_client(conn, row.client_id) if row.client_id else None
        return await self.compose(
            ToWorker(
                conn,
                core,
                row,
                worker,
                about,
                translator(worker.language).at(core.now(), core.policy.zone),
            )
        )

    @abstractmethod
    async def compose(self, job: ToWorker) -> Prepared:
        """The message for a worker who can be reached."""

    async def on_recipient_gone(
        self, conn: Connection, core: Core, row: OutboxRow, reason: str
    ) -> None:
        """The worker cannot be reached: the admins hear it once, and every alert they have not
        got passes to its next step at once (nothing falls on the floor)."""
        if row.worker_id:
            await alerts.worker_gone(conn, core, row.worker_id)


# The clients of the batch the dispatcher is preparing, read in one query: a lookup per row was
# a third of the cost of preparing one (bench.dispatch under py-spy). Preparing changes no
# client, so the batch's reading stays true until it is done.
_batch_clients: ContextVar[dict[int, Client] | None] = ContextVar("silta_batch", default=None)


@contextmanager
def clients_read_ahead(clients: dict[int, Client]) -> Iterator[None]:
    """While preparing a batch, `client_target` takes its clients from `clients`."""
    token = _batch_clients.set(clients)
    try:
        yield
    finally:
        _batch_clients.reset(token)


async def client_target(
    conn: Connection,
    core: Core,
    row: OutboxRow,
    now: datetime,
    *,
    any_status: bool = False,
    urgent: bool = False,
) -> Client | Skip | Later:
    """The client if they can be messaged now; otherwise why not. `urgent` (a worker judged that
    one message could not wait) lets it through the quiet hours."""
    read_ahead = _batch_clients.get()
    if read_ahead is not None and row.client_id in read_ahead:
        client: Client | None = read_ahead[row.client_id]
    else:
        client = await people_repo.get_client(conn, row.client_id or 0)
    if client is None or client.telegram_id is None:
        return Skip("no client")
    if client.unreachable:
        return Skip("client unreachable")
    if not any_status and client.status != "active":
        return Skip(f"client {client.status}")
    if not urgent and in_quiet_hours(core.policy, now):
        return Later(move_out_of_quiet_hours(core.policy, now), QUIET_HOURS)
    return client


async def open_contact(
    conn: Connection,
    core: Core,
    row: OutboxRow,
    client: Client,
    kind: str,
    answer_due: datetime,
    now: datetime,
    *,
    timer: bool = True,
) -> Contact:
    """The contact this row opens (re-used if a crash made us prepare it twice)."""
    existing = await engine_repo.contact_for_outbox(conn, row.id)
    if existing is not None:
        return existing
    # A newer question about the same thing replaces an older unanswered one.
    for old in await engine_repo.open_contacts(conn, client.id, kind=kind, ref_id=row.ref_id):
        await engine_repo.set_contact(conn, old.id, state="void")
        await outbox.drop_pending(
            conn, "replaced", client_id=client.id, kinds=("nudge", "contact_due"), ref_id=old.id
        )
    contact = await engine_repo.open_contact(
        conn,
        client_id=client.id,
        kind=kind,
        ref_id=row.ref_id,
        outbox_id=row.id,
        now=now,
        answer_due_at=answer_due,
    )
    nudge_at = now + core.policy.checkins.nudge_after
    if nudge_at < answer_due:
        await outbox.add(conn, rows.nudge(client.id, contact.id, nudge_at), now)
    if timer:
        await outbox.add(conn, rows.contact_due(client.id, contact.id, answer_due), now)
    return contact
