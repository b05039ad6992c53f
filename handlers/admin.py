"""The admin's side of the bot."""

from __future__ import annotations

MENU: tuple[tuple[str, str], ...] = ()
COMMANDS: dict = {}
CALLBACKS: dict = {}
