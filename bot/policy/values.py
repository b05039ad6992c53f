"""Small policy values: local clock times, weekday sets, whole-day durations, fixed vocabularies."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from bot.durations import Duration
from bot.i18n import N_
from bot.reasons import Reason

__all__ = [
    "DAY",
    "ESCALATION_TARGETS",
    "LANGUAGES",
    "REQUIRED_LANGUAGES",
    "ClockTime",
    "EscalationTarget",
    "Weekdays",
    "WholeDays",
    "format_days",
    "parse_days",
]

DAY = timedelta(days=1)

EscalationTarget = Literal["assigned_worker", "backup_worker", "team", "admins"]
ESCALATION_TARGETS: tuple[str, ...] = ("assigned_worker", "backup_worker", "team", "admins")
REQUIRED_LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
LANGUAGES: tuple[str, ...] = ("fi", "sv", "en", "ru", "et", "ar")

_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?")


def _parse_clock(value: Any) -> Any:
    """Read a local time of day such as 21:00, 9.30 or 9; time objects pass through."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(
                Reason(N_("a policy time is local (see timezone) and must not carry a zone"))
            )
        if value.second or value.microsecond:
            raise ValueError(Reason(N_("times are whole minutes, like 21:00")))
        return value
    if not isinstance(value, str):
        raise ValueError(Reason(N_("write a time of day like 21:00")))
    match = _CLOCK.fullmatch(value.strip())
    if not match:
        raise ValueError(
            Reason(
                N_("cannot read {value} as a time of day; use HH:MM like 21:00"),
                value=repr(value.strip()),
            )
        )
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(
            Reason(
                N_("{value} is not a time of day; use 00:00 to 23:59"), value=repr(value.strip())
            )
        )
    if second:
        raise ValueError(Reason(N_("times are whole minutes, like 21:00")))
    return time(hour, minute)


ClockTime = Annotated[
    time,
    BeforeValidator(_parse_clock),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
]

_DAY_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("mon", "monday", "ma", "maanantai", "mån", "måndag"),
        ("tue", "tuesday", "ti", "tiistai", "tis", "tisdag"),
        ("wed", "wednesday", "ke", "keskiviikko", "ons", "onsdag"),
        ("thu", "thursday", "to", "torstai", "tor", "torsdag"),
        ("fri", "friday", "pe", "perjantai", "fre", "fredag"),
        ("sat", "saturday", "la", "lauantai", "lör", "lördag"),
        ("sun", "sunday", "su", "sunnuntai", "sön", "söndag"),
    )
):
    for _name in _names:
        _DAY_NAMES[_name] = _number
_DAY_SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day_number(token: str) -> int:
    """Weekday number (Monday 0) of an English, Finnish or Swedish day name."""
    name = token.strip().lower().rstrip(".")
    if name not in _DAY_NAMES:
        raise ValueError(
            Reason(
                N_("unknown weekday {value}; use mon, tue, wed, thu, fri, sat, sun"),
                value=repr(token.strip()),
            )
        )
    return _DAY_NAMES[name]


def parse_days(value: str | Iterable[str | int]) -> frozenset[int]:
    """Parse weekdays like ``mon-fri`` or ``mon,tue,thu`` (or a list) into ints, Monday 0."""
    items: list[str | int]
    items = [p for p in re.split(r"[,\s]+", value) if p] if isinstance(value, str) else list(value)
    days: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ValueError(Reason(N_("write weekdays like mon-fri")))
        if isinstance(item, int):
            if not 0 <= item <= 6:
                raise ValueError(
                    Reason(
                        N_("weekday numbers are 0 (Monday) to 6 (Sunday), not {value}"), value=item
                    )
                )
            days.add(item)
            continue
        if not isinstance(item, str):
            raise ValueError(Reason(N_("write weekdays like mon-fri")))
        if "-" in item:
            first, _, last = item.partition("-")
            a, b = _day_number(first), _day_number(last)
            # A range may wrap over the weekend ("fri-mon"), as people write it.
            span = (b - a) % 7
            days.update((a + i) % 7 for i in range(span + 1))
        else:
            days.add(_day_number(item))
    if not days:
        raise ValueError(Reason(N_("name at least one weekday, e.g. mon-fri")))
    return frozenset(days)


def format_days(days: Iterable[int]) -> str:
    """Format weekday ints compactly: ``mon-fri``, ``mon,tue,thu``, ``mon-wed,fri``."""
    ordered = sorted(set(days))
    runs: list[list[int]] = []
    for d in ordered:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_DAY_SHORT[run[0]]}-{_DAY_SHORT[run[-1]]}")
        else:
            parts.extend(_DAY_SHORT[d] for d in run)
    return ",".join(parts)


def _coerce_days(value: Any) -> Any:
    """Pydantic hook for weekday fields."""
    if isinstance(value, str | list | tuple | set | frozenset):
        return parse_days(value)
    return value


Weekdays = Annotated[
    frozenset[int],
    BeforeValidator(_coerce_days),
    PlainSerializer(format_days, return_type=str),
]


def _whole_days(td: timedelta) -> timedelta:
    """Deadline reminders go out on a calendar morning, so only whole days make sense."""
    if td % DAY:
        raise ValueError(
            Reason(N_("must be whole days (the reminder goes out in the morning), e.g. 7d or 0d"))
        )
    return td


# Written as days even when zero ("0d"), which reads better than the generic "0s".
WholeDays = Annotated[
    Duration,
    AfterValidator(_whole_days),
    PlainSerializer(lambda td: f"{td.days}d", return_type=str),
]
