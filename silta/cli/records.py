"""`silta client summary` and `silta report`: a client's record summary and a team's report,
the same facts as /summary and the admin's team view in the bot. Each run is audited."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from typing import Any

from bot.core import Core
from bot.i18n import LANGUAGES, translator
from bot.records_text import report_csv, report_rows, summary_csv, summary_json, summary_text
from bot.services import records as records_service
from silta.cli.common import CliError, existing_client, iso_date, with_core

FORMATS = ("text", "csv", "json")


def _day_start(core: Core, text: str | None, option: str) -> datetime | None:
    """Start of a local YYYY-MM-DD day as UTC (None when the option was not given)."""
    if text is None:
        return None
    return records_service.local_day_start(core, iso_date(text, option))


def _until(core: Core, text: str | None) -> datetime | None:
    """--until DAY includes that whole local day."""
    if text is None:
        return None
    return records_service.local_day_start(core, iso_date(text, "--until") + timedelta(days=1))


@with_core
async def cmd_summary(core: Core, args: argparse.Namespace) -> int:
    """One client's summary for the client record system."""
    client = await existing_client(core, args.client_id)
    since = _day_start(core, args.since, "--since")
    until = _until(core, args.until)
    result = await records_service.summary(core, None, client.id, since, until)
    if result.summary is None:
        raise CliError("--since must be before --until, and the period at most 10 years")
    s = result.summary
    lang = args.language or (s.worker.language if s.worker is not None else "fi")
    t = translator(lang)
    zone = core.policy.zone
    if args.format == "csv":
        sys.stdout.write(summary_csv(t, zone, s))
    elif args.format == "json":
        sys.stdout.write(json.dumps(summary_json(t, zone, s), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(summary_text(t, zone, s))
    return 0


@with_core
async def cmd_report(core: Core, args: argparse.Namespace) -> int:
    """One row per client of a team, with the summary's totals."""
    since = _day_start(core, args.since, "--since")
    assert since is not None
    until = _until(core, args.until) or core.now()
    result = await records_service.team_report(core, None, args.team, since, until)
    if result.status == "no_team":
        raise CliError(f"no team {args.team!r}; `silta team list` shows the teams")
    if result.report is None:
        raise CliError("--since must be before --until, and the period at most 10 years")
    if args.format == "json":
        data: dict[str, Any] = {
            "team": result.report.team,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "clients": report_rows(result.report),
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(report_csv(result.report))
    return 0


def _client_group(sub: Any) -> Any:
    """The `client` group's actions, to add `summary` next to add, invite, list and export."""
    for action in sub.choices["client"]._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the client command group is registered before records")


def register(sub: Any) -> None:
    """Add `client summary` and `report`."""
    p = _client_group(sub).add_parser(
        "summary", help="a client's summary for the client record system"
    )
    p.add_argument("client_id", type=int, metavar="CLIENT_ID")
    p.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="from this local day (default: the "
        "end of the last summary marked recorded, else 30 days ago)",
    )
    p.add_argument(
        "--until", metavar="YYYY-MM-DD", help="up to and including this day (default: now)"
    )
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--language", choices=LANGUAGES, help="default: the responsible worker's")
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser("report", help="one row per client of a team, with the summary totals")
    p.add_argument("--team", required=True, metavar="NAME")
    p.add_argument("--since", required=True, metavar="YYYY-MM-DD")
    p.add_argument(
        "--until", metavar="YYYY-MM-DD", help="up to and including this day (default: now)"
    )
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(func=cmd_report)
