"""Time as an injected dependency, so tests move time instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

# Storage owns the stored time format; re-exported so callers above storage keep one import.
from storage.times import from_iso, utc_iso

__all__ = ["Clock", "FakeClock", "SystemClock", "from_iso", "utc_iso"]


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
