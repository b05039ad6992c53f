"""Parse and format short durations such as ``90s``, ``15m``, ``24h``, ``3d`` or ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from bot.i18n import N_
from bot.reasons import Reason

__all__ = [
    "Duration",
    "PositiveDuration",
    "format_duration",
    "parse_duration",
]

# Seconds per unit; weeks are accepted on input but never produced, so "7d" stays "7d".
_UNIT_SECONDS: dict[str, int] = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
# Spelled-out units people type anyway ("2 hours"); each maps to one of the letters above.
_UNIT_ALIASES: dict[str, str] = {
    **dict.fromkeys(("sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("day", "days"), "d"),
    **dict.fromkeys(("wk", "wks", "week", "weeks"), "w"),
}
_FORMAT_UNITS: tuple[tuple[str, int], ...] = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_PART = re.compile(r"(\d+)([a-z]+)")
# Every duration problem ends with how to write one; translated as a whole with the rest.


def parse_duration(text: str) -> timedelta:
    """Parse a duration like ``90s``, ``15m``, ``24h``, ``3d``, ``1w`` or ``1h30m``."""
    if not isinstance(text, str):
        raise ValueError(Reason(N_("write a duration like 90s, 15m, 24h, 3d or 1h30m")))
    # Spaces inside ("1h 30m") are harmless; case is irrelevant ("24H" is obviously 24h).
    compact = "".join(text.split()).lower()
    if not compact:
        raise ValueError(
            Reason(N_("the duration is empty; write it like 90s, 15m, 24h, 3d or 1h30m"))
        )
    if compact.startswith("-"):
        raise ValueError(
            Reason(N_("a duration cannot be negative: {value}"), value=repr(text.strip()))
        )
    pos = 0
    total = 0
    seen: set[str] = set()
    for match in _PART.finditer(compact):
        if match.start() != pos:
            break
        number, unit = match.groups()
        unit = _UNIT_ALIASES.get(unit, unit)
        if unit not in _UNIT_SECONDS:
            raise ValueError(
                Reason(
                    N_("unknown time unit {unit} in {value}; use s, m, h, d or w, e.g. 15m or 3d"),
                    unit=repr(unit),
                    value=repr(text.strip()),
                )
            )
        if unit in seen:
            raise ValueError(
                Reason(
                    N_("the unit {unit} appears twice in {value}"),
                    unit=repr(unit),
                    value=repr(text.strip()),
                )
            )
        seen.add(unit)
        total += int(number) * _UNIT_SECONDS[unit]
        pos = match.end()
    if pos != len(compact):
        if compact.isdigit():
            raise ValueError(
                Reason(
                    N_("{value} has no unit; write it like 90s, 15m, 24h, 3d or 1h30m"),
                    value=repr(text.strip()),
                )
            )
        raise ValueError(
            Reason(
                N_("cannot read {value} as a duration; write it like 90s, 15m, 24h, 3d or 1h30m"),
                value=repr(text.strip()),
            )
        )
    # timedelta tops out at ~2.7 million years; anything near that is a typo, not a policy.
    if total > 100 * 365 * 86_400:
        raise ValueError(
            Reason(N_("{value} is unreasonably long (over 100 years)"), value=repr(text.strip()))
        )
    return timedelta(seconds=total)


def format_duration(td: timedelta) -> str:
    """Format a duration in the largest unit that divides it exactly: 1d, 90m, 90s, 0s."""
    if td < timedelta(0):
        raise ValueError("a duration cannot be negative")
    if td.microseconds:
        raise ValueError("durations are whole seconds")
    seconds = td.days * 86_400 + td.seconds
    if seconds == 0:
        return "0s"
    for unit, size in _FORMAT_UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise AssertionError("unreachable: every whole number of seconds divides by 1")


def _coerce(value: Any) -> Any:
    """Turn duration text into a timedelta; leave other inputs for pydantic to judge."""
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, bool):
        # bool is an int subclass; True seconds is never what anyone meant.
        raise ValueError(Reason(N_("write a duration like 90s, 15m, 24h, 3d or 1h30m")))
    return value


def _non_negative(td: timedelta) -> timedelta:
    """Reject negative and fractional durations that slipped in as timedelta objects."""
    if td < timedelta(0):
        raise ValueError(Reason(N_("a duration cannot be negative")))
    if td.microseconds:
        raise ValueError(Reason(N_("durations must be whole seconds")))
    return td


def _at_least_one_second(td: timedelta) -> timedelta:
    """Reject zero where a zero duration would make a schedule fire in a tight loop."""
    if td < timedelta(seconds=1):
        raise ValueError(Reason(N_("must be at least 1s")))
    return td


# A duration of zero or more whole seconds; accepts "3d" style text, dumps back to text.
Duration = Annotated[
    timedelta,
    BeforeValidator(_coerce),
    AfterValidator(_non_negative),
    PlainSerializer(format_duration, return_type=str),
]

# Same as Duration but at least one second.
PositiveDuration = Annotated[
    timedelta,
    BeforeValidator(_coerce),
    AfterValidator(_non_negative),
    AfterValidator(_at_least_one_second),
    PlainSerializer(format_duration, return_type=str),
]
