"""CLI for workers' bulk work: clients and their invite cards, appointments, deadlines.

Invites need the bot's @name for the link: the running bot records it in the database, and
`--bot NAME` overrides it (for example before the bot has ever started).
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.cli import CliError, Parser, with_core, write_private
from bot.core import Core
from bot.i18n import LANGUAGES
from bot.invites import deep_link
from bot.services import items as item_service
from bot.services import onboarding
from bot.services.items import ItemResult
from bot.services.onboarding import InviteCard, OnboardingError
from bot.services.workers import visible_client
from bot.timeparse import TimeParseError, parse_local_datetime
from storage import items as items_repo
from storage import people as people_repo
from storage.models import Client

AT_FORMAT = "YYYY-MM-DD HH:MM"


# --- helpers ----------------------------------------------------------------------------------


def _iso_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} must be a date like 2026-12-24, not {text!r}") from None


def _local(core: Core, when: datetime) -> str:
    return when.astimezone(core.policy.zone).strftime("%Y-%m-%d %H:%M")


async def _client(core: Core, client_id: int) -> Client:
    async with core.db.read() as conn:
        client = await visible_client(conn, None, client_id)
    if client is None:
        raise CliError(f"no client #{client_id}")
    return client


async def _bot_name(core: Core, args: argparse.Namespace) -> None:
    """Links need the bot's @name: --bot, else what the running bot recorded."""
    name = args.bot or await onboarding.known_bot_username(core)
    if not name:
        raise CliError(
            "the bot's @name is not known yet: start the bot once, or pass --bot USERNAME"
        )
    try:
        deep_link(name, "2" * 12)
    except ValueError:
        raise CliError(f"--bot must be a Telegram bot username, not {name!r}") from None
    core.bot_username = name.removeprefix("@")


def _write_qr(card: InviteCard, path: str) -> str:
    """Write the printable QR image (mode 0600: it lets someone join as the client)."""
    target = Path(path)
    try:
        write_private(target, card.qr())
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    return str(target)


def _print_card(core: Core, card: InviteCard, qr: str | None) -> None:
    print(f"link:    {card.link}")
    print(f"code:    {card.grouped}")
    print(f"expires: {_local(core, card.expires_at)} {core.policy.timezone}")
    if qr:
        print(f"qr:      {qr}")


def _refused(result: ItemResult, what: str) -> CliError:
    """One line saying why a change was refused."""
    reasons = {
        "not_found": f"no such {what}",
        "closed": "the client is closed",
        "past": "that time has already passed",
        "gone": f"the {what} has already changed (cancelled or passed)",
        "invalid": "the text does not fit",
    }
    return CliError(reasons.get(result.status, result.status))


# --- clients ------------------------------------------------------------------------------------


NICKNAME_PROBLEMS = {
    "identity_code": "--name looks like a personal identity code; use a first name or nickname",
    "nickname_length": f"--name must be 1-{onboarding.MAX_NICKNAME} characters",
    "language": f"--language must be one of {', '.join(LANGUAGES)}",
    "backup": "that backup worker cannot be used",
}


@with_core
async def cmd_client_add(core: Core, args: argparse.Namespace) -> int:
    """A new client for a worker, with the invite link, code and QR file."""
    if args.language is not None and args.language not in LANGUAGES:
        raise CliError(NICKNAME_PROBLEMS["language"])
    release = _iso_date(args.release_date, "--release-date") if args.release_date else None
    if release is not None:
        today = core.now().astimezone(core.policy.zone).date()
        if abs((release - today).days) > onboarding.RELEASE_RANGE_DAYS:
            raise CliError("--release-date is too far from today")
    async with core.db.read() as conn:
        worker = await people_repo.get_worker(conn, args.worker)
    if worker is None or not worker.active:
        raise CliError(f"no active worker #{args.worker}")
    await _bot_name(core, args)
    try:
        card = await onboarding.create_client(
            core, worker, args.name, language=args.language, release_date=release, actor="cli"
        )
    except OnboardingError as exc:
        raise CliError(NICKNAME_PROBLEMS.get(exc.code, exc.code)) from None
    assert card.client is not None
    print(f"client #{card.client.id} {card.client.nickname} (worker #{worker.id} {worker.name})")
    _print_card(core, card, _write_qr(card, args.qr) if args.qr else None)
    return 0


@with_core
async def cmd_client_invite(core: Core, args: argparse.Namespace) -> int:
    """A new invite for an existing client; the earlier one stops working."""
    client = await _client(core, args.client)
    async with core.db.read() as conn:
        worker = await people_repo.get_worker(conn, client.worker_id or 0)
    if worker is None:
        raise CliError(f"client #{client.id} has no worker")
    await _bot_name(core, args)
    try:
        card = await onboarding.new_client_invite(core, worker, client, actor="cli")
    except OnboardingError:
        raise CliError(f"client #{client.id} is closed") from None
    print(f"new invite for client #{client.id} {client.nickname}; the earlier one stopped working")
    _print_card(core, card, _write_qr(card, args.qr) if args.qr else None)
    return 0


