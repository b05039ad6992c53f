"""Partners: the prison's re-entry workers, invited by a worker, who see and change only the
shared part of the clients linked to them. Every view and change of theirs is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from aiosqlite import Connection

from bot import invites as codes
from bot.appointment_kinds import JOINT
from bot.core import Core
from bot.identity import looks_like_personal_identity_code
from bot.policy import local_to_utc
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.services import invite_secret
from bot.services.access import visible_client
from bot.services.audit import audit_by
from bot.services.onboarding import RELEASE_RANGE_DAYS, InviteCard, OnboardingError
from storage import admin as admin_repo
from storage import items as items_repo
from storage import outbox
from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Appointment, Client, Partner, PlanItem, PlanNote, Worker

# Partners use Silta in these languages (the prison's own working languages).
PARTNER_LANGUAGES = ("fi", "sv", "en")
MAX_NAME = 64
MAX_ORGANISATION = 80
MAX_NOTE = 200
# Plan items a partner sees and ticks: the prison's.
SHARED_OWNERS = ("prison",)
# The partner's weekly list of overdue prison items comes on Mondays.
WEEKLY_DAY = 0


async def audit_partner(
    conn: Connection,
    now: datetime,
    partner: Partner,
    action: str,
    *,
    client_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Audit a partner's view or change under their own id (actor kind 'partner')."""
    await admin_repo.audit(
        conn,
        now=now,
        actor_id=partner.id,
        actor_kind="partner",
        action=action,
        client_id=client_id,
        detail=detail,
    )


def _clean(text: str, limit: int) -> str | None:
    value = " ".join(text.split())
    if not value or len(value) > limit or value.startswith("/"):
        return None
    if looks_like_personal_identity_code(value):
        return None
    return value


@dataclass(frozen=True)
class PartnerCard:
    """A partner's invite: the card a worker hands over, and who it is for."""

    invite: InviteCard
    partner: Partner


async def create_invite(
    core: Core, actor: Worker, name: str, organisation: str, language: str
) -> PartnerCard:
    """`/addpartner`: a pending partner in the inviting worker's team, and their invite."""
    clean_name = _clean(name, MAX_NAME)
    clean_org = _clean(organisation, MAX_ORGANISATION)
    if clean_name is None:
        raise OnboardingError("name")
    if clean_org is None:
        raise OnboardingError("organisation")
    if language not in PARTNER_LANGUAGES:
        raise OnboardingError("language")
    now = core.now()
    async with core.db.tx() as conn:
        partner = await partners_repo.add_partner(
            conn,
            name=clean_name,
            organisation=clean_org,
            language=language,
            team_id=actor.team_id,
            invited_by=actor.id,
            now=now,
        )
        code = codes.new_code()
        expires = now + core.policy.invite_lifetime
        await admin_repo.add_invite(
            conn,
            code_hash=await invite_secret.hash_new_code(conn, core.settings, code),
            kind="partner",
            partner_id=partner.id,
            created_by=actor.id,
            expires_at=expires,
            now=now,
        )
        await audit_by(conn, now, actor, "partner.invite", detail=f"partner {partner.id}")
    link = codes.deep_link(core.bot_username, code)
    return PartnerCard(InviteCard(code, link, expires), partner)


@dataclass(frozen=True)
class PartnerJoin:
    status: str  # joined, already, stale
    partner: Partner | None = None


async def join(core: Core, telegram_id: int, invite_id: int) -> PartnerJoin:
    """Open a partner invite: this Telegram account becomes that partner."""
    now = core.now()
    async with core.db.tx() as conn:
        invite = await admin_repo.get_invite(conn, invite_id)
        if (
            invite is None
            or invite.kind != "partner"
            or invite.revoked_at is not None
            or invite.used_at is not None
            or invite.expires_at <= now
        ):
            return PartnerJoin("stale")
        if await partners_repo.partner_by_telegram(conn, telegram_id) is not None:
            return PartnerJoin("already")
        if (
            await people_repo.worker_by_telegram(conn, telegram_id) is not None
            or await people_repo.client_by_telegram(conn, telegram_id) is not None
        ):
            return PartnerJoin("stale")
        partner = await partners_repo.update_partner(
            conn, invite.partner_id or 0, telegram_id=telegram_id, active=1
        )
        if partner is None:
            return PartnerJoin("stale")
        await admin_repo.set_invite(conn, invite.id, used_at=now)
        await audit_partner(conn, now, partner, "partner.join")
    return PartnerJoin("joined", partner)


