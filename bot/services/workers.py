"""The worker's side: joining, finding clients, replying, pausing, hand-over, closing, alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import uuid4

from aiosqlite import Connection

from bot.clock import utc_iso
from bot.core import Core
from bot.outgoing import MAX_RELAY_UNITS, utf16_len
from bot.policy import in_quiet_hours, move_out_of_quiet_hours
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.scheduling.kinds.base import QUIET_HOURS
from bot.services import alerts as alert_service
from bot.services.access import can_see_client, open_client, visible_client, visible_worker_ids
from bot.services.alerts import move_alerts, resolve
from bot.services.audit import audit_by
from bot.services.phases import ClientPhase, phase_of
from storage import admin as admin_repo
from storage import contacts as contacts_repo
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox, worker_queries
from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Alert, Appointment, Client, Partner, PartnerContact, Worker


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
        worker = await people_repo.update_worker(
            conn, invite.worker_id or 0, telegram_id=telegram_id, active=1
        )
        if worker is None:
            return WorkerJoin("stale")
        await admin_repo.set_invite(conn, invite.id, used_at=now)
        await audit_by(conn, now, worker, "worker.join", kind="worker")
    return WorkerJoin("joined", worker)


@dataclass(frozen=True)
class ReplyResult:
    status: str  # sent, not_found, denied, unreachable, too_long
    client: Client | None = None
    # Written in the clients' quiet hours: the row waits until `arrives_at` (their end).
    arrives_at: datetime | None = None
    row_id: int | None = None


async def reply_to_client(core: Core, worker: Worker, client_id: int, text: str) -> ReplyResult:
    """A worker's message to a client, delivered through the outbox (never lost); in the
    clients' quiet hours it waits for their end, and the result says until when."""

    if utf16_len(text) > MAX_RELAY_UNITS:
        # Refused up front: a message Telegram would reject must not be queued as "sent".
        return ReplyResult("too_long")
    now = core.now()
    quiet = in_quiet_hours(core.policy, now)
    due = move_out_of_quiet_hours(core.policy, now) if quiet else now
    async with core.db.tx() as conn:
        client = await people_repo.get_client(conn, client_id)
        if client is None:
            return ReplyResult("not_found")
        if not await can_see_client(conn, worker, client):
            return ReplyResult("denied")
        if client.telegram_id is None or client.status == "closed" or client.unreachable:
            return ReplyResult("unreachable", client)
        # A fresh key per message: two replies in the same instant are two messages.
        reply = rows.relay_to_client(client.id, worker.id, text, due, uuid4().hex)
        row_id = await outbox.add(conn, reply, now)
        if quiet and row_id is not None:
            # Marked like a row the dispatcher holds back, so new quiet hours re-time it too.
            await outbox.set_reason(conn, row_id, QUIET_HOURS)
        # An open "wrote a message" alert is handled by the answer; every copy says so.
        await alert_service.replied(conn, core, client.id, worker)
        await audit_by(conn, now, worker, "client.reply", client_id=client.id)
    core.wake()
    return ReplyResult("sent", client, due if quiet else None, row_id)


async def send_reply_now(core: Core, worker: Worker, row_id: int) -> ReplyResult:
    """The worker judges a reply waiting for the end of the quiet hours urgent: it goes now.

    Status: sent (released now), already (on its way or delivered), not_found.
    """
    now = core.now()
    async with core.db.tx() as conn:
        row = await outbox.get(conn, row_id)
        # Only the author's own reply: the button is in their chat, and the id is guessable.
        if row is None or row.kind != "relay_to_client" or row.worker_id != worker.id:
            return ReplyResult("not_found")
        client = await people_repo.get_client(conn, row.client_id or 0)
        if client is None or not await can_see_client(conn, worker, client):
            return ReplyResult("not_found")
        if row.state != "pending":
            return ReplyResult("already" if row.state in ("sending", "sent") else "gone", client)
        if not await outbox.release_now(conn, row.id, now, {**row.payload, "urgent": True}):
            return ReplyResult("already", client)
        await audit_by(conn, now, worker, "client.reply.now", client_id=client.id)
    core.wake()
    return ReplyResult("sent", client, None, row_id)


async def client_of_relay(core: Core, chat_id: int, message_id: int) -> int | None:
    """Which client a relayed message (that a worker replied to) came from."""
    async with core.db.read() as conn:
        return await engine_repo.relay_client(conn, chat_id, message_id)


# --- finding clients and workers ----------------------------------------------------------------


def parse_id(text: str) -> int | None:
    """`12` or `#12` as a number; None for anything else."""
    value = text.strip().removeprefix("#")
    return int(value) if value.isdigit() and len(value) <= 12 else None


