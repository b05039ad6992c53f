"""Local time for the scheduler: quiet hours, working days and hours, the check-in cadence."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from bot.policy.model import Phase, Policy
from bot.policy.values import DAY

__all__ = [
    "checkin_interval",
    "in_quiet_hours",
    "is_finnish_holiday",
    "is_working_day",
    "is_working_time",
    "local_to_utc",
    "move_out_of_quiet_hours",
    "next_checkin_after",
    "next_working_time",
]

_DAY_SECONDS = 86_400


def _utc(when: datetime) -> datetime:
    """An aware datetime in UTC; naive ones are refused because their meaning is a guess."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return when.astimezone(UTC)


def local_to_utc(d: date, t: time, zone: ZoneInfo) -> datetime:
    """UTC instant of a local date and time (skipped times move forward; repeats take the first)."""
    # fold=0 makes zoneinfo use the offset in force before a transition (PEP 495): a skipped
    # 03:30 becomes 04:30 summer time, and a repeated 03:30 is the first (summer-time) one.
    return datetime.combine(d, t.replace(tzinfo=None, fold=0), tzinfo=zone).astimezone(UTC)


def in_quiet_hours(p: Policy, when_utc: datetime) -> bool:
    """Whether `when_utc` falls in the policy's local quiet hours."""
    return p.quiet_hours.contains(_utc(when_utc).astimezone(p.zone).time())


def move_out_of_quiet_hours(
    p: Policy, when_utc: datetime, latest_utc: datetime | None = None
) -> datetime:
    """Move a send time out of quiet hours: to their end, or, if that is not before latest_utc, to
    the last minute before they began; unchanged if neither works."""
    when = _utc(when_utc)
    if not in_quiet_hours(p, when):
        return when
    zone = p.zone
    start, end = p.quiet_hours.start, p.quiet_hours.end
    local = when.astimezone(zone)
    today, now = local.date(), local.time()
    if start > end and now < end:
        began, ends = today - DAY, today  # after midnight: the window began yesterday evening
    elif start > end:
        began, ends = today, today + DAY
    else:
        began, ends = today, today
    latest = None if latest_utc is None else _utc(latest_utc)
    after = local_to_utc(ends, end, zone)
    # Strictly before latest: a reminder at the very moment of the appointment is useless.
    if (latest is None or after < latest) and not in_quiet_hours(p, after):
        return after
    before = local_to_utc(began, start, zone) - timedelta(minutes=1)
    if (latest is None or before < latest) and not in_quiet_hours(p, before):
        return before
    return when


@functools.lru_cache(maxsize=32)
def _fi_holidays(year: int) -> holidays.HolidayBase:
    """Finnish public holidays of one year (cached: building them is slow-ish)."""
    return holidays.country_holidays("FI", years=year)


def is_finnish_holiday(d: date) -> bool:
    """Whether `d` is a Finnish public holiday (incl. Midsummer Eve and Christmas Eve)."""
    return d in _fi_holidays(d.year)


def is_working_day(p: Policy, d: date) -> bool:
    """Whether local date `d` is a policy working weekday and not a Finnish public holiday."""
    return d.weekday() in p.working_hours.days and not is_finnish_holiday(d)


def is_working_time(p: Policy, when_utc: datetime) -> bool:
    """Whether `when_utc` is within working hours on a working day (local time)."""
    local = _utc(when_utc).astimezone(p.zone)
    wh = p.working_hours
    return is_working_day(p, local.date()) and wh.start <= local.time() < wh.end


def next_working_time(p: Policy, when_utc: datetime) -> datetime:
    """`when_utc` itself if it is working time, else the next start of working hours (UTC)."""
    when = _utc(when_utc)
    if is_working_time(p, when):
        return when
    zone = p.zone
    local = when.astimezone(zone)
    day = local.date()
    if is_working_day(p, day) and local.time() < p.working_hours.start:
        return local_to_utc(day, p.working_hours.start, zone)
    # Holiday runs are a few days at most; a year bounds any imaginable policy.
    for offset in range(1, 370):
        candidate = day + timedelta(days=offset)
        if is_working_day(p, candidate):
            return local_to_utc(candidate, p.working_hours.start, zone)
    raise ValueError("no working day within a year; check working_hours.days")


def add_working_time(p: Policy, start_utc: datetime, span: timedelta) -> datetime:
    """The moment `span` of working time (working days and hours only) has passed since
    `start_utc`; with a zero span, the first working moment at or after it."""
    now = next_working_time(p, start_utc)
    left = span
    # Each turn uses up one working day's remaining hours; a year of days bounds any ladder.
    for _ in range(400):
        local = now.astimezone(p.zone)
        day_end = local_to_utc(local.date(), p.working_hours.end, p.zone)
        if day_end <= now:  # an end at or before the start: the day runs to midnight
            day_end = local_to_utc(local.date() + timedelta(days=1), time(0), p.zone)
        if left <= day_end - now:
            return now + left
        left -= day_end - now
        now = next_working_time(p, day_end)
    raise ValueError("working time does not add up within a year; check working_hours")


def _phase_for_day(phases: list[Phase], day: int) -> Phase:
    """The phase that contains day number `day` (days counted from the start date, day 0)."""
    for phase in phases:
        if phase.until_day is None or day < phase.until_day:
            return phase
    return phases[-1]


def checkin_interval(
    p: Policy, day_since_release: int, phases: list[Phase] | None = None
) -> timedelta:
    """Gap between check-ins during the given day since release (per-client phases override)."""
    return _phase_for_day(phases or p.checkins.phases, day_since_release).every


def next_checkin_after(
    p: Policy, start_date: date, after_utc: datetime, phases: list[Phase] | None = None
) -> datetime:
    """First check-in strictly after `after_utc` for a client whose day 0 is `start_date` (UTC)."""
    after = _utc(after_utc)
    phases = phases or p.checkins.phases
    zone, at = p.zone, p.checkins.time
    # Whole-day gaps land on calendar days at the local check-in time (so DST never shifts
    # them); any sub-day gap (testers' "90s") makes the whole sequence plain elapsed time.
    calendar = all(ph.every % DAY == timedelta(0) for ph in phases)
    anchor = local_to_utc(start_date, at, zone)

    def instant(position: int) -> datetime:
        """Real time of a check-in `position` nominal seconds after day 0's check-in."""
        if calendar:
            return local_to_utc(start_date + timedelta(days=position // _DAY_SECONDS), at, zone)
        return anchor + timedelta(seconds=position)

    # The sequence is piecewise arithmetic, one piece per phase; walk the pieces and binary
    # search inside one, so a date years after release costs a few dozen evaluations.
    position = 0
    while True:
        phase = _phase_for_day(phases, position // _DAY_SECONDS)
        step = int(phase.every.total_seconds())
        count: int | None = None
        if phase.until_day is not None:
            count = math.ceil((phase.until_day * _DAY_SECONDS - position) / step)
        if count is None or instant(position + (count - 1) * step) > after:
            base = position
            return _first_after(lambda k: instant(base + k * step), after, count)  # noqa: B023
        position += count * step


def _first_after(at: Callable[[int], datetime], after: datetime, count: int | None) -> datetime:
    """at(k) for the smallest k with at(k) > after, given at() increases and a hit exists."""
    if at(0) > after:
        return at(0)
    high = 1
    while (count is None or high < count - 1) and at(high) <= after:
        high *= 2
    if count is not None:
        high = min(high, count - 1)
    low = 0  # invariant: at(low) <= after < at(high)
    while high - low > 1:
        mid = (low + high) // 2
        if at(mid) > after:
            high = mid
        else:
            low = mid
    return at(high)
