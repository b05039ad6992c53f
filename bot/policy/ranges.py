"""Every policy setting's sane range: a hard range nothing may leave, and a usual (soft) range
that takes an admin's explicit `force` (audited) to leave.

The hard ranges are checked by the model itself, so no path (CLI, bot, a stored JSON) gets a
one-second check-in cadence or a one-second retention past it. The soft ranges are checked
only where an admin changes the policy (`soft_problems`), because a policy outside them can be
right for a tester or an unusual service, but should never be typed by accident.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from bot.durations import format_duration
from bot.i18n import N_
from bot.reasons import Reason as R

__all__ = [
    "CLOCK_RANGES",
    "DURATION_RANGES",
    "LIST_LIMITS",
    "UNTIL_DAY",
    "ClockRange",
    "Span",
    "hard_problem",
    "soft_problems",
]

M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """A duration's hard range [low, high] and its usual range [soft_low, soft_high]."""

    low: timedelta
    high: timedelta
    soft_low: timedelta
    soft_high: timedelta

    def hard(self, value: timedelta) -> str | None:
        """Why `value` can never be stored, or None."""
        if self.low <= value <= self.high:
            return None
        return R(
            N_("must be between {low} and {high}"),
            low=format_duration(self.low),
            high=format_duration(self.high),
        )

    def soft(self, value: timedelta) -> str | None:
        """Why `value` needs force, or None."""
        if self.soft_low <= value <= self.soft_high:
            return None
        return R(
            N_("{value} is outside the usual range {low} to {high}"),
            value=format_duration(value),
            low=format_duration(self.soft_low),
            high=format_duration(self.soft_high),
        )


# Keys of list items name the list ("checkins.phases.every" is every phase's `every`).
DURATION_RANGES: dict[str, Span] = {
    "invite_lifetime": Span(H, 90 * D, D, 30 * D),
    "retention": Span(D, 3650 * D, 30 * D, 1825 * D),
    # A minute is the hard floor so testers can run a scenario in minutes (with force); the
    # usual floor of 4 h is what keeps 300 clients from getting a message a minute.
    "checkins.phases.every": Span(M, 90 * D, 4 * H, 30 * D),
    "checkins.answer_within": Span(M, 14 * D, H, 3 * D),
    "checkins.nudge_after": Span(timedelta(seconds=10), 7 * D, 30 * M, 2 * D),
    "appointments.remind_before": Span(M, 60 * D, 15 * M, 14 * D),
    "appointments.confirm_by": Span(M, 14 * D, 30 * M, 3 * D),
    "deadlines.remind_before": Span(timedelta(0), 180 * D, timedelta(0), 60 * D),
    "escalation.steps.after": Span(timedelta(0), 30 * D, timedelta(0), 7 * D),
    "escalation.resurface_after": Span(10 * M, 90 * D, 2 * H, 7 * D),
    "invites.valid_after_release": Span(timedelta(0), 365 * D, 7 * D, 60 * D),
    "plan.remind_before": Span(timedelta(0), 180 * D, timedelta(0), 60 * D),
}


@dataclass(frozen=True)
class DayCount:
    """A whole number of days with a hard and a usual range."""

    low: int
    high: int
    soft_high: int

    def hard(self, value: int) -> str | None:
        if self.low <= value <= self.high:
            return None
        return R(N_("must be between {low} and {high}"), low=self.low, high=self.high)

    def soft(self, value: int) -> str | None:
        if value <= self.soft_high:
            return None
        return R(
            N_("{value} is outside the usual range {low} to {high}"),
            value=value,
            low=self.low,
            high=self.soft_high,
        )


UNTIL_DAY = DayCount(1, 3650, 730)
# A plan template's due day, counted from the release date (negative: before it).
PLAN_DUE_DAY = DayCount(-365, 365, 180)

# Most items a list setting may have (each item is a message to every client).
LIST_LIMITS: dict[str, int] = {
    "appointments.remind_before": 6,
    "deadlines.remind_before": 6,
    "plan.remind_before": 6,
    "checkins.phases": 10,
    "escalation.steps": 4,
}