@dataclass(frozen=True)
class ClientFound:
    """A client reference resolved: found, none (unknown or not visible) or many (ambiguous)."""

    status: str
    client: Client | None = None


def _by_nickname(clients: list[Client], worker: Worker, ref: str) -> ClientFound:
    """One client whose nickname is `ref`; the worker's own clients win over the team's."""
    named = [c for c in clients if (c.nickname or "").casefold() == ref.casefold()]
    if len(named) > 1:
        own = [c for c in named if worker.id in (c.worker_id, c.backup_worker_id)]
        named = own if len(own) == 1 else named
    if len(named) == 1:
        return ClientFound("found", named[0])
    return ClientFound("many" if named else "none")


async def _find(
    conn: Connection, worker: Worker, ref: str, visible: list[Client] | None
) -> tuple[ClientFound, list[Client] | None]:

    ref = " ".join(ref.split())
    cid = parse_id(ref)
    if cid is not None:
        client = await visible_client(conn, worker, cid)
        # Another team's client reads exactly like a missing one: existence is not revealed.
        return (ClientFound("found", client) if client else ClientFound("none")), visible
    if not ref or not worker.active:
        return ClientFound("none"), visible
    if visible is None:
        visible = await people_repo.clients_of(conn, await visible_worker_ids(conn, worker))
    return _by_nickname(visible, worker, ref), visible


async def find_client(core: Core, worker: Worker, ref: str) -> ClientFound:
    """A client by id (`12`, `#12`) or by nickname among the clients this worker may see."""
    async with core.db.read() as conn:
        found, _ = await _find(conn, worker, ref, None)
    return found


async def split_client_ref(
    core: Core, worker: Worker, text: str, max_words: int = 4
) -> tuple[ClientFound, str]:
    """`CLIENT REST...` where the client's nickname may have several words: the longest match."""
    words = text.split()
    if len(words) < 2:
        return ClientFound("none"), ""
    async with core.db.read() as conn:
        if parse_id(words[0]) is not None:
            found, _ = await _find(conn, worker, words[0], None)
            return found, " ".join(words[1:])
        visible: list[Client] | None = None
        many = False
        for k in range(min(max_words, len(words) - 1), 0, -1):
            found, visible = await _find(conn, worker, " ".join(words[:k]), visible)
            if found.status == "found":
                # The rest keeps the worker's own line breaks and spacing.
                rest = text.strip()
                for word in words[:k]:
                    rest = rest[rest.index(word) + len(word) :]
                return found, rest.strip()
            many = many or found.status == "many"
    return ClientFound("many" if many else "none"), ""


@dataclass(frozen=True)
class WorkerFound:
    """A worker reference resolved among those the actor may hand clients to."""

    status: str  # found, none, many
    worker: Worker | None = None


async def _colleagues(conn: Connection, actor: Worker) -> list[Worker]:
    """Active, joined workers the actor may hand a client to: the team's, or anyone for admins."""
    if actor.is_admin:
        return await worker_queries.active_workers(conn)
    if actor.team_id is None:
        return [actor] if actor.active else []
    return await worker_queries.active_workers(conn, actor.team_id)


async def handover_candidates(core: Core, actor: Worker, client: Client) -> list[Worker]:
    """Whom this client could be handed to (everyone but the current worker)."""
    async with core.db.read() as conn:
        return [w for w in await _colleagues(conn, actor) if w.id != client.worker_id]


async def backup_candidates(core: Core, worker: Worker) -> list[Worker]:
    """Active colleagues of the same team who could back this worker up."""
    if worker.team_id is None:
        return []
    async with core.db.read() as conn:
        team = await worker_queries.active_workers(conn, worker.team_id)
    return [w for w in team if w.id != worker.id]


async def find_worker(core: Core, actor: Worker, ref: str) -> WorkerFound:
    """A colleague by id (`3`, `#3`), full name, or a first name nobody else shares."""
    ref = " ".join(ref.split())
    async with core.db.read() as conn:
        colleagues = await _colleagues(conn, actor)
    wid = parse_id(ref)
    if wid is not None:
        match = [w for w in colleagues if w.id == wid]
    else:
        match = [w for w in colleagues if w.name.casefold() == ref.casefold()]
        if not match:
            match = [w for w in colleagues if w.first_name.casefold() == ref.casefold()]
    if len(match) == 1:
        return WorkerFound("found", match[0])
    return WorkerFound("many" if match else "none")


# --- my clients and the client card --------------------------------------------------------------


def status_key(client: Client) -> str:
    """invited, active, paused, unreachable or closed: what the worker needs to know first."""
    if client.status == "closed":
        return "closed"
    if client.unreachable:
        return "unreachable"
    return client.status


@dataclass(frozen=True)
class ClientRow:
    """One line of `/clients`."""

    client: Client
    open_alerts: int
    backup: bool  # the worker is this client's backup, not the assigned worker
    phase: ClientPhase


