"""`silta plan ...`: a client's release plan (items from the policy's catalogue or own text)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.core import Core
from bot.i18n import translator
from bot.policy.plan import OWNERS
from bot.services import plan as plan_service
from silta.cli.common import CliError, add_group, db_id, existing_client, with_core
from storage import items as items_repo

_REASONS = {
    "not_found": "no such client or item",
    "closed": "the client is closed",
    "invalid": "--due must be like -14d, 0d, +7d or YYYY-MM-DD; --owner one of "
    + ", ".join(OWNERS),
}


def _refused(status: str) -> CliError:
    return CliError(_REASONS.get(status, status))


@with_core
async def cmd_plan_list(core: Core, args: argparse.Namespace) -> int:
    """A client's plan: each item's owner, due date (and its offset from release) and state."""
    client = await existing_client(core, args.client)
    async with core.db.read() as conn:
        found = await items_repo.plan_of(conn, client.id)
    t = translator("en")
    print(f"{'id':>4}  {'due':<10} {'from release':<12} {'owner':<7} {'state':<10} item")
    for i in found:
        due = i.due(client.release_date)
        rel = f"{i.due_offset:+d}d" if i.due_date is None and i.due_offset is not None else "-"
        print(
            f"{i.id:>4}  {due.isoformat() if due else '-':<10} {rel:<12} {i.owner:<7} "
            f"{i.state:<10} {plan_service.item_title(core.policy, t, i)}"
        )
    return 0


@with_core
async def cmd_plan_add(core: Core, args: argparse.Namespace) -> int:
    """Add an item from the catalogue (--template) or with own text (--text)."""
    if (args.template is None) == (args.text is None):
        raise CliError("give either --template KEY or --text TEXT")
    if args.template is not None and args.template not in core.policy.plan_templates:
        raise CliError("--template must be one of " + ", ".join(core.policy.plan_templates))
    result = await plan_service.add_item(
        core,
        None,
        args.client,
        template=args.template,
        title=args.text,
        owner=args.owner,
        due=args.due,
    )
    if result.status != "ok" or result.item is None:
        raise _refused(result.status)
    print(f"plan item #{result.item.id} for client #{args.client}")
    return 0


@with_core
async def cmd_plan_set(core: Core, args: argparse.Namespace) -> int:
    """Change an item's owner, due date or state."""
    if args.owner is None and args.due is None and args.state is None:
        raise CliError("give --owner, --due or --state")
    for value, change in (
        (args.owner, plan_service.set_owner),
        (args.due, plan_service.set_due),
        (args.state, plan_service.set_state),
    ):
        if value is not None:
            result = await change(core, None, args.id, value)
            if result.status != "ok":
                raise _refused(result.status)
    print(f"plan item #{args.id} changed")
    return 0


def register(sub: Any) -> None:
    """Add the `plan` group."""
    group = add_group(sub, "plan", "release plans of clients")
    p = group.add_parser("list", help="a client's release plan")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.set_defaults(func=cmd_plan_list)
    due_help = "days from the release date (-14d, 0d, +7d), a date YYYY-MM-DD, or - for none"
    p = group.add_parser("add", help="an item from the policy's catalogue or with own text")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.add_argument("--template", metavar="KEY", help="a key of the policy's plan_templates")
    p.add_argument("--text", metavar="TEXT", help="own text, at most 100 characters")
    p.add_argument("--owner", choices=OWNERS)
    p.add_argument("--due", metavar="WHEN", help=due_help)
    p.set_defaults(func=cmd_plan_add)
    p = group.add_parser("set", help="change an item's owner, due date or state")
    p.add_argument("id", type=db_id, metavar="ITEM")
    p.add_argument("--owner", choices=OWNERS)
    p.add_argument("--due", metavar="WHEN", help=due_help)
    p.add_argument("--state", choices=plan_service.STATES)
    p.set_defaults(func=cmd_plan_set)
