"""The admin's data commands: audit log, statistics, purge and export."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.core import Core
from bot.policy import local_to_utc
from bot.services import stats as stats_service
from bot.services.retention import purge
from silta.cli.common import CliError, audit_cli, db_id, with_core, write_private
from storage import admin as admin_repo
from storage import retention as retention_repo

AUDIT_COLUMNS = ("at", "actor_id", "actor_kind", "action", "client_id", "detail")


def _local_day(text: str, core: Core) -> datetime:
    """Start of a local YYYY-MM-DD day, as UTC."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--since must be a date like 2026-12-01, not {text!r}") from None
    return local_to_utc(day, time(0, 0), core.policy.zone)


@with_core
async def cmd_audit(core: Core, args: argparse.Namespace) -> int:
    """The audit log as CSV, oldest first."""
    since = _local_day(args.since, core) if args.since else None
    async with core.db.read() as conn:
        entries = await admin_repo.audit_entries(conn, since=since, newest_first=False)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "" if e.actor_id is None else e.actor_id,
                e.actor_kind,
                e.action,
                "" if e.client_id is None else e.client_id,
                e.detail or "",
            ]
        )
    return 0


def stats_lines(s: stats_service.Stats) -> list[str]:
    """The statistics as plain text lines."""
    rate = f"{s.answer_rate:.0%}" if s.answer_rate is not None else "-"
    lines = [
        f"period: last {s.days} days ({s.since:%Y-%m-%d %H:%M} - {s.until:%Y-%m-%d %H:%M} UTC)",
        "clients now: " + ", ".join(f"{k} {v}" for k, v in s.clients.items()),
        f"check-ins: {s.checkins_sent} sent, {s.checkins_answered} answered ({rate}), "
        f"median time to answer {stats_service.format_span(s.median_answer)}",
        f"alerts: {s.alerts_total} raised, median time until taken "
        f"{stats_service.format_span(s.median_acknowledge)}",
    ]
    lines += [f"  {reason}: {count}" for reason, count in s.alerts.items()]
    a = s.appointments
    lines.append(
        f"appointments: {a.get('total', 0)}, {a.get('confirmed', 0)} confirmed, "
        f"{a.get('attended', 0)} attended, {a.get('missed', 0)} missed, "
        f"{a.get('cancelled', 0)} cancelled"
    )
    return lines


@with_core
async def cmd_stats(core: Core, args: argparse.Namespace) -> int:
    """Print the statistics of the last N days."""
    try:
        stats_service.check_days(args.days)
    except ValueError as exc:
        raise CliError(f"--{exc}") from None
    print("\n".join(stats_lines(await stats_service.gather(core, args.days))))
    return 0


@with_core
async def cmd_purge(core: Core, args: argparse.Namespace) -> int:
    """Delete the personal data of clients closed longer than the retention period."""
    count = await purge(core)
    await audit_cli(core, "retention.purge", detail=f"{count} clients")
    print(f"purged {count} client(s)")
    return 0


@with_core
async def cmd_export(core: Core, args: argparse.Namespace) -> int:
    """Everything stored about one client as JSON (a subject access request)."""
    async with core.db.read() as conn:
        data = await retention_repo.export_client(conn, args.client_id)
    if data is None:
        raise CliError(f"no client #{args.client_id}")
    await audit_cli(core, "client.export", client_id=args.client_id)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        try:
            write_private(Path(args.out), text.encode())
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc}") from None
        print(f"client #{args.client_id} exported to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(sub: Any) -> None:
    """Add audit, stats, purge and export."""
    p = sub.add_parser("audit", help="export the audit log as CSV")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="from this local day on (default: all)")
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("stats", help="statistics of the last days")
    p.add_argument("--days", type=int, default=stats_service.DEFAULT_DAYS, metavar="N")
    p.set_defaults(func=cmd_stats)
    p = sub.add_parser("purge", help="delete personal data of clients closed long enough ago")
    p.set_defaults(func=cmd_purge)
    p = sub.add_parser("export", help="everything stored about one client, as JSON")
    p.add_argument("client_id", type=db_id, metavar="CLIENT_ID")
    p.add_argument("--out", metavar="FILE", help="write to FILE (mode 0600) instead of stdout")
    p.set_defaults(func=cmd_export)
