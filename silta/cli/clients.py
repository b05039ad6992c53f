"""`silta client ...`: clients and their invite cards, for workers' bulk work.

Invites need the bot's @name for the link: the running bot records it in the database, and
`--bot NAME` overrides it (for example before the bot has ever started).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from bot.core import Core
from bot.i18n import LANGUAGES
from bot.invites import deep_link
from bot.services import onboarding
from bot.services.onboarding import InviteCard, OnboardingError
from silta.cli.common import (
    CliError,
    add_group,
    existing_client,
    iso_date,
    local_text,
    with_core,
    write_private,
)
from silta.cli.data import cmd_export
from storage import people as people_repo

NICKNAME_PROBLEMS = {
    "identity_code": "--name looks like a personal identity code; use a first name or nickname",
    "nickname_length": f"--name must be 1-{onboarding.MAX_NICKNAME} characters",
    "language": f"--language must be one of {', '.join(LANGUAGES)}",
    "backup": "that backup worker cannot be used",
}


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
    print(f"expires: {local_text(core, card.expires_at)} {core.policy.timezone}")
    if qr:
        print(f"qr:      {qr}")


@with_core
async def cmd_client_add(core: Core, args: argparse.Namespace) -> int:
    """A new client for a worker, with the invite link, code and QR file."""
    if args.language is not None and args.language not in LANGUAGES:
        raise CliError(NICKNAME_PROBLEMS["language"])
    release = iso_date(args.release_date, "--release-date") if args.release_date else None
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
    client = await existing_client(core, args.client)
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


def _release_arg(core: Core, value: str) -> date | None:
    """--release-date: YYYY-MM-DD within the sensible range, or "none" when not known."""
    if value.lower() in ("none", "unknown", "-"):
        return None
    release = iso_date(value, "--release-date")
    today = core.now().astimezone(core.policy.zone).date()
    if abs((release - today).days) > onboarding.RELEASE_RANGE_DAYS:
        raise CliError("--release-date is too far from today")
    return release


@with_core
async def cmd_client_set(core: Core, args: argparse.Namespace) -> int:
    """Correct a client's release date; the client's messages are planned again from it."""
    client = await existing_client(core, args.client_id)
    release = _release_arg(core, args.release_date)
    changed = await onboarding.set_release_date(core, None, client.id, release)
    if changed is None:
        raise CliError(f"client #{client.id} is closed")
    shown = release.isoformat() if release else "not known"
    print(f"client #{client.id} {client.nickname}: release date {shown}; messages re-planned")
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


def register(sub: Any) -> None:
    """Add the `client` group."""
    clients = add_group(sub, "client", "add clients and make their invites")
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
    p = clients.add_parser("set", help="correct a client's details (the release date)")
    p.add_argument("client_id", type=int, metavar="CLIENT_ID")
    p.add_argument(
        "--release-date",
        required=True,
        metavar="YYYY-MM-DD",
        help='the corrected release date, or "none" when not known; planning follows',
    )
    p.set_defaults(func=cmd_client_set)
    p = clients.add_parser("list", help="list clients")
    p.add_argument("--worker", type=int, metavar="ID", help="only this worker's clients")
    p.set_defaults(func=cmd_client_list)
    # The same command as `silta export`, where a worker looks for it.
    p = clients.add_parser("export", help="everything stored about one client, as JSON")
    p.add_argument("client_id", type=int, metavar="CLIENT_ID")
    p.add_argument("--out", metavar="FILE", help="write here (mode 0600) instead of stdout")
    p.set_defaults(func=cmd_export)
