"""Release-plan items with an owner, a due date and a state; the daily release checks.

A due date is absolute or counted in days from the release date, so moving the release date
moves every relative item (their date is worked out when read, never stored twice).
`actor` None means the command line: trusted, audited as 'cli'.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from aiosqlite import Connection

from bot.core import Core
from bot.i18n import Translator
from bot.policy import Policy
from bot.policy.plan import OWNERS, PlanTemplate
from bot.scheduling import planner
from bot.services.access import open_client, visible_client
from bot.services.alerts import raise_alert
from bot.services.audit import audit_by
from bot.services.next_step import NextStep, next_step
from bot.services.plan_templates import TEMPLATE_TITLES
from bot.timeparse import TimeParseError, parse_local_date
from storage import engine as engine_repo
from storage import items as items_repo
from storage import people as people_repo
from storage.models import Client, PlanItem, Worker

STATES = ("open", "done", "not_needed")
NOT_REACHABLE = "not_reachable_after_release"
_RELATIVE = re.compile(r"([+-]?)(\d{1,3})\s*d?")


@dataclass(frozen=True)
class PlanResult:
    """What a change did: ok, not_found, closed or invalid."""

    status: str
    client: Client | None = None
    item: PlanItem | None = None
    # Who sees a client's request for help, and when.
    next: NextStep | None = None


def item_title(policy: Policy, t: Translator, item: PlanItem) -> str:
    """An item as people read it: the worker's own text, or the template's label in `t`'s
    language (items made from a template since removed from the catalogue keep a title)."""
    return title_of(policy.plan_templates, t, item)


def title_of(templates: Mapping[str, PlanTemplate], t: Translator, item: PlanItem) -> str:
    """item_title with the catalogue given (for texts rendered without the whole policy)."""
    if item.title:
        return item.title
    template = templates.get(item.template or "")
    if template is not None:
        return template.label(t.lang)
    return t(TEMPLATE_TITLES.get(item.template or "", item.template or "?"))


def parse_due(text: str, today: date) -> tuple[int | None, date | None] | None:
    """'-14d', '0d', '+7d' (days from release) or a date; '-' for none. (offset, date) or None
    when the text is neither."""
    raw = text.strip().lower()
    if raw in ("-", "none"):
        return None, None
    match = _RELATIVE.fullmatch(raw)
    if match and (match.group(1) or raw.endswith("d")):
        days = int(match.group(2))
        return (-days if match.group(1) == "-" else days), None
    try:
        return None, parse_local_date(raw, today, past_ok=True)
    except TimeParseError:
        return None


async def _item_of(
    conn: Connection, actor: Worker | None, item_id: int
) -> tuple[str, Client | None, PlanItem | None]:
    item = await items_repo.get_plan_item(conn, item_id)
    if item is None:
        return "not_found", None, None
    status, client = await open_client(conn, actor, item.client_id)
    return status, client, item


async def _change(
    core: Core, actor: Worker | None, item_id: int, action: str, **fields: object
) -> PlanResult:
    now = core.now()
    async with core.db.tx() as conn:
        status, client, item = await _item_of(conn, actor, item_id)
        if status != "ok" or client is None or item is None:
            return PlanResult(status, client)
        item = await items_repo.update_plan_item(conn, item.id, **fields)
        await audit_by(conn, now, actor, action, client_id=client.id, detail=f"item {item_id}")
        # The client's reminders of the item follow its new date, owner or state.
        await planner.plan_client(conn, core, client.id)
    core.wake()
    return PlanResult("ok", client, item)


async def set_state(core: Core, actor: Worker | None, item_id: int, state: str) -> PlanResult:
    """Open, done or not needed, with who and when."""
    if state not in STATES:
        return PlanResult("invalid")
    now = core.now()
    kind = "worker" if actor else "cli"
    return await _change(
        core,
        actor,
        item_id,
        f"plan.{state}",
        state=state,
        state_by_kind=kind,
        state_by=actor.id if actor else None,
        state_by_partner=None,
        state_at=now,
        done_at=now if state == "done" else None,
        done_by=("worker" if actor else None) if state == "done" else None,
    )


async def set_owner(core: Core, actor: Worker | None, item_id: int, owner: str) -> PlanResult:
    """Who sees to it: the client, the worker, the prison or another organisation."""
    if owner not in OWNERS:
        return PlanResult("invalid")
    return await _change(core, actor, item_id, "plan.owner", owner=owner)


async def set_due(core: Core, actor: Worker | None, item_id: int, text: str) -> PlanResult:
    """A due date from what the worker typed ('-14d', '+7d', '0d', a date, or '-')."""
    today = core.now().astimezone(core.policy.zone).date()
    parsed = parse_due(text, today)
    if parsed is None or (parsed[0] is not None and abs(parsed[0]) > 365):
        return PlanResult("invalid")
    offset, day = parsed
    return await _change(core, actor, item_id, "plan.due", due_offset=offset, due_date=day)


async def client_done(core: Core, telegram_id: int, item_id: int) -> PlanResult:
    """The client marks one of their own open items done (a second tap changes nothing)."""
    now = core.now()
    async with core.db.tx() as conn:
        item = await items_repo.get_plan_item(conn, item_id)
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if (
            item is None
            or client is None
            or client.id != item.client_id
            or client.status == "closed"
            or item.owner != "client"
            or item.state != "open"
        ):
            return PlanResult("not_found")
        item = await items_repo.update_plan_item(
            conn,
            item.id,
            state="done",
            state_by_kind="client",
            state_by=None,
            state_at=now,
            done_at=now,
            done_by="client",
        )
        await audit_by(
            conn,
            now,
            None,
            "plan.done",
            client_id=client.id,
            detail=f"item {item_id}",
            kind="client",
        )
        await planner.plan_client(conn, core, client.id)
    core.wake()
    return PlanResult("ok", client, item)


async def add_item(
    core: Core,
    actor: Worker | None,
    client_id: int,
    *,
    template: str | None = None,
    title: str | None = None,
    owner: str | None = None,
    due: str | None = None,
) -> PlanResult:
    """An item from the catalogue (its owner and date unless given) or with the worker's own
    text; `due` as set_due reads it."""
    spec = core.policy.plan_templates.get(template or "")
    text = " ".join((title or "").split())
    if (template is not None and spec is None) or (spec is None and not 0 < len(text) <= 100):
        return PlanResult("invalid")
    offset, day = (spec.due_days if spec else None), None
    if due is not None:
        parsed = parse_due(due, core.now().astimezone(core.policy.zone).date())
        if parsed is None:
            return PlanResult("invalid")
        offset, day = parsed
    who = owner or (spec.owner if spec else "worker")
    if who not in OWNERS:
        return PlanResult("invalid")
    async with core.db.tx() as conn:
        status, client = await open_client(conn, actor, client_id)
        if status != "ok" or client is None:
            return PlanResult(status, client)
        item = await items_repo.add_plan_item(
            conn,
            client_id=client.id,
            template=template if spec else None,
            title=None if spec else text,
            now=core.now(),
            owner=who,
            due_offset=offset,
            due_date=day,
        )
        await audit_by(
            conn, core.now(), actor, "plan.add", client_id=client.id, detail=f"item {item.id}"
        )
        await planner.plan_client(conn, core, client.id)
    core.wake()
    return PlanResult("ok", client, item)


async def client_answer(core: Core, telegram_id: int, item_id: int, choice: str) -> PlanResult:
    """'later' (the next offset reminds again) or 'help' (an alert to the worker) on one of
    the client's own open items."""
    now = core.now()
    async with core.db.tx() as conn:
        item = await items_repo.get_plan_item(conn, item_id)
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if item is None or client is None or client.id != item.client_id or item.state != "open":
            return PlanResult("not_found")
        await audit_by(
            conn,
            now,
            None,
            f"plan.{choice}",
            client_id=client.id,
            detail=f"item {item_id}",
            kind="client",
        )
        step = None
        if choice == "help":
            await raise_alert(conn, core, client, "plan_help", ref_id=item.id)
            step = await next_step(conn, core, client, help_asked=True)
    core.wake()
    return PlanResult("ok", client, item, step)


