"""`silta`: run the bot and do operators' chores. Every command has --help; bad input exits 2."""

from __future__ import annotations

import sys

from bot.config import ConfigError, load_settings
from silta.cli import admins, clients, data, items, policy, records, run, workers
from silta.cli.common import EXIT_USAGE, CliError, Parser


def build_parser() -> Parser:
    """The whole command tree, in the order `silta --help` lists it."""
    parser = Parser(
        prog="silta",
        description="Silta: keeps social workers and their clients in touch on Telegram.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for group in (run, admins, workers, clients, items, policy, data, records):
        group.register(sub)
    return parser


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
