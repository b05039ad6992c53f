"""`silta policy ...`: show, apply and set the schedule policy.

A running bot picks up a policy stored here by its periodic policy reload.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core import Core
from bot.policy import NeedsForce, PolicyError, policy_from_toml, policy_to_toml
from bot.services import admin as admin_service
from bot.services.admin import PolicyChange
from silta.cli.common import EXIT_USAGE, CliError, add_group, with_core

# A policy file is a page of TOML; anything this big is the wrong file (read by size first).
MAX_POLICY_FILE = 1024 * 1024


def _problems(exc: PolicyError) -> int:
    """Every problem on its own line on stderr, naming the key; exit code 2."""
    if isinstance(exc, NeedsForce):
        print(
            "silta: nothing was changed; these are outside their usual range "
            "(add --force to store them anyway; it is audited):",
            file=sys.stderr,
        )
    else:
        print("silta: nothing was changed; fix these and try again:", file=sys.stderr)
    for key, reason in exc.problems:
        print(f"  {key}: {reason}", file=sys.stderr)
    return EXIT_USAGE


def _report(change: PolicyChange) -> None:
    """What a stored policy changed, for the operator."""
    if change.status == "unchanged":
        print(f"policy unchanged (version {change.version})")
        return
    for key, old, new in change.changes:
        print(f"{key}: {old} -> {new}")
    print(f"policy version {change.version} stored; re-planned {change.replanned} client(s)")


@with_core
async def cmd_policy_show(core: Core, args: argparse.Namespace) -> int:
    """Print the policy in force as TOML (a file `policy apply` reads back)."""
    policy = await admin_service.current_policy(core)
    sys.stdout.write(policy_to_toml(policy))
    return 0


def cmd_policy_apply(settings: Settings, args: argparse.Namespace) -> int:
    """Replace the whole policy with a TOML file; refused as a whole if anything is wrong."""
    path = Path(args.file)
    try:
        if not path.is_file():
            raise CliError(f"cannot read {path}: not a file")
        size = path.stat().st_size
        if size > MAX_POLICY_FILE:
            raise CliError(f"{path} is {size} bytes; a policy file is at most 1 MB")
        with path.open("rb") as fh:
            # Read one byte past the limit: a file growing after the size check is still cut.
            text = fh.read(MAX_POLICY_FILE + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    if len(text) > MAX_POLICY_FILE:
        raise CliError(f"{path} is over 1 MB; a policy file is at most 1 MB")
    try:
        args.policy = policy_from_toml(text, refuse_empty=True)
    except PolicyError as exc:
        return _problems(exc)
    return _store_policy(settings, args)


@with_core
async def _store_policy(core: Core, args: argparse.Namespace) -> int:
    """Store the policy read from the file and re-plan."""
    try:
        change = await admin_service.apply_policy(core, args.policy, None, force=args.force)
    except PolicyError as exc:
        return _problems(exc)
    _report(change)
    return 0


@with_core
async def cmd_policy_set(core: Core, args: argparse.Namespace) -> int:
    """Change one dotted key of the policy."""
    try:
        change = await admin_service.set_policy(
            core, None, args.key, " ".join(args.value), force=args.force
        )
    except PolicyError as exc:
        return _problems(exc)
    _report(change)
    return 0


FORCE_HELP = "store values outside their usual range (audited)"


def register(sub: Any) -> None:
    """Add the `policy` group."""
    policy = add_group(sub, "policy", "show or change the schedule policy")
    p = policy.add_parser("show", help="print the policy in force as TOML")
    p.set_defaults(func=cmd_policy_show)
    p = policy.add_parser("apply", help="replace the policy with a TOML file")
    p.add_argument("file", metavar="FILE.toml")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=cmd_policy_apply)
    p = policy.add_parser("set", help="change one value, e.g. checkins.answer_within 4h")
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="+")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=cmd_policy_set)