# --- the shared view -------------------------------------------------------------------------


async def linked(conn: Connection, partner: Partner, client_id: int) -> Client | None:
    """The client if this partner is linked to it and it is neither closed nor purged."""
    if not partner.active or not await partners_repo.is_linked(conn, partner.id, client_id):
        return None
    client = await people_repo.get_client(conn, client_id)
    if client is None or client.nickname is None or client.status == "closed":
        return None
    return client


async def my_clients(core: Core, partner: Partner) -> list[Client]:
    """The partner's linked clients (audited as a view of the list)."""
    async with core.db.tx() as conn:
        found = await partners_repo.linked_clients(conn, partner.id)
        await audit_partner(conn, core.now(), partner, "partner.view", detail="clients")
    return found


@dataclass(frozen=True)
class SharedView:
    """What a partner sees of one client: nothing more."""

    client: Client
    worker: Worker | None
    items: list[PlanItem]
    notes: dict[int, list[PlanNote]] = field(default_factory=dict)
    # Who wrote each note, by (kind, id): a worker's or a partner's name.
    authors: dict[tuple[str, int], str] = field(default_factory=dict)
    # Joint meetings still ahead.
    meetings: list[Appointment] = field(default_factory=list)


async def _notes(
    conn: Connection, client_id: int, item_ids: set[int]
) -> tuple[dict[int, list[PlanNote]], dict[tuple[str, int], str]]:
    notes: dict[int, list[PlanNote]] = {}
    authors: dict[tuple[str, int], str] = {}
    for note in await partners_repo.notes_of_client(conn, client_id):
        if note.item_id not in item_ids or note.text is None:
            continue
        notes.setdefault(note.item_id, []).append(note)
        key = (note.author_kind, note.author_id)
        if key in authors:
            continue
        if note.author_kind == "partner":
            who = await partners_repo.get_partner(conn, note.author_id)
            authors[key] = f"{who.name}, {who.organisation}" if who else "?"
        else:
            worker = await people_repo.get_worker(conn, note.author_id)
            authors[key] = worker.name if worker else "?"
    return notes, authors


async def shared_view(core: Core, partner: Partner, client_id: int) -> SharedView | None:
    """One linked client as the partner may see it (audited); None when not theirs."""
    async with core.db.tx() as conn:
        client = await linked(conn, partner, client_id)
        if client is None:
            return None
        view = await view_of(conn, core, client)
        await audit_partner(conn, core.now(), partner, "partner.view", client_id=client.id)
    return view


async def view_of(conn: Connection, core: Core, client: Client) -> SharedView:
    worker = await people_repo.get_worker(conn, client.worker_id) if client.worker_id else None
    items = [i for i in await items_repo.plan_of(conn, client.id) if i.owner in SHARED_OWNERS]
    notes, authors = await _notes(conn, client.id, {i.id for i in items})
    meetings = await joint_meetings(conn, core, client.id)
    return SharedView(client, worker, items, notes, authors, meetings)


@dataclass(frozen=True)
class PartnerChange:
    status: str  # ok, not_found, invalid
    view: SharedView | None = None
    item: PlanItem | None = None


async def _shared_item(
    conn: Connection, partner: Partner, item_id: int
) -> tuple[Client, PlanItem] | None:
    item = await items_repo.get_plan_item(conn, item_id)
    if item is None or item.owner not in SHARED_OWNERS:
        return None
    client = await linked(conn, partner, item.client_id)
    return (client, item) if client is not None else None


