"""`silta guide ...`: show and apply the service guide clients read with /guide."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core import Core
from bot.guide import GuideError, guide_from_toml, guide_to_toml
from bot.services import guide as guide_service
from silta.cli.common import EXIT_USAGE, CliError, add_group, with_core

# A guide is a few pages of TOML; anything this big is the wrong file (read by size first).
MAX_GUIDE_FILE = 1024 * 1024


@with_core
async def cmd_guide_show(core: Core, args: argparse.Namespace) -> int:
    """Print the guide in force as TOML (a file `guide apply` reads back)."""
    version, guide = await guide_service.current_guide(core)
    where = f"version {version}" if version else "the default shipped with Silta"
    sys.stdout.write(f"# In force: {where}.\n" + guide_to_toml(guide))
    return 0


def _read(path: Path) -> str:
    """The file's text, refused when it is not a readable UTF-8 file of at most 1 MB."""
    try:
        if not path.is_file():
            raise CliError(f"cannot read {path}: not a file")
        if path.stat().st_size > MAX_GUIDE_FILE:
            raise CliError(f"{path} is over 1 MB; a guide file is at most 1 MB")
        with path.open("rb") as fh:
            text = fh.read(MAX_GUIDE_FILE + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    if len(text) > MAX_GUIDE_FILE:
        raise CliError(f"{path} is over 1 MB; a guide file is at most 1 MB")
    return text


def cmd_guide_apply(settings: Settings, args: argparse.Namespace) -> int:
    """Check a guide file whole; store it only when nothing is wrong."""
    try:
        args.guide = guide_from_toml(_read(Path(args.file)))
    except GuideError as exc:
        print("silta: nothing was changed; fix these and try again:", file=sys.stderr)
        for place, what in exc.problems:
            print(f"  {place}: {what}", file=sys.stderr)
        return EXIT_USAGE
    return _store(settings, args)


@with_core
async def _store(core: Core, args: argparse.Namespace) -> int:
    """Store the checked guide."""
    change = await guide_service.apply_guide(core, args.guide, None)
    if change.status == "unchanged":
        print(f"guide unchanged (version {change.version})")
    else:
        fallbacks = [t.key for t in args.guide.topics if t.fallback]
        print(f"guide version {change.version} stored: {len(args.guide.topics)} topics")
        if fallbacks:
            print("shown in fi/en with a note where not translated: " + ", ".join(fallbacks))
    return 0


def register(sub: Any) -> None:
    """Add the `guide` group."""
    guide = add_group(sub, "guide", "show or change the service guide clients read with /guide")
    p = guide.add_parser("show", help="print the guide in force as TOML")
    p.set_defaults(func=cmd_guide_show)
    p = guide.add_parser("apply", help="replace the guide with a TOML file (checked whole)")
    p.add_argument("file", metavar="FILE.toml")
    p.set_defaults(func=cmd_guide_apply)
