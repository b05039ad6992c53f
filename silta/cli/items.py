"""`silta appointment ...` and `silta deadline ...`: a client's dated items, times local."""

from __future__ import annotations

import argparse
from typing import Any

from bot import appointment_kinds as appt_kinds
from bot.core import Core
from bot.services import items as item_service
from bot.services.items import ItemResult
from bot.timeparse import TimeParseError, parse_local_datetime
from silta.cli.common import (
    CliError,
    add_group,
    db_id,
    existing_client,
    iso_date,
    local_text,
    with_core,
)
from storage import items as items_repo
from storage.models import Appointment

AT_FORMAT = "YYYY-MM-DD HH:MM"


def _refused(result: ItemResult, what: str) -> CliError:
    """One line saying why a change was refused."""
    reasons = {
        "not_found": f"no such {what}",
        "closed": "the client is closed",
        "past": "that time has already passed",
        "too_far": "that date is more than five years ahead",
        "gone": f"the {what} has already changed (cancelled or passed)",
        "invalid": "the text does not fit",
    }
    return CliError(reasons.get(result.status, result.status))


# --- appointments -------------------------------------------------------------------------------


@with_core
async def cmd_appointment_add(core: Core, args: argparse.Namespace) -> int:
    """An appointment at a local time; the client is told and reminded."""
    try:
        at = parse_local_datetime(args.at, core.now(), core.policy.zone)
    except TimeParseError as exc:
        why = {"past": "has already passed", "impossible": "does not exist"}.get(
            exc.reason, f"must look like {AT_FORMAT}"
        )
        raise CliError(f"--at {args.at!r} {why}") from None
    kind = args.kind
    has_place = bool((args.place or "").strip())
    if kind == appt_kinds.JOINT and not has_place and not args.link:
        raise CliError("--kind joint needs --place TEXT or --link URL")
    if appt_kinds.needs_place(kind) and kind != appt_kinds.JOINT and not has_place:
        raise CliError(f"--kind {kind} needs --place TEXT")
    if kind == appt_kinds.VIDEO and not args.link:
        raise CliError("--kind video needs --link URL")
    if args.link and not appt_kinds.takes_link(kind):
        raise CliError("--link is only for --kind video or joint")
    result = await item_service.add_appointment(
        core, None, args.client, at, args.place or "", kind=kind, link=args.link
    )
    if result.status == "bad_link":
        raise CliError(
            f"--link must be an http:// or https:// link of at most {appt_kinds.MAX_LINK} "
            "characters"
        )
    if result.status != "ok" or result.appointment is None:
        raise _refused(result, "client")
    appt = result.appointment
    print(
        f"appointment #{appt.id} for client #{args.client}: "
        f"{local_text(core, appt.at)}, {_what(appt)}"
    )
    return 0


def _what(appt: Appointment) -> str:
    """The place, or the kind (and its place or link): 'phone', 'joint: Room 2'."""
    if appt.kind == appt_kinds.IN_PERSON:
        return appt.place
    detail = appt.place or appt.link
    return f"{appt.kind}: {detail}" if detail else appt.kind


@with_core
async def cmd_appointment_list(core: Core, args: argparse.Namespace) -> int:
    """A client's appointments, coming and past."""
    client = await existing_client(core, args.client)
    async with core.db.read() as conn:
        appts = await items_repo.appointments_of(
            conn, client.id, statuses=("scheduled", "attended", "missed", "cancelled")
        )
    print(f"{'id':>4}  {'at':<16} {'status':<10} {'answer':<10} {'kind':<10} place or link")
    for a in appts:
        print(
            f"{a.id:>4}  {local_text(core, a.at):<16} {a.status:<10} {a.confirmation or '-':<10} "
            f"{a.kind:<10} {a.place or a.link or '-'}"
        )
    return 0


@with_core
async def cmd_appointment_cancel(core: Core, args: argparse.Namespace) -> int:
    """Cancel a coming appointment; the client is told."""
    result = await item_service.cancel_appointment(core, None, args.id)
    if result.status != "ok":
        raise _refused(result, "appointment")
    print(f"appointment #{args.id} cancelled; the client is told")
    return 0


# --- deadlines ----------------------------------------------------------------------------------