@dataclass(frozen=True)
class ClockRange:
    """The usual local times of day for a setting (the hard range is the whole day)."""

    soft_low: time
    soft_high: time

    def soft(self, value: time) -> str | None:
        if self.soft_low <= value <= self.soft_high:
            return None
        return R(
            N_("{value} is outside the usual range {low} to {high}"),
            value=f"{value:%H:%M}",
            low=f"{self.soft_low:%H:%M}",
            high=f"{self.soft_high:%H:%M}",
        )


CLOCK_RANGES: dict[str, ClockRange] = {
    "working_hours.start": ClockRange(time(5, 0), time(12, 0)),
    "working_hours.end": ClockRange(time(12, 0), time(22, 0)),
    "checkins.time": ClockRange(time(8, 0), time(20, 0)),
    "deadlines.morning": ClockRange(time(7, 0), time(12, 0)),
    "workers.digest_time": ClockRange(time(6, 0), time(12, 0)),
}
# Quiet hours are usual when they keep clients' phones silent through the small hours.
NIGHT = (time(0, 0), time(6, 0))


def hard_problem(key: str, value: timedelta) -> str | None:
    """Why a duration can never be stored under `key` (a DURATION_RANGES key), or None."""
    return DURATION_RANGES[key].hard(value)


def _durations(p: Any) -> Iterator[tuple[str, str, timedelta]]:
    """(range key, exact dotted key, value) of every duration in policy `p`."""
    yield "invite_lifetime", "invite_lifetime", p.invite_lifetime
    yield "retention", "retention", p.retention
    for i, phase in enumerate(p.checkins.phases):
        yield "checkins.phases.every", f"checkins.phases.{i}.every", phase.every
    yield "checkins.answer_within", "checkins.answer_within", p.checkins.answer_within
    yield "checkins.nudge_after", "checkins.nudge_after", p.checkins.nudge_after
    for i, before in enumerate(p.appointments.remind_before):
        yield "appointments.remind_before", f"appointments.remind_before.{i}", before
    yield "appointments.confirm_by", "appointments.confirm_by", p.appointments.confirm_by
    for i, before in enumerate(p.deadlines.remind_before):
        yield "deadlines.remind_before", f"deadlines.remind_before.{i}", before
    for i, step in enumerate(p.escalation.steps):
        yield "escalation.steps.after", f"escalation.steps.{i}.after", step.after
    yield "escalation.resurface_after", "escalation.resurface_after", p.escalation.resurface_after
    after = p.invites.valid_after_release
    yield "invites.valid_after_release", "invites.valid_after_release", after
    for i, before in enumerate(p.plan.remind_before):
        yield "plan.remind_before", f"plan.remind_before.{i}", before


def soft_problems(p: Any) -> list[tuple[str, str]]:
    """(dotted key, reason) of every value of policy `p` outside its usual range."""
    problems = [
        (key, reason)
        for range_key, key, value in _durations(p)
        if (reason := DURATION_RANGES[range_key].soft(value))
    ]
    for i, phase in enumerate(p.checkins.phases):
        if phase.until_day is not None and (reason := UNTIL_DAY.soft(phase.until_day)):
            problems.append((f"checkins.phases.{i}.until_day", reason))
    for key, clock in CLOCK_RANGES.items():
        section, leaf = key.split(".")
        if reason := clock.soft(getattr(getattr(p, section), leaf)):
            problems.append((key, reason))
    quiet = p.quiet_hours
    night = range(NIGHT[0].hour * 60, NIGHT[1].hour * 60)
    if not all(quiet.contains(time(m // 60, m % 60)) for m in night):
        problems.append(
            (
                "quiet_hours",
                R(
                    N_("{window} does not cover the usual night {start} to {end}"),
                    window=f"{quiet.start:%H:%M}-{quiet.end:%H:%M}",
                    start=f"{NIGHT[0]:%H:%M}",
                    end=f"{NIGHT[1]:%H:%M}",
                ),
            )
        )
    return problems
