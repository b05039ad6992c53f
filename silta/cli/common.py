"""What every command group shares: errors, the parser class, opening the core, small helpers."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Core
from bot.services.access import visible_client
from bot.services.audit import audit_by
from storage.db import Database
from storage.models import Client

EXIT_USAGE = 2
# SQLite stores integers in 8 bytes; ids and Telegram ids are positive.
MAX_ID = 2**63 - 1


class CliError(Exception):
    """A problem the operator can fix; printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse that prints one clear line and exits 2 on bad arguments."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def db_id(text: str) -> int:
    """An argparse type for ids: a whole number SQLite can store (1 to 2^63-1)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text} is out of range (1 to {MAX_ID})")
    return value


def check_writable_file(path: Path, option: str) -> None:
    """Fail before anything is changed when `path` cannot be written as a new or regular file."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.exists() and not path.is_file():
        raise CliError(f"{option} {path} is not a regular file")
    if path.exists() and not os.access(path, os.W_OK):
        raise CliError(f"{option} {path} is not writable")
    if not parent.is_dir():
        raise CliError(f"{option} {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CliError(f"{option} {path}: folder {parent} is not writable")


def add_group(sub: Any, name: str, help_text: str) -> Any:
    """A command group (`silta NAME ACTION`) whose ACTION is required."""
    parser = sub.add_parser(name, help=help_text)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    return actions


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


def iso_date(text: str, option: str) -> date:
    """A YYYY-MM-DD option's value, or a one-line error naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} must be a date like 2026-12-24, not {text!r}") from None


def local_text(core: Core, when: datetime) -> str:
    """A stored UTC time as the policy's local "YYYY-MM-DD HH:MM"."""
    return when.astimezone(core.policy.zone).strftime("%Y-%m-%d %H:%M")


async def existing_client(core: Core, client_id: int) -> Client:
    """The client with this id, or a one-line error."""
    async with core.db.read() as conn:
        client = await visible_client(conn, None, client_id)
    if client is None:
        raise CliError(f"no client #{client_id}")
    return client