@with_core
async def cmd_client_list(core: Core, args: argparse.Namespace) -> int:
    """Clients (of one worker), with status and release date."""
    async with core.db.read() as conn:
        clients = await people_repo.clients_of(conn, [args.worker] if args.worker else None)
        names = {w.id: w.name for w, _ in await people_repo.list_workers(conn)}
    print(f"{'id':>4}  {'nickname':<20} {'status':<12} {'worker':<20} {'release':<10} joined")
    for c in clients:
        status = "unreachable" if c.unreachable and c.status != "closed" else c.status
        print(
            f"{c.id:>4}  {(c.nickname or '')[:20]:<20} {status:<12} "
            f"{names.get(c.worker_id or 0, '-')[:20]:<20} "
            f"{c.release_date.isoformat() if c.release_date else '-':<10} "
            f"{'yes' if c.joined_at else 'no'}"
        )
    return 0


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
    result = await item_service.add_appointment(core, None, args.client, at, args.place)
    if result.status != "ok" or result.appointment is None:
        raise _refused(result, "client")
    appt = result.appointment
    print(
        f"appointment #{appt.id} for client #{args.client}: {_local(core, appt.at)}, {appt.place}"
    )
    return 0


@with_core
async def cmd_appointment_list(core: Core, args: argparse.Namespace) -> int:
    """A client's appointments, coming and past."""
    client = await _client(core, args.client)
    async with core.db.read() as conn:
        appts = await items_repo.appointments_of(
            conn, client.id, statuses=("scheduled", "attended", "missed", "cancelled")
        )
    print(f"{'id':>4}  {'at':<16} {'status':<10} {'answer':<10} place")
    for a in appts:
        print(
            f"{a.id:>4}  {_local(core, a.at):<16} {a.status:<10} {a.confirmation or '-':<10} "
            f"{a.place}"
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
    due = _iso_date(args.due, "--due")
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
    client = await _client(core, args.client)
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


def _group(sub: Any, name: str, help_text: str) -> Any:
    parser = sub.add_parser(name, help=help_text)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    return actions


def register(sub: Any, worker_sub: Any) -> None:
    """Add the client, appointment and deadline commands."""
    clients = _group(sub, "client", "add clients and make their invites")
    p = clients.add_parser("add", help="a new client and its invite (link, code, QR image)")
    p.add_argument("--name", required=True, metavar="NICK", help="a first name or nickname")
    p.add_argument("--worker", required=True, type=int, metavar="ID", help="the worker's id")
    p.add_argument(
        "--language",
        metavar="L",
        help=f"one of {', '.join(LANGUAGES)} (default: the client's phone decides)",
    )
    p.add_argument("--release-date", metavar="YYYY-MM-DD", help="past dates are fine")
    p.add_argument("--qr", metavar="FILE", help="write the printable QR image (PNG) here")
    p.add_argument("--bot", metavar="USERNAME", help="the bot's @name for the link")
    p.set_defaults(func=cmd_client_add)
    p = clients.add_parser("invite", help="a new invite for a client (the old one stops)")
    p.add_argument("--client", required=True, type=int, metavar="ID")
    p.add_argument("--qr", metavar="FILE", help="write the printable QR image (PNG) here")
    p.add_argument("--bot", metavar="USERNAME", help="the bot's @name for the link")
    p.set_defaults(func=cmd_client_invite)
    p = clients.add_parser("list", help="list clients")
    p.add_argument("--worker", type=int, metavar="ID", help="only this worker's clients")
    p.set_defaults(func=cmd_client_list)
    from bot.cli_admin import cmd_export

    p = clients.add_parser("export", help="everything stored about one client, as JSON")
    p.add_argument("client_id", type=int, metavar="CLIENT_ID")
    p.add_argument("--out", metavar="FILE", help="write here (mode 0600) instead of stdout")
    p.set_defaults(func=cmd_export)

    appointments = _group(sub, "appointment", "appointments of clients")
    p = appointments.add_parser("add", help="an appointment; the client is told and reminded")
    p.add_argument("--client", required=True, type=int, metavar="ID")
    p.add_argument("--at", required=True, metavar=f'"{AT_FORMAT}"', help="local time")
    p.add_argument(
        "--place",
        required=True,
        metavar="TEXT",
        help=f"at most {item_service.MAX_PLACE} characters",
    )
    p.set_defaults(func=cmd_appointment_add)
    p = appointments.add_parser("list", help="a client's appointments")
    p.add_argument("--client", required=True, type=int, metavar="ID")
    p.set_defaults(func=cmd_appointment_list)
    p = appointments.add_parser("cancel", help="cancel an appointment; the client is told")
    p.add_argument("id", type=int, metavar="ID")
    p.set_defaults(func=cmd_appointment_cancel)

    deadlines = _group(sub, "deadline", "benefit deadlines of clients")
    p = deadlines.add_parser("add", help="a deadline; the client gets the policy's reminders")
    p.add_argument("--client", required=True, type=int, metavar="ID")
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
    p.add_argument("--client", required=True, type=int, metavar="ID")
    p.set_defaults(func=cmd_deadline_list)
    p = deadlines.add_parser("cancel", help="cancel a deadline")
    p.add_argument("id", type=int, metavar="ID")
    p.set_defaults(func=cmd_deadline_cancel)
