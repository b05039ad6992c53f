"""`silta`: run the bot and do operators' chores. Every command has --help; bad input exits 2."""

from __future__ import annotations

import re
import sqlite3
import sys

from bot.config import ConfigError, StartupError, load_settings
from silta.cli import (
    admins,
    backup,
    clients,
    contacts,
    data,
    guide,
    items,
    partners,
    plan,
    policy,
    records,
    run,
    workers,
)
from silta.cli.common import EXIT_USAGE, CliError, Parser
from storage.backup import BackupError
from storage.db import DatabaseProblem, explain


def build_parser() -> Parser:
    """The whole command tree, in the order `silta --help` lists it."""
    parser = Parser(
        prog="silta",
        description="Silta: keeps social workers and their clients in touch on Telegram.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    groups = (run, admins, workers, partners, clients, items, plan, contacts, policy, guide, data)
    for group in (*groups, backup, records):
        group.register(sub)
    return parser


# Options whose value may be a negative offset ("--due -14d"): argparse would read "-14d" as an
# unknown option, so such a value is glued to its option ("--due=-14d") before parsing.
_OFFSET_OPTIONS = ("--due",)
_OFFSET = re.compile(r"-\d+[a-z]*")


def _glue_offsets(argv: list[str]) -> list[str]:
    """`argv` with every offset-taking option written `--opt=VALUE` when VALUE starts with '-'."""
    out: list[str] = []
    pending = None
    for arg in argv:
        if pending is not None and _OFFSET.fullmatch(arg):
            out[-1] = f"{pending}={arg}"
        else:
            out.append(arg)
        pending = arg if arg in _OFFSET_OPTIONS else None
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `silta` console script."""
    parser = build_parser()
    args = parser.parse_args(_glue_offsets(sys.argv[1:] if argv is None else argv))
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _one_line(str(exc), EXIT_USAGE)
    try:
        return int(args.func(settings, args) or 0)
    except (ConfigError, CliError) as exc:
        return _one_line(str(exc), EXIT_USAGE)
    except (DatabaseProblem, BackupError, StartupError) as exc:
        return _one_line(str(exc), exc.exit_code)
    except sqlite3.Error as exc:
        # A full disk or a damaged file met in the middle of a command: one line, no traceback.
        problem = explain(exc, settings.db)
        return _one_line(str(problem), problem.exit_code)
    except KeyboardInterrupt:
        return 0


def _one_line(message: str, code: int) -> int:
    """Print the problem as one line on stderr; the exit code README's table lists."""
    print(f"silta: {' '.join(message.split())}", file=sys.stderr)
    return code
