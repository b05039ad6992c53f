"""`silta contact ...`: a client's partner contacts (prison, social worker, housing, …)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.core import Core
from bot.services import contacts as contact_service
from silta.cli.common import CliError, add_group, db_id, existing_client, with_core
from storage import contacts as contacts_repo

_REASONS = {
    "not_found": "no such client or contact",
    "closed": "the client is closed",
    "invalid": f"--name must be 1-{contact_service.MAX_NAME} and --organisation "
    f"1-{contact_service.MAX_ORGANISATION} characters",
    "empty": "give --name or --organisation (or both)",
    "identity_code": "that looks like a personal identity code; contacts never hold one",
    "bad_phone": "--phone must be a phone number, e.g. '040 123 4567' or '+358 40 123 4567'",
    "bad_email": "--email must be an email address, e.g. name@example.fi",
}


def _refused(status: str) -> CliError:
    return CliError(_REASONS.get(status, status))


@with_core
async def cmd_contact_add(core: Core, args: argparse.Namespace) -> int:
    """A contact of a client; only workers see it unless --shareable."""
    result = await contact_service.add_contact(
        core,
        None,
        args.client,
        args.role,
        name=args.name,
        organisation=args.organisation,
        phone=args.phone,
        email=args.email,
        shareable=args.shareable,
    )
    if result.status != "ok" or result.contact is None:
        raise _refused(result.status)
    shared = " (the client sees it)" if result.contact.shareable else ""
    print(f"contact #{result.contact.id} for client #{args.client}: {args.role}{shared}")
    return 0


@with_core
async def cmd_contact_list(core: Core, args: argparse.Namespace) -> int:
    """A client's contacts."""
    client = await existing_client(core, args.client)
    found = (await contact_service.contacts(core, None, client.id))[1]
    print(f"{'id':>4}  {'role':<13} {'shared':<6} name, organisation, phone, email")
    for c in found:
        who = ", ".join(v for v in (c.name, c.organisation, c.phone, c.email) if v)
        print(f"{c.id:>4}  {c.role:<13} {'yes' if c.shareable else 'no':<6} {who}")
    return 0


@with_core
async def cmd_contact_remove(core: Core, args: argparse.Namespace) -> int:
    """Delete a contact."""
    async with core.db.read() as conn:
        if await contacts_repo.get_contact(conn, args.id) is None:
            raise CliError(f"no contact #{args.id}")
    result = await contact_service.remove_contact(core, None, args.id)
    if result.status != "ok":
        raise _refused(result.status)
    print(f"contact #{args.id} removed")
    return 0


def register(sub: Any) -> None:
    """Add the `contact` group."""
    contacts = add_group(sub, "contact", "partner contacts of clients")
    p = contacts.add_parser("add", help="a contact; only workers see it unless --shareable")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.add_argument("--role", required=True, choices=contact_service.ROLES)
    p.add_argument("--name", metavar="TEXT", help=f"at most {contact_service.MAX_NAME} characters")
    p.add_argument(
        "--organisation",
        metavar="TEXT",
        help=f"at most {contact_service.MAX_ORGANISATION} characters",
    )
    p.add_argument("--phone", metavar="NUMBER")
    p.add_argument("--email", metavar="ADDRESS")
    p.add_argument(
        "--shareable", action="store_true", help="the client sees it (under /help in the bot)"
    )
    p.set_defaults(func=cmd_contact_add)
    p = contacts.add_parser("list", help="a client's contacts")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.set_defaults(func=cmd_contact_list)
    p = contacts.add_parser("remove", help="delete a contact")
    p.add_argument("id", type=db_id, metavar="ID")
    p.set_defaults(func=cmd_contact_remove)
