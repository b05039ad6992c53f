"""`silta worker ...`: register, list, deactivate and reactivate workers."""

from __future__ import annotations

import argparse
from typing import Any

from bot.core import Core
from bot.i18n import LANGUAGES
from bot.services import admin as admin_service
from bot.services import onboarding
from bot.services.audit import audit_by
from silta.cli.common import CliError, add_group, db_id, with_core
from storage import people as people_repo


@with_core
async def cmd_worker_add(core: Core, args: argparse.Namespace) -> int:
    """Register a worker by Telegram id."""
    name = args.name.strip()
    if not name or len(name) > 64:
        raise CliError("--name must be 1-64 characters")
    if args.language not in LANGUAGES:
        raise CliError(f"--language must be one of {', '.join(LANGUAGES)}")
    now = core.now()
    async with core.db.tx() as conn:
        if await people_repo.worker_by_telegram(conn, args.telegram_id) is not None:
            raise CliError(f"telegram id {args.telegram_id} is already a worker")
        if await people_repo.client_by_telegram(conn, args.telegram_id) is not None:
            raise CliError(f"telegram id {args.telegram_id} belongs to a client")
        team = None
        if args.team:
            team = await people_repo.team_by_name(conn, args.team.strip(), now, create=True)
        worker = await people_repo.add_worker(
            conn,
            name=name,
            now=now,
            telegram_id=args.telegram_id,
            team_id=team.id if team else None,
            language=args.language,
        )
        await audit_by(conn, now, None, "worker.add", detail=f"worker {worker.id}")
    print(f"worker #{worker.id} {worker.name}" + (f" in team {team.name}" if team else ""))
    bot = (args.bot or await onboarding.known_bot_username(core) or "").removeprefix("@")
    where = f"https://t.me/{bot}" if bot else "the bot in Telegram"
    print(f"join:    {where}")
    print(
        "The worker must open this and press Start: until they do, Silta cannot message them "
        "and their alerts go to the next step."
    )
    return 0


@with_core
async def cmd_worker_list(core: Core, args: argparse.Namespace) -> int:
    """List workers with their client counts."""
    async with core.db.read() as conn:
        rows = await people_repo.list_workers(conn)
        teams = {t.id: t.name for t, _ in await people_repo.list_teams(conn)}
    print(
        f"{'id':>4}  {'name':<24} {'role':<7} {'team':<16} {'active':<6} {'joined':<6} "
        f"{'reach':<11} clients"
    )
    for worker, count in rows:
        # "unreachable": Telegram refused their chat (never opened the bot, blocked it).
        reach = "unreachable" if worker.unreachable else "ok"
        print(
            f"{worker.id:>4}  {worker.name[:24]:<24} {worker.role:<7} "
            f"{teams.get(worker.team_id or 0, '-')[:16]:<16} "
            f"{'yes' if worker.active else 'no':<6} "
            f"{'yes' if worker.telegram_id else 'no':<6} {reach:<11} {count}"
        )
    return 0


@with_core
async def cmd_worker_deactivate(core: Core, args: argparse.Namespace) -> int:
    """Deactivate a worker: their open alerts go to the team; list their clients to hand over."""
    change = await admin_service.deactivate_worker(core, None, args.worker_id)
    if change.status == "not_found" or change.worker is None:
        raise CliError(f"no worker #{args.worker_id}")
    if change.status == "unchanged":
        print(f"worker #{change.worker.id} was already inactive")
    else:
        print(
            f"worker #{change.worker.id} deactivated; {change.moved_alerts} open alert(s) "
            "moved to the team"
        )
    for client in change.clients:
        print(f"  hand over client #{client.id}: /handover {client.id} WORKER")
    return 0


@with_core
async def cmd_worker_reactivate(core: Core, args: argparse.Namespace) -> int:
    """Let a deactivated worker use Silta again."""
    change = await admin_service.reactivate_worker(core, None, args.worker_id)
    if change.worker is None:
        raise CliError(f"no worker #{args.worker_id}")
    state = "was already active" if change.status == "unchanged" else "reactivated"
    print(f"worker #{change.worker.id} {state}")
    return 0


def register(sub: Any) -> None:
    """Add the `worker` group."""
    worker = add_group(sub, "worker", "manage workers")
    p = worker.add_parser("add", help="register a worker by Telegram id")
    p.add_argument("--telegram-id", type=db_id, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--team")
    p.add_argument("--language", default="fi")
    p.add_argument("--bot", help="the bot's @username for the join link (else the one recorded)")
    p.set_defaults(func=cmd_worker_add)
    p = worker.add_parser("list", help="list workers")
    p.set_defaults(func=cmd_worker_list)
    p = worker.add_parser("deactivate", help="deactivate a worker (alerts go to the team)")
    p.add_argument("worker_id", type=db_id, metavar="WORKER_ID")
    p.set_defaults(func=cmd_worker_deactivate)
    p = worker.add_parser("reactivate", help="reactivate a worker")
    p.add_argument("worker_id", type=db_id, metavar="WORKER_ID")
    p.set_defaults(func=cmd_worker_reactivate)