async def tick(core: Core, partner: Partner, item_id: int, state: str) -> PartnerChange:
    """A prison item done, or open again: the worker's plan shows who ticked it and when."""
    if state not in ("done", "open"):
        return PartnerChange("invalid")
    now = core.now()
    async with core.db.tx() as conn:
        found = await _shared_item(conn, partner, item_id)
        if found is None:
            return PartnerChange("not_found")
        client, item = found
        item = await items_repo.update_plan_item(
            conn,
            item.id,
            state=state,
            state_by_kind=None,
            state_by=None,
            state_by_partner=partner.id,
            state_at=now,
            done_at=now if state == "done" else None,
            done_by=None,
        )
        await audit_partner(
            conn, now, partner, f"plan.{state}", client_id=client.id, detail=f"item {item_id}"
        )
        await planner.plan_client(conn, core, client.id)
        view = await view_of(conn, core, client)
    core.wake()
    return PartnerChange("ok", view, item)


def check_note(text: str, core: Core) -> str | None:
    """A note of at most MAX_NOTE characters: no identity code, no clinic or service words
    (a note is no place for health details)."""
    value = _clean(text, MAX_NOTE)
    if value is None or core.policy.privacy.revealing(value):
        return None
    return value


async def _add_note(
    conn: Connection, item: PlanItem, author_kind: str, author_id: int, text: str, now: datetime
) -> PlanNote:
    """One side's note on a shared item, kept with the item's client."""
    return await partners_repo.add_note(
        conn,
        item_id=item.id,
        client_id=item.client_id,
        author_kind=author_kind,
        author_id=author_id,
        text=text,
        now=now,
    )


async def partner_note(core: Core, partner: Partner, item_id: int, text: str) -> PartnerChange:
    """A partner's note on a shared item; the client's worker is told."""
    value = check_note(text, core)
    if value is None:
        return PartnerChange("invalid")
    now = core.now()
    async with core.db.tx() as conn:
        found = await _shared_item(conn, partner, item_id)
        if found is None:
            return PartnerChange("not_found")
        client, item = found
        note = await _add_note(conn, item, "partner", partner.id, value, now)
        await audit_partner(
            conn, now, partner, "plan.note", client_id=client.id, detail=f"item {item.id}"
        )
        if client.worker_id:
            notice = rows.worker_notice(
                client.worker_id,
                client.id,
                "partner_note",
                now,
                once=str(note.id),
                by=f"{partner.name}, {partner.organisation}",
            )
            await outbox.add(conn, notice, now)
        view = await view_of(conn, core, client)
    core.wake()
    return PartnerChange("ok", view, item)


async def worker_note(core: Core, worker: Worker, item_id: int, text: str) -> PartnerChange:
    """A worker's note on a shared item; every linked partner is told."""
    value = check_note(text, core)
    if value is None:
        return PartnerChange("invalid")
    now = core.now()
    async with core.db.tx() as conn:
        item = await items_repo.get_plan_item(conn, item_id)
        client = await visible_client(conn, worker, item.client_id) if item else None
        if item is None or client is None or item.owner not in SHARED_OWNERS:
            return PartnerChange("not_found")
        note = await _add_note(conn, item, "worker", worker.id, value, now)
        await audit_by(
            conn, now, worker, "plan.note", client_id=client.id, detail=f"item {item.id}"
        )
        for partner in await partners_repo.partners_of(conn, client.id):
            notice = rows.partner_notice(
                partner.id, client.id, "note", now, once=str(note.id), item=item.id
            )
            await outbox.add(conn, notice, now)
    core.wake()
    return PartnerChange("ok", item=item)


async def set_release(
    core: Core, partner: Partner, client_id: int, day: date | None
) -> PartnerChange:
    """The prison sets or moves the expected release date (early release happens): everything
    counted from it moves, and the client's worker is told at once."""
    now = core.now()
    today = now.astimezone(core.policy.zone).date()
    if day is not None and abs((day - today).days) > RELEASE_RANGE_DAYS:
        return PartnerChange("invalid")
    async with core.db.tx() as conn:
        client = await linked(conn, partner, client_id)
        if client is None:
            return PartnerChange("not_found")
        before = client.release_date
        client = await people_repo.update_client(conn, client.id, release_date=day)
        assert client is not None
        await planner.plan_client(conn, core, client.id)
        await audit_partner(
            conn,
            now,
            partner,
            "client.release_date",
            client_id=client.id,
            detail=day.isoformat() if day else "unknown",
        )
        if client.worker_id and before != day:
            notice = rows.worker_notice(
                client.worker_id,
                client.id,
                "partner_release",
                now,
                once=f"{day}:{now.isoformat()}",
                day=day.isoformat() if day else "",
                before=before.isoformat() if before else "",
                by=f"{partner.name}, {partner.organisation}",
            )
            await outbox.add(conn, notice, now)
        view = await view_of(conn, core, client)
    core.wake()
    return PartnerChange("ok", view)