async def my_clients(core: Core, worker: Worker, *, team: bool = False) -> list[ClientRow]:
    """The worker's own and backed-up clients (or everyone they may see), closed ones last."""

    async with core.db.read() as conn:
        ids = await visible_worker_ids(conn, worker) if team else [worker.id]
        clients = await people_repo.clients_of(conn, ids)
        counts = await worker_queries.open_alert_counts(conn, [c.id for c in clients])
    zone = core.policy.zone
    today = core.now().astimezone(zone).date()
    rows = [
        ClientRow(
            c,
            counts.get(c.id, 0),
            c.worker_id != worker.id and c.backup_worker_id == worker.id,
            phase_of(c, today, zone),
        )
        for c in clients
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.client.status == "closed",
            r.backup,
            (r.client.nickname or "").casefold(),
            r.client.id,
        ),
    )


@dataclass(frozen=True)
class ClientCard:
    """Everything the card of one client shows."""

    client: Client
    worker: Worker | None
    backup: Worker | None
    open_alerts: int
    next_appointment: Appointment | None
    open_deadlines: int
    plan_done: int
    plan_total: int
    phase: ClientPhase
    partners: list[PartnerContact] = field(default_factory=list)
    # The prison partners (issue 20's role) linked to the client: the card offers to unlink each.
    prison_partners: list[Partner] = field(default_factory=list)


async def client_card(core: Core, worker: Worker, client_id: int) -> ClientCard | None:
    """A client's card, if this worker may see it (the look is audited: it is personal data)."""
    now = core.now()
    async with core.db.tx() as conn:
        client = await visible_client(conn, worker, client_id)
        if client is None:
            return None
        assigned = await people_repo.get_worker(conn, client.worker_id or 0)
        backup = await people_repo.get_worker(conn, client.backup_worker_id or 0)
        counts = await worker_queries.open_alert_counts(conn, [client.id])
        appts = await items_repo.appointments_of(conn, client.id, upcoming_from=now)
        deadlines = await items_repo.deadlines_of(conn, client.id)
        plan = await items_repo.plan_of(conn, client.id)
        partners = await contacts_repo.contacts_of(conn, client.id)
        prison_partners = await partners_repo.partners_of(conn, client.id)
        await audit_by(conn, now, worker, "client.view", client_id=client.id)
    return ClientCard(
        client,
        assigned,
        backup,
        counts.get(client.id, 0),
        appts[0] if appts else None,
        len(deadlines),
        sum(1 for p in plan if p.done_at is not None),
        len(plan),
        phase_of(client, now.astimezone(core.policy.zone).date(), core.policy.zone),
        partners,
        prison_partners,
    )


async def remember_card(
    core: Core, worker: Worker, client_id: int, chat_id: int, message_id: int
) -> None:
    """A card about a client was shown: a Telegram reply to it goes to that client."""
    async with core.db.tx() as conn:
        await engine_repo.add_relay(
            conn,
            client_id=client_id,
            worker_id=worker.id,
            chat_id=chat_id,
            message_id=message_id,
            now=core.now(),
        )


# --- changing a client: pause, resume, hand-over, close -------------------------------------------


@dataclass(frozen=True)
class ClientChange:
    """What a change to a client did, for the handler to render."""

    # done, not_found, closed, not_joined, already, client_paused, same, no_worker
    status: str
    client: Client | None = None
    worker: Worker | None = None


async def set_paused(core: Core, worker: Worker, client_id: int, pause: bool) -> ClientChange:
    """The worker pauses (until resumed) or resumes a client's messages."""

    now = core.now()
    async with core.db.tx() as conn:
        status, client = await open_client(conn, worker, client_id)
        if status != "ok" or client is None:
            return ClientChange(status, client)
        if pause:
            if client.status == "paused":
                return ClientChange("already", client)
            if client.status != "active":
                return ClientChange("not_joined", client)
            client = await people_repo.update_client(
                conn, client.id, status="paused", paused_until=None
            )
            await outbox.drop_pending(
                conn, "paused", client_id=client_id, kinds=("contact_due", "pause_end")
            )
            await worker_queries.void_open_contacts(conn, client_id)
        else:
            if client.status != "paused":
                return ClientChange("already", client)
            # A client who paused themselves decides when to start again (/start).
            if await worker_queries.last_audit_actor(conn, client_id, "client.pause") == "client":
                return ClientChange("client_paused", client)
            client = await people_repo.update_client(
                conn, client.id, status="active", paused_until=None
            )
            await outbox.drop_pending(conn, "resumed", client_id=client_id, kinds=("pause_end",))
        await planner.plan_client(conn, core, client_id)
        await audit_by(
            conn, now, worker, "client.pause" if pause else "client.resume", client_id=client_id
        )
    core.wake()
    return ClientChange("done", client)


