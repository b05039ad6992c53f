"""The admin's side of the bot: policy, workers and teams, audit log, statistics.

Also the worker command /cadence (exported as WORKER_COMMANDS for the router to merge).
"""

from __future__ import annotations

from handlers.admin import addworker, audit, cadence, policy, report, stats, teams, workers
from handlers.common import Command, Press

COMMANDS: dict[str, Command] = {
    # Admins are workers too; /cadence is also in WORKER_COMMANDS for the router to merge.
    "cadence": cadence.cmd_cadence,
    "policy": policy.cmd_policy,
    "addworker": addworker.cmd_addworker,
    "workers": workers.cmd_workers,
    "teams": teams.cmd_teams,
    "team": teams.cmd_team,
    "makeadmin": workers.cmd_makeadmin,
    "audit": audit.cmd_audit,
    "stats": stats.cmd_stats,
    "report": report.cmd_report,
}
CALLBACKS: dict[str, Press] = {
    "adw": workers.on_worker_button,
    "adt": addworker.on_addworker_team,
    "adl": addworker.on_addworker_language,
}
WORKER_COMMANDS: dict[str, Command] = {
    "cadence": cadence.cmd_cadence,
}
