"""`silta partner ...`: list the prison partners and end one's access."""

from __future__ import annotations

import argparse
from typing import Any

from bot.core import Core
from bot.services import partner_access
from silta.cli.common import CliError, add_group, db_id, with_core


@with_core
async def cmd_partner_list(core: Core, args: argparse.Namespace) -> int:
    """List partners with their state and how many clients are linked to them."""
    found = await partner_access.manageable(core, None)
    print(f"{'id':>4}  {'name':<24} {'organisation':<32} {'state':<8} {'invited by':<16} clients")
    for e in found:
        p = e.partner
        print(
            f"{p.id:>4}  {p.name[:24]:<24} {p.organisation[:32]:<32} {e.state:<8} "
            f"{(e.invited_by or '-')[:16]:<16} {len(e.clients)}"
        )
    return 0


@with_core
async def cmd_partner_deactivate(core: Core, args: argparse.Namespace) -> int:
    """End a partner's access: their links end, an open invite is voided, workers are told."""
    ended = await partner_access.end_access(core, None, args.partner_id)
    if ended.partner is None:
        raise CliError(f"no partner #{args.partner_id}")
    if ended.status == "already":
        print(f"partner #{ended.partner.id}'s access had already ended")
    else:
        print(
            f"partner #{ended.partner.id}: access ended; {ended.clients} client link(s) ended, "
            f"{ended.invites} open invite(s) voided"
        )
    return 0


def register(sub: Any) -> None:
    """Add the `partner` group."""
    partner = add_group(sub, "partner", "prison partners: list, end access")
    p = partner.add_parser("list", help="list partners")
    p.set_defaults(func=cmd_partner_list)
    p = partner.add_parser(
        "deactivate", help="end a partner's access (links end, the workers are told)"
    )
    p.add_argument("partner_id", type=db_id, metavar="PARTNER_ID")
    p.set_defaults(func=cmd_partner_deactivate)
