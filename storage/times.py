"""How datetimes are stored: sortable ISO strings in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["from_iso", "utc_iso"]

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_iso(value: datetime) -> str:
    """Store datetimes as sortable ISO strings in UTC."""
    return value.astimezone(UTC).strftime(_FORMAT)


def from_iso(value: str) -> datetime:
    """Parse a stored UTC ISO string."""
    return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)