async def handover(core: Core, actor: Worker, client_id: int, to_worker_id: int) -> ClientChange:
    """Give a client to a colleague: the client and both workers hear of it, alerts follow."""

    now = core.now()
    async with core.db.tx() as conn:
        status, client = await open_client(conn, actor, client_id)
        if status != "ok" or client is None:
            return ClientChange(status, client)
        target = next((w for w in await _colleagues(conn, actor) if w.id == to_worker_id), None)
        if target is None:
            return ClientChange("no_worker", client)
        if target.id == client.worker_id:
            return ClientChange("same", client, target)
        old_id = client.worker_id
        client = await people_repo.update_client(
            conn,
            client.id,
            worker_id=target.id,
            backup_worker_id=None
            if client.backup_worker_id == target.id
            else client.backup_worker_id,
        )
        assert client is not None
        once = f"{target.id}:{utc_iso(now)}"
        if client.status == "active":
            notice = rows.client_notice(
                client.id, "handover", now, once=once, worker=target.first_name
            )
            await outbox.add(conn, notice, now)
        notice = rows.worker_notice(
            target.id, client.id, "handover_in", now, once=once, worker=actor.name
        )
        await outbox.add(conn, notice, now)
        # The one who handed over sees the result in their own chat; others get a note.
        if old_id is not None and old_id != actor.id:
            notice = rows.worker_notice(
                old_id, client.id, "handover_out", now, once=once, worker=target.name
            )
            await outbox.add(conn, notice, now)
        await move_alerts(conn, core, client.id)
        await planner.plan_client(conn, core, client.id)
        await audit_by(
            conn,
            now,
            actor,
            "client.handover",
            client_id=client.id,
            detail=f"worker {old_id} -> {target.id}",
        )
    core.wake()
    return ClientChange("done", client, target)


async def close_client(core: Core, actor: Worker, client_id: int) -> ClientChange:
    """End the service: a goodbye, nothing more planned, invites revoked, the record kept."""

    now = core.now()
    async with core.db.tx() as conn:
        status, client = await open_client(conn, actor, client_id)
        if status != "ok" or client is None:
            return ClientChange(status, client)
        if client.telegram_id is not None and not client.unreachable:
            # Queued while the client is still open; any_status lets it out after the close.
            goodbye = rows.client_notice(
                client.id, "goodbye", now, once="", any_status=True, closed_by=actor.id
            )
            await outbox.add(conn, goodbye, now)
        client = await people_repo.update_client(
            conn, client.id, status="closed", closed_at=now, paused_until=None
        )
        assert client is not None
        await worker_queries.void_open_contacts(conn, client.id)
        await worker_queries.cancel_open_items(conn, client.id, now)
        for alert in await engine_repo.open_alerts(conn, client_id=client.id):
            # Cards already delivered lose their buttons and say it is done.
            await resolve(conn, alert.id, now, by=actor.id, resolution="closed")
        await admin_repo.revoke_open_invites(conn, client_id=client.id, now=now)
        await outbox.drop_pending(
            conn,
            "client closed",
            client_id=client.id,
            kinds=("nudge", "contact_due", "pause_end", "relay_to_client"),
        )
        await planner.plan_client(conn, core, client.id)
        await audit_by(conn, now, actor, "client.close", client_id=client.id)
    core.wake()
    return ClientChange("done", client)


# --- alerts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertView:
    """An open alert with the client and whoever took it, for an alert card."""

    alert: Alert
    client: Client | None
    taker: Worker | None


async def visible_alerts(core: Core, worker: Worker) -> list[AlertView]:
    """Open alerts about clients this worker may see: urgent first, then oldest first."""

    async with core.db.read() as conn:
        ids = await visible_worker_ids(conn, worker)
        clients = {c.id: c for c in await people_repo.clients_of(conn, ids)}
        found = await engine_repo.open_alerts(
            conn, client_ids=None if ids is None else list(clients)
        )
        if ids is not None:
            # About nobody yet (a referral from the prison): those that reached this worker.
            found += [
                a
                for a in await engine_repo.open_alerts(conn, reason="referral")
                if await alert_service.may_handle(conn, worker, a)
            ]
        views = []
        for alert in found:
            taker = (
                await people_repo.get_worker(conn, alert.acknowledged_by)
                if alert.acknowledged_by
                else None
            )
            client = clients.get(alert.client_id or 0)
            if client is None and alert.client_id is not None:
                client = await people_repo.get_client(conn, alert.client_id)
            views.append(AlertView(alert, client, taker))
    return sorted(views, key=lambda v: (not v.alert.urgent, v.alert.raised_at, v.alert.id))
