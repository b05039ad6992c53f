"""Read the dates and times workers type in Finland (``3.12. klo 10``, ``huomenna 14.30``, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "TimeParseError",
    "example_datetime",
    "parse_local_date",
    "parse_local_datetime",
]

ReasonCode = Literal["format", "impossible", "past", "ambiguous"]


class TimeParseError(ValueError):
    """Text could not be read as a date/time; `reason` is 'format', 'impossible', 'past' or
    'ambiguous' (a date without a year that was recently; `suggestion` is its next one)."""

    def __init__(self, reason: ReasonCode, suggestion: datetime | date | None = None) -> None:
        super().__init__(reason)
        self.reason: ReasonCode = reason
        self.suggestion = suggestion


# Words for "yesterday", "today", "tomorrow" and "the day after" in fi/sv/en, as days from today.
_RELATIVE: dict[str, int] = {
    **dict.fromkeys(("eilen", "yesterday", "igår", "igar"), -1),
    **dict.fromkeys(("tänään", "tanaan", "today", "idag"), 0),
    **dict.fromkeys(("huomenna", "tomorrow", "imorgon"), 1),
    **dict.fromkeys(("ylihuomenna", "övermorgon", "iövermorgon", "overmorgon"), 2),
}
# Multi-word forms are glued together before tokenising so each is one token.
_PHRASES: tuple[tuple[str, str], ...] = (
    ("day after tomorrow", "ylihuomenna"),
    ("i övermorgon", "iövermorgon"),
    ("i morgon", "imorgon"),
    ("i dag", "idag"),
    ("i går", "igår"),
)
_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("ma", "maanantai", "maanantaina", "mon", "monday", "mån", "måndag", "man"),
        ("ti", "tiistai", "tiistaina", "tue", "tues", "tuesday", "tis", "tisdag"),
        ("ke", "keskiviikko", "keskiviikkona", "wed", "wednesday", "ons", "onsdag"),
        ("to", "torstai", "torstaina", "thu", "thur", "thurs", "thursday", "tor", "torsdag"),
        ("pe", "perjantai", "perjantaina", "fri", "friday", "fre", "fredag"),
        ("la", "lauantai", "lauantaina", "sat", "saturday", "lör", "lördag", "lor"),
        ("su", "sunnuntai", "sunnuntaina", "sun", "sunday", "sön", "söndag", "son"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = _number
# "klo 10", "kl. 10", "at 10", "@10" all just introduce the time.
_CONNECTORS = frozenset({"klo", "kello", "kl", "at", "@"})

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_FI_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2})?)?")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")


def _tokens(text: str) -> list[str]:
    """Lower-cased tokens with multi-word day names glued and ISO 'T' split off."""
    s = " ".join(text.lower().replace(",", " ").split())
    for phrase, glued in _PHRASES:
        s = s.replace(phrase, glued)
    # 2026-12-03T10:00 is one token otherwise; the 'T' is only a separator.
    s = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)", r"\1 ", s)
    s = s.replace("@", " @ ")
    # "klo10" / "kl.10" typed without a space.
    s = re.sub(r"\b(klo|kl)\.?(?=\d)", r"\1 ", s)
    return s.split()


def _strip_weekday(tokens: list[str], parts: int) -> tuple[list[str], int | None]:
    """Drop a weekday written before an explicit date ("ma 3.12."), if one more than `parts`."""
    if (
        len(tokens) == parts + 1
        and tokens[0].rstrip(".") in _WEEKDAYS
        and (_FI_DATE.fullmatch(tokens[1]) or _ISO_DATE.fullmatch(tokens[1]))
    ):
        return tokens[1:], _WEEKDAYS[tokens[0].rstrip(".")]
    return tokens, None


def _check_weekday(day: date, weekday: int | None) -> None:
    """A weekday written next to a date must agree with it; otherwise one of them is a typo."""
    if weekday is not None and day.weekday() != weekday:
        raise TimeParseError("impossible")


def _make_date(year: int, month: int, day: int) -> date:
    """A date, or TimeParseError('impossible') for things like 31.2."""
    try:
        return date(year, month, day)
    except ValueError:
        raise TimeParseError("impossible") from None


@dataclass(frozen=True, slots=True)
class _Read:
    """What one date token named: a date or a weekday; for a date written without a year also
    its latest occurrence before today (`before`), so a caller can pick the nearer one."""

    day: date | None = None
    weekday: int | None = None
    before: date | None = None

    def nearer_is_before(self, today: date) -> bool:
        """A year-less date that was more recently than it comes next (1.12. on 2.12.)."""
        return (
            self.day is not None
            and self.before is not None
            and (today - self.before) < (self.day - today)
        )


def _occurrences(month: int, day: int, years: range) -> list[date]:
    """That day and month in each year that has it (29.2. only in leap years)."""
    found = []
    for year in years:
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue
    return found


def _read_date(token: str, today: date) -> _Read:
    """What one token names; a year-less date is the next such date, with the one before."""
    word = token.rstrip(".")
    if word in _RELATIVE:
        return _Read(today + timedelta(days=_RELATIVE[word]))
    if word in _WEEKDAYS:
        return _Read(weekday=_WEEKDAYS[word])
    if m := _ISO_DATE.fullmatch(token):
        return _Read(_make_date(int(m[1]), int(m[2]), int(m[3])))
    if m := _FI_DATE.fullmatch(token):
        day, month = int(m[1]), int(m[2])
        if m[3] is None:
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise TimeParseError("impossible")
            around = _occurrences(month, day, range(today.year - 4, today.year + 5))
            after = [d for d in around if d >= today]
            if not after:
                raise TimeParseError("impossible")
            before = [d for d in around if d < today]
            return _Read(after[0], before=before[-1] if before else None)
        year = int(m[3])
        # Two-digit years are this century's; nobody books appointments for 1926.
        return _Read(_make_date(year + 2000 if len(m[3]) == 2 else year, month, day))
    raise TimeParseError("format")


def _read_clock(token: str) -> time:
    """A time of day like 10, 10:00 or 10.30 (a trailing dot is forgiven)."""
    m = _CLOCK.fullmatch(token.rstrip("."))
    if not m:
        raise TimeParseError("format")
    hour, minute = int(m[1]), int(m[2] or 0)
    if hour > 23 or minute > 59:
        raise TimeParseError("impossible")
    return time(hour, minute)


def _to_utc(d: date, t: time, zone: ZoneInfo) -> datetime:
    """UTC instant of a local date and time; fold=0 moves times skipped by DST forward."""
    # Same rule as bot.policy.local_to_utc; repeated here to keep this module dependency-free.
    return datetime.combine(d, t, tzinfo=zone).astimezone(UTC)


def parse_local_datetime(text: str, now_utc: datetime, zone: ZoneInfo) -> datetime:
    """Read a local date and time typed by a worker; returns an aware UTC datetime after now."""
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be an aware datetime")
    tokens = [t for t in _tokens(text) if t.rstrip(".") not in _CONNECTORS]
    tokens, stated_weekday = _strip_weekday(tokens, 2)
    if len(tokens) != 2:
        raise TimeParseError("format")
    date_token, clock_token = tokens
    # Validate the shape of both parts before judging either as impossible or past.
    if not _CLOCK.fullmatch(clock_token.rstrip(".")):
        raise TimeParseError("format")
    now_local = now_utc.astimezone(zone)
    read = _read_date(date_token, now_local.date())
    explicit, weekday = read.day, read.weekday
    clock = _read_clock(clock_token)
    if weekday is not None:
        # The next such weekday at that time strictly after now (today if still to come).
        for offset in range(8):
            day = now_local.date() + timedelta(days=offset)
            if day.weekday() == weekday:
                when = _to_utc(day, clock, zone)
                if when > now_utc:
                    return when
        raise AssertionError("unreachable: a weekday recurs within 8 days")
    assert explicit is not None
    _check_weekday(explicit, stated_weekday)
    when = _to_utc(explicit, clock, zone)
    if when <= now_utc:
        raise TimeParseError("past")
    if read.nearer_is_before(now_local.date()):
        # "1.12. 10:00" typed on 2.12.: a slip for a past day as likely as next year; ask.
        raise TimeParseError("ambiguous", suggestion=when)
    return when


def parse_local_date(text: str, today: date, *, past_ok: bool = False) -> date:
    """Read a due date (``3.12.``, ``3.12.2026``, ``2026-12-03``, ``huomenna``, a weekday).

    A date without a year that was more recently than it comes next is 'ambiguous' (with the
    next one as the suggestion); with `past_ok` (a release date) it is simply the recent one.
    """
    tokens, stated_weekday = _strip_weekday(_tokens(text), 1)
    if len(tokens) != 1:
        raise TimeParseError("format")
    read = _read_date(tokens[0], today)
    if read.weekday is not None:
        # A due date "on Friday" typed on a Friday means today.
        return today + timedelta(days=(read.weekday - today.weekday()) % 7)
    explicit = read.day
    assert explicit is not None
    if read.nearer_is_before(today):
        if not past_ok:
            raise TimeParseError("ambiguous", suggestion=explicit)
        assert read.before is not None
        explicit = read.before
    _check_weekday(explicit, stated_weekday)
    if explicit < today and not past_ok:
        raise TimeParseError("past")
    return explicit


def example_datetime(now_utc: datetime, zone: ZoneInfo) -> str:
    """An example to show in error messages: tomorrow at 10:00, like ``3.12. 10:00``."""
    tomorrow = now_utc.astimezone(zone).date() + timedelta(days=1)
    return f"{tomorrow.day}.{tomorrow.month}. 10:00"
