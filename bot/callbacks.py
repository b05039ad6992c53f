"""Callback data codec: `v1:<kind>:<id>:<choice>`, always within Telegram's 64 bytes.

Buttons carry only ids and a choice; whether the press is still valid, and whether the presser
may make it, is decided from the database, so an old or forged button changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.-]{0,24}$")


@dataclass(frozen=True)
class Callback:
    """A decoded button press."""

    kind: str
    id: int
    choice: str


def encode(kind: str, item_id: int, choice: str = "") -> str:
    """Build callback data; raises ValueError if it would not fit or has odd characters."""
    if not _PART.match(kind) or not _PART.match(choice) or item_id < 0:
        raise ValueError("callback parts must be short and plain")
    data = f"{VERSION}:{kind}:{item_id}:{choice}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None for anything that is not ours or not this version."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != VERSION:
        return None
    _, kind, raw_id, choice = parts
    if not _PART.match(kind) or not _PART.match(choice) or not raw_id.isdigit():
        return None
    if len(raw_id) > 12:
        return None
    return Callback(kind=kind, id=int(raw_id), choice=choice)
