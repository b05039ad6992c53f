"""Time as an injected dependency, so tests move time instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Current UTC time."""
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand; listeners hear about every jump (the dispatcher re-arms)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """Current fake UTC time."""
        return self._now

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every change of time."""
        self._listeners.append(listener)

    def set(self, when: datetime) -> None:
        """Jump to `when` (never backwards)."""
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError("time does not run backwards")
        self._now = when
        for listener in list(self._listeners):
            listener()

    def advance(self, delta: timedelta | float) -> None:
        """Move forward by a timedelta or seconds."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self.set(self._now + delta)


def utc_iso(value: datetime) -> str:
    """Store datetimes as sortable ISO strings in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(value: str) -> datetime:
    """Parse a stored UTC ISO string."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def seconds_until(clock: Clock, when: datetime) -> float:
    """Non-negative seconds from now until `when`."""
    return max(0.0, (when - clock.now()) / timedelta(seconds=1))