async def tick_facts(conn: Connection, items: list[PlanItem]) -> dict[int, Partner]:
    """The partners who ticked these items (for the worker's plan view)."""
    found: dict[int, Partner] = {}
    for item in items:
        pid = item.state_by_partner
        if pid and pid not in found:
            partner = await partners_repo.get_partner(conn, pid)
            if partner is not None:
                found[pid] = partner
    return found


async def overdue_items(
    conn: Connection, core: Core, partner: Partner
) -> list[tuple[PlanItem, Client, date]]:
    """The prison's open items past their due day, of the partner's linked clients."""
    today = core.now().astimezone(core.policy.zone).date()
    clients = {c.id: c for c in await partners_repo.linked_clients(conn, partner.id)}
    found: list[tuple[PlanItem, Client, date]] = []
    for item in await items_repo.open_plan_items_of(conn, list(clients)):
        client = clients[item.client_id]
        day = item.due(client.release_date)
        if item.owner in SHARED_OWNERS and day is not None and day < today:
            found.append((item, client, day))
    return sorted(found, key=lambda found: (found[2], found[1].id, found[0].id))


async def plan_weekly(conn: Connection, core: Core) -> int:
    """On Mondays, at the digest time: each active partner's weekly list (sent only when
    something is overdue)."""
    now = core.now()
    policy = core.policy
    today = now.astimezone(policy.zone).date()
    due = local_to_utc(today, policy.workers.digest_time, policy.zone)
    if today.weekday() != WEEKLY_DAY or due < now:
        return 0
    planned = 0
    for partner in await partners_repo.active_partners(conn):
        await outbox.add(conn, rows.partner_weekly(partner.id, today, due), now)
        planned += 1
    return planned


async def may_note(core: Core, partner: Partner, item_id: int) -> bool:
    """Whether the item is one of the partner's shared items (before asking for a note)."""
    async with core.db.read() as conn:
        return await _shared_item(conn, partner, item_id) is not None


@dataclass(frozen=True)
class PlanMarks:
    """What partners did on a client's plan, for the worker's /plan: who ticked which prison
    item and when, and the notes of both sides (author, text, when)."""

    ticks: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    notes: dict[int, list[tuple[str, str, datetime]]] = field(default_factory=dict)


async def plan_marks(core: Core, worker: Worker, client_id: int) -> PlanMarks:
    """The partner marks on a client's plan the worker may see (none when not visible)."""
    async with core.db.read() as conn:
        client = await visible_client(conn, worker, client_id)
        if client is None:
            return PlanMarks()
        items = await items_repo.plan_of(conn, client.id)
        partners = await tick_facts(conn, items)
        ticks = {
            i.id: (
                f"{partners[i.state_by_partner].name}, {partners[i.state_by_partner].organisation}",
                i.state_at,
            )
            for i in items
            if i.state_by_partner in partners and i.state_at is not None and i.state == "done"
        }
        found, authors = await _notes(conn, client.id, {i.id for i in items})
    notes = {
        item_id: [
            (authors.get((n.author_kind, n.author_id), "?"), n.text or "", n.created_at)
            for n in group
        ]
        for item_id, group in found.items()
    }
    return PlanMarks(ticks, notes)


# --- joint meetings --------------------------------------------------------------------------


async def joint_meetings(conn: Connection, core: Core, client_id: int) -> list[Appointment]:
    """The client's joint meetings still ahead (what a partner sees of appointments)."""
    found = await items_repo.appointments_of(conn, client_id, upcoming_from=core.now())
    return [a for a in found if a.kind == JOINT]


async def seen(core: Core, partner: Partner) -> None:
    """A partner Silta could not reach wrote again: messages to them go out again."""
    async with core.db.tx() as conn:
        await partners_repo.update_partner(conn, partner.id, unreachable=0)