async def item_of_worker(core: Core, worker: Worker, item_id: int) -> PlanResult:
    """One item, if the worker may see its client."""
    async with core.db.read() as conn:
        item = await items_repo.get_plan_item(conn, item_id)
        client = await visible_client(conn, worker, item.client_id) if item else None
    if item is None or client is None:
        return PlanResult("not_found")
    return PlanResult("ok", client, item)


async def release_checks(conn: Connection, core: Core) -> int:
    """Daily, after midnight: a client released yesterday (or earlier) who has still not joined
    raises one alert; returns how many were raised."""
    today = core.now().astimezone(core.policy.zone).date()
    raised = 0
    for client in await people_repo.not_joined_released_before(conn, today):
        if await engine_repo.open_alerts(conn, client_id=client.id, reason=NOT_REACHABLE):
            continue
        assert client.release_date is not None
        await raise_alert(conn, core, client, NOT_REACHABLE, ref_id=client.release_date.toordinal())
        raised += 1
    return raised


def due_soon(items: list[PlanItem], client: Client, today: date, offsets: list[timedelta]) -> bool:
    """Whether any open item of the client is due exactly one of the policy's offsets away."""
    days = {o.days for o in offsets}
    return any(
        (due := i.due(client.release_date)) is not None and (due - today).days in days
        for i in items
    )
