"""`silta`: run the bot and do operators' chores. Every command has --help; bad input exits 2."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.core import Core
from bot.services.workers import audit_by
from storage import people as people_repo
from storage.db import Database

EXIT_USAGE = 2


class CliError(Exception):
    """A problem the operator can fix; printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse that prints one clear line and exits 2 on bad arguments."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def setup_logging(level: str) -> None:
    """Log format without message bodies; third-party HTTP logs would print the token in URLs."""
    # Third-party DEBUG logs print whole updates (python-telegram-bot) and SQL parameters
    # (aiosqlite): only Silta's own loggers follow SILTA_LOG_LEVEL below INFO.
    logging.basicConfig(
        level=max(logging.INFO, logging.getLevelName(level)),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for own in ("bot", "handlers", "storage"):
        logging.getLogger(own).setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram.ext.ExtBot", "telegram.Bot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Silta re-queues a 429 itself; the rate limiter would log each one as an ERROR.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


async def open_core(settings: Settings) -> Core:
    """A Core for CLI commands (no Telegram; the running bot's dispatcher sends what is planned)."""
    settings.check_db_writable()
    db = await Database.open(settings.db)
    core = Core(db=db, clock=SystemClock(), settings=settings)
    await core.load_policy()
    return core


def with_core(fn: Callable[[Core, argparse.Namespace], Awaitable[int]]) -> Callable[..., int]:
    """Run an async command with an open Core, closing the database afterwards."""

    def runner(settings: Settings, args: argparse.Namespace) -> int:
        async def main() -> int:
            core = await open_core(settings)
            try:
                return await fn(core, args)
            finally:
                await core.db.close()

        return asyncio.run(main())

    return runner


# --- commands ----------------------------------------------------------------------------------


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (it holds personal data or lets someone join)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    # O_CREAT's mode applies only to a new file; an existing one is narrowed too.
    os.chmod(path, 0o600)


async def audit_cli(
    core: Core, action: str, *, client_id: int | None = None, detail: str | None = None
) -> None:
    """Audit a command-line action in a transaction of its own."""
    async with core.db.tx() as conn:
        await audit_by(conn, core.now(), None, action, client_id=client_id, detail=detail)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the bot until SIGINT/SIGTERM."""
    from silta.app import run

    settings.require_token()
    settings.check_db_writable()
    if settings.webhook_url and settings.webhook_secret is None:
        raise ConfigError("SILTA_WEBHOOK_SECRET must be set when SILTA_WEBHOOK_URL is set")
    setup_logging(settings.log_level)
    return run(settings)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Apply pending migrations."""
    from storage.db import migrate

    settings.check_db_writable()
    applied = asyncio.run(migrate(settings.db))
    print(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    return 0


@with_core
async def cmd_admin_add(core: Core, args: argparse.Namespace) -> int:
    """Make a Telegram user an admin."""
    now = core.now()
    async with core.db.tx() as conn:
        worker = await people_repo.worker_by_telegram(conn, args.telegram_id)
        if worker is None:
            worker = await people_repo.add_worker(
                conn, name=args.name or "Admin", now=now, telegram_id=args.telegram_id, role="admin"
            )
        else:
            worker = await people_repo.update_worker(conn, worker.id, role="admin", active=1)
        assert worker is not None
        await audit_by(conn, now, None, "admin.add", detail=f"worker {worker.id}")
    print(f"admin #{worker.id} (telegram id {args.telegram_id})")
    return 0


@with_core
async def cmd_worker_add(core: Core, args: argparse.Namespace) -> int:
    """Register a worker by Telegram id."""
    from bot.i18n import LANGUAGES

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
    return 0


@with_core
async def cmd_worker_list(core: Core, args: argparse.Namespace) -> int:
    """List workers with their client counts."""
    async with core.db.read() as conn:
        rows = await people_repo.list_workers(conn)
        teams = {t.id: t.name for t, _ in await people_repo.list_teams(conn)}
    print(f"{'id':>4}  {'name':<24} {'role':<7} {'team':<16} {'active':<6} {'joined':<6} clients")
    for worker, count in rows:
        print(
            f"{worker.id:>4}  {worker.name[:24]:<24} {worker.role:<7} "
            f"{teams.get(worker.team_id or 0, '-')[:16]:<16} "
            f"{'yes' if worker.active else 'no':<6} "
            f"{'yes' if worker.telegram_id else 'no':<6} {count}"
        )
    return 0


def build_parser() -> Parser:
    """The whole command tree."""
    parser = Parser(
        prog="silta",
        description="Silta: keeps social workers and their clients in touch on Telegram.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    p = sub.add_parser("run", help="run the bot (long polling, or webhook if configured)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

    admin = sub.add_parser("admin", help="manage admins")
    admin_sub = admin.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    admin_sub.required = True
    p = admin_sub.add_parser("add", help="make a Telegram user an admin")
    p.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    p.add_argument("--name", help="display name (default: Admin)")
    p.set_defaults(func=cmd_admin_add)

    worker = sub.add_parser("worker", help="manage workers")
    worker_sub = worker.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    worker_sub.required = True
    p = worker_sub.add_parser("add", help="register a worker by Telegram id")
    p.add_argument("--telegram-id", type=int, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--team")
    p.add_argument("--language", default="fi")
    p.set_defaults(func=cmd_worker_add)
    p = worker_sub.add_parser("list", help="list workers")
    p.set_defaults(func=cmd_worker_list)

    for extend in _extensions():
        extend(sub, worker_sub)
    return parser


def _extensions() -> list[Callable[[Any, Any], None]]:
    """Command groups defined next to their services."""
    from bot import cli_admin, cli_clients

    return [cli_clients.register, cli_admin.register]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `silta` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        return int(args.func(settings, args) or 0)
    except (ConfigError, CliError) as exc:
        print(f"silta: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 0
