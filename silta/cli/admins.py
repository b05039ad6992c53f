"""`silta admin add`: make a Telegram user an admin."""

from __future__ import annotations

import argparse
from typing import Any

from bot.core import Core
from bot.services.audit import audit_by
from silta.cli.common import add_group, db_id, with_core
from storage import people as people_repo


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


def register(sub: Any) -> None:
    """Add the `admin` group."""
    admin = add_group(sub, "admin", "manage admins")
    p = admin.add_parser("add", help="make a Telegram user an admin")
    p.add_argument("telegram_id", type=db_id, metavar="TELEGRAM_ID")
    p.add_argument("--name", help="display name (default: Admin)")
    p.set_defaults(func=cmd_admin_add)
