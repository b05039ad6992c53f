"""`silta backup` and `silta restore`: a verified copy while the bot runs, and putting one back."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core import Core
from silta.cli.common import audit_cli, open_core, with_core
from storage.backup import BackupError, backup, restore_copy, take_restore_lock


@with_core
async def cmd_backup(core: Core, args: argparse.Namespace) -> int:
    """Copy, verify, then say so (and audit it); anything less is exit code 1."""
    target = Path(args.file)
    counts = await backup(core.db, target, replace=args.force)
    await audit_cli(core, "db.backup")
    rows = sum(counts.values())
    print(f"backup written to {target} and verified ({rows} rows in {len(counts)} tables)")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Put a checked backup in place of the database; the bot must be stopped."""
    live = settings.db.expanduser()
    settings.check_db_writable()
    lock = take_restore_lock(live)
    if lock is None:
        raise BackupError(f"a Silta bot is running on {live}; stop it first, then restore")
    try:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = restore_copy(Path(args.file), live, stamp)
        asyncio.run(_audit_restore(settings))
    finally:
        if lock >= 0:
            os.close(lock)
    kept = f"; the replaced files are kept as {aside}" if aside else ""
    print(f"restored {live} from {args.file}{kept}")
    return 0


async def _audit_restore(settings: Settings) -> None:
    """Open the restored database (applying newer migrations) and audit the restore."""
    core = await open_core(settings)
    try:
        if not await core.db.integrity_ok():
            raise BackupError(f"the restored {core.db.path} fails SQLite's integrity check")
        await audit_cli(core, "db.restore")
    finally:
        await core.db.close()


def register(sub: Any) -> None:
    """Add backup and restore."""
    p = sub.add_parser("backup", help="copy the database while the bot runs, verified")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it is a regular file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    p.add_argument("file", metavar="BACKUP")
    p.set_defaults(func=cmd_restore)
