"""Tests for bot.timeparse: the date and time forms workers type in Finland."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.timeparse import TimeParseError, example_datetime, parse_local_date, parse_local_datetime

HEL = ZoneInfo("Europe/Helsinki")
# Wednesday 10 June 2026, 12:00 in Helsinki (summer time, UTC+3).
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=HEL).astimezone(UTC)
TODAY = date(2026, 6, 10)


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    """UTC instant of a Helsinki wall-clock time."""
    return datetime(y, mo, d, h, mi, tzinfo=HEL).astimezone(UTC)


def parse(text: str, now: datetime = NOW) -> datetime:
    """Parse with the Helsinki zone."""
    return parse_local_datetime(text, now, HEL)


def reason(text: str, now: datetime = NOW) -> str:
    """The reason code a text is refused with."""
    with pytest.raises(TimeParseError) as info:
        parse(text, now)
    return info.value.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.12. 10:00", local(2026, 12, 3, 10)),
        ("3.12. klo 10", local(2026, 12, 3, 10)),
        ("3.12.2026 klo 10", local(2026, 12, 3, 10)),
        ("3.12.2026 10.30", local(2026, 12, 3, 10, 30)),
        ("3.12.26 10:00", local(2026, 12, 3, 10)),
        ("03.12. 09:05", local(2026, 12, 3, 9, 5)),
        ("3.12 10", local(2026, 12, 3, 10)),
        ("2026-12-03 10:00", local(2026, 12, 3, 10)),
        ("2026-12-03T10:00", local(2026, 12, 3, 10)),
        ("huomenna 10", local(2026, 6, 11, 10)),
        ("huomenna klo 14.30", local(2026, 6, 11, 14, 30)),
        ("Huomenna, klo 14.30", local(2026, 6, 11, 14, 30)),
        ("tomorrow 10", local(2026, 6, 11, 10)),
        ("tomorrow at 10:00", local(2026, 6, 11, 10)),
        ("imorgon 10", local(2026, 6, 11, 10)),
        ("i morgon kl. 10", local(2026, 6, 11, 10)),
        ("tänään 15", local(2026, 6, 10, 15)),
        ("today 15", local(2026, 6, 10, 15)),
        ("idag kl 15", local(2026, 6, 10, 15)),
        ("ylihuomenna 9", local(2026, 6, 12, 9)),
        ("  3.12.   klo   10  ", local(2026, 12, 3, 10)),
        ("3.12. klo 10.", local(2026, 12, 3, 10)),
        ("3.12. klo10", local(2026, 12, 3, 10)),
        ("to 3.12. klo 10", local(2026, 12, 3, 10)),  # 3 Dec 2026 is a Thursday
        ("Thu 2026-12-03 10:00", local(2026, 12, 3, 10)),
    ],
)
def test_forms(text: str, expected: datetime) -> None:
    result = parse(text)
    assert result == expected
    assert result.tzinfo == UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ma 10", local(2026, 6, 15, 10)),
        ("maanantai 10", local(2026, 6, 15, 10)),
        ("maanantaina klo 10", local(2026, 6, 15, 10)),
        ("mon 10", local(2026, 6, 15, 10)),
        ("Monday 10:00", local(2026, 6, 15, 10)),
        ("mån 10", local(2026, 6, 15, 10)),
        ("pe 8.15", local(2026, 6, 12, 8, 15)),
        ("to 10", local(2026, 6, 11, 10)),
        ("ke 13", local(2026, 6, 10, 13)),  # today, still to come
        ("ke 11", local(2026, 6, 17, 11)),  # today's 11:00 has passed: next week
        ("wednesday 12", local(2026, 6, 17, 12)),  # exactly now is not "after now"
        ("ti. 10", local(2026, 6, 16, 10)),
    ],
)
def test_weekdays(text: str, expected: datetime) -> None:
    assert parse(text) == expected


def test_a_year_less_date_nearer_behind_than_ahead_is_asked_back() -> None:
    """9.6. typed on 10.6. is as likely a slip as next June: the worker is asked."""
    for text, suggestion in (
        ("9.6. 10:00", local(2027, 6, 9, 10)),
        ("3.1. 10:00", local(2027, 1, 3, 10)),
    ):
        with pytest.raises(TimeParseError) as info:
            parse(text)
        assert info.value.reason == "ambiguous" and info.value.suggestion == suggestion
    assert parse("3.12. 10:00") == local(2026, 12, 3, 10), "nearer ahead: no question"
    assert parse("29.2. 10:00") == local(2028, 2, 29, 10)
    assert parse("9.6.2027 10:00") == local(2027, 6, 9, 10), "with the year: as written"


def test_yesterday_is_in_the_past_not_unreadable() -> None:
    for text in ("eilen klo 10", "yesterday at 10", "i går kl 10"):
        with pytest.raises(TimeParseError) as info:
            parse(text)
        assert info.value.reason == "past", text


def test_a_release_date_without_a_year_is_the_nearest_one() -> None:
    assert parse_local_date("9.6.", TODAY, past_ok=True) == date(2026, 6, 9)
    assert parse_local_date("12.6.", TODAY, past_ok=True) == date(2026, 6, 12)
    assert parse_local_date("eilen", TODAY, past_ok=True) == date(2026, 6, 9)
    assert parse_local_date("3.1.2026", TODAY, past_ok=True) == date(2026, 1, 3)


def test_year_rollover_example() -> None:
    new_years_eve = local(2026, 12, 31, 20)
    assert parse("1.1. 10", new_years_eve) == local(2027, 1, 1, 10)
    assert parse("huomenna 10", new_years_eve) == local(2027, 1, 1, 10)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "huomenna",
        "3.12.",
        "10:00",
        "next week",
        "3.12. 10:00 extra",
        "3/12 10",
        "3.12. ten",
        "kello",
        "3.12. 10:5",
        "3.12.026 10",
        "ma",
    ],
)
def test_format_errors(text: str) -> None:
    assert reason(text) == "format"


@pytest.mark.parametrize(
    "text",
    [
        "31.2. 10:00",
        "31.2.2027 10:00",
        "3.13. 10:00",
        "0.12. 10:00",
        "3.12. 25:00",
        "3.12. 10:60",
        "huomenna 24",
        "ma 3.12. klo 10",  # 3 Dec 2026 is a Thursday, not a Monday
        "2026-02-30 10:00",
        "2026-13-01 10:00",
    ],
)
def test_impossible(text: str) -> None:
    assert reason(text) == "impossible"


@pytest.mark.parametrize(
    "text",
    ["tänään 9", "today 12:00", "10.6. 11:59", "3.12.2025 10:00", "2026-06-01 10:00", "1.1.20 9"],
)
def test_past(text: str) -> None:
    assert reason(text) == "past"


def test_reason_is_also_the_message() -> None:
    with pytest.raises(TimeParseError, match="past"):
        parse("tänään 9")
    assert issubclass(TimeParseError, ValueError)


def test_dst_gap_moves_forward() -> None:
    # 03:30 does not exist on 29 March 2026 in Helsinki; it becomes 04:30 summer time.
    result = parse("29.3.2026 3:30", local(2026, 3, 1, 12))
    assert result == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_winter_time_offset() -> None:
    assert parse("3.12. 10:00") == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_other_zone() -> None:
    ny = ZoneInfo("America/New_York")
    assert parse_local_datetime("huomenna 10", NOW, ny) == datetime(2026, 6, 11, 14, tzinfo=UTC)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_local_datetime("huomenna 10", datetime(2026, 6, 10, 12), HEL)


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.12.", date(2026, 12, 3)),
        ("3.12", date(2026, 12, 3)),
        ("3.12.2026", date(2026, 12, 3)),
        ("3.12.26", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("huomenna", date(2026, 6, 11)),
        ("Tomorrow", date(2026, 6, 11)),
        ("imorgon", date(2026, 6, 11)),
        ("tänään", TODAY),
        ("10.6.", TODAY),
        ("ylihuomenna", date(2026, 6, 12)),
        ("pe", date(2026, 6, 12)),
        ("ke", TODAY),
        ("to 3.12.", date(2026, 12, 3)),
    ],
)
def test_parse_local_date(text: str, expected: date) -> None:
    assert parse_local_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "format"),
        ("3.12. 10:00", "format"),
        ("soon", "format"),
        ("31.2.", "impossible"),
        ("2026-02-30", "impossible"),
        ("pe 3.12.", "impossible"),
        ("9.6.2026", "past"),
        ("9.6.", "ambiguous"),
        ("eilen", "past"),
        ("2025-12-03", "past"),
    ],
)
def test_parse_local_date_errors(text: str, code: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_local_date(text, TODAY)
    assert info.value.reason == code


# --- example ---------------------------------------------------------------------------------


def test_example_is_tomorrow_at_ten() -> None:
    assert example_datetime(NOW, HEL) == "11.6. 10:00"
    # Late evening UTC is already tomorrow in Helsinki.
    assert example_datetime(datetime(2026, 6, 10, 22, tzinfo=UTC), HEL) == "12.6. 10:00"


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
def test_example_always_parses_back(naive_now: datetime) -> None:
    now = naive_now.replace(tzinfo=UTC)
    example = example_datetime(now, HEL)
    parsed = parse_local_datetime(example, now, HEL)
    assert parsed > now
    assert parsed - now <= timedelta(days=2)
    assert parsed.astimezone(HEL).hour == 10