@with_core
async def cmd_deadline_add(core: Core, args: argparse.Namespace) -> int:
    """A benefit deadline of a kind in the policy's catalogue."""
    kinds = core.policy.benefit_kinds
    if args.kind not in kinds:
        raise CliError(f"--kind must be one of {', '.join(kinds)}")
    if args.kind == "other" and not (args.label or "").strip():
        raise CliError("--kind other needs --label TEXT")
    due = iso_date(args.due, "--due")
    result = await item_service.add_deadline(
        core, None, args.client, args.kind, due, monthly=args.monthly, label=args.label
    )
    if result.status == "invalid":
        raise CliError(f"--label must be 1-{item_service.MAX_LABEL} characters")
    if result.status == "past":
        raise CliError(f"--due {args.due} has already passed")
    if result.status != "ok" or result.deadline is None:
        raise _refused(result, "client")
    dl = result.deadline
    print(
        f"deadline #{dl.id} for client #{args.client}: {dl.kind} by {dl.due_date.isoformat()}"
        + (" (every month)" if dl.monthly else "")
    )
    return 0


@with_core
async def cmd_deadline_list(core: Core, args: argparse.Namespace) -> int:
    """A client's deadlines."""
    client = await existing_client(core, args.client)
    async with core.db.read() as conn:
        found = await items_repo.deadlines_of(
            conn, client.id, statuses=("open", "done", "cancelled")
        )
    print(f"{'id':>4}  {'due':<10} {'status':<9} {'monthly':<7} kind")
    for d in found:
        label = f"{d.kind} ({d.label})" if d.label else d.kind
        print(
            f"{d.id:>4}  {d.due_date.isoformat():<10} {d.status:<9} "
            f"{'yes' if d.monthly else 'no':<7} {label}"
        )
    return 0


@with_core
async def cmd_deadline_cancel(core: Core, args: argparse.Namespace) -> int:
    """Cancel an open deadline and its reminders."""
    result = await item_service.cancel_deadline(core, None, args.id)
    if result.status != "ok":
        raise _refused(result, "deadline")
    print(f"deadline #{args.id} cancelled")
    return 0


# --- the command tree -----------------------------------------------------------------------------


def register(sub: Any) -> None:
    """Add the `appointment` and `deadline` groups."""
    appointments = add_group(sub, "appointment", "appointments of clients")
    p = appointments.add_parser("add", help="an appointment; the client is told and reminded")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.add_argument("--at", required=True, metavar=f'"{AT_FORMAT}"', help="local time")
    p.add_argument(
        "--kind",
        choices=appt_kinds.KINDS,
        default=appt_kinds.IN_PERSON,
        help="in_person (the default), phone, video, home_visit or joint (with the prison)",
    )
    p.add_argument(
        "--place",
        metavar="TEXT",
        help=f"at most {item_service.MAX_PLACE} characters; required for in_person, and for "
        "joint unless --link",
    )
    p.add_argument(
        "--link",
        metavar="URL",
        help=f"the http(s) link of a video call or a joint meeting on video, at most "
        f"{appt_kinds.MAX_LINK} characters",
    )
    p.set_defaults(func=cmd_appointment_add)
    p = appointments.add_parser("list", help="a client's appointments")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.set_defaults(func=cmd_appointment_list)
    p = appointments.add_parser("cancel", help="cancel an appointment; the client is told")
    p.add_argument("id", type=db_id, metavar="ID")
    p.set_defaults(func=cmd_appointment_cancel)

    deadlines = add_group(sub, "deadline", "benefit deadlines of clients")
    p = deadlines.add_parser("add", help="a deadline; the client gets the policy's reminders")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.add_argument(
        "--kind",
        required=True,
        metavar="KIND",
        help="a kind in the policy's benefit catalogue (silta policy show)",
    )
    p.add_argument("--due", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--monthly", action="store_true", help="comes back every month")
    p.add_argument(
        "--label",
        metavar="TEXT",
        help=f"short text, at most {item_service.MAX_LABEL} characters (required for kind other)",
    )
    p.set_defaults(func=cmd_deadline_add)
    p = deadlines.add_parser("list", help="a client's deadlines")
    p.add_argument("--client", required=True, type=db_id, metavar="ID")
    p.set_defaults(func=cmd_deadline_list)
    p = deadlines.add_parser("cancel", help="cancel a deadline")
    p.add_argument("id", type=db_id, metavar="ID")
    p.set_defaults(func=cmd_deadline_cancel)
