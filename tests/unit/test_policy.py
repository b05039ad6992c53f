"""Tests for bot.policy and bot.durations: validation, TOML round trips, edits and time helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.durations import Duration, PositiveDuration, format_duration, parse_duration
from bot.policy import (
    POLICY_KEYS,
    Phase,
    PolicyError,
    checkin_interval,
    default_policy,
    describe_policy,
    format_days,
    format_phases,
    in_quiet_hours,
    is_finnish_holiday,
    is_working_time,
    local_to_utc,
    move_out_of_quiet_hours,
    next_checkin_after,
    next_working_time,
    parse_days,
    parse_phases,
    policy_from_dict,
    policy_from_toml,
    policy_to_dict,
    policy_to_toml,
    set_policy_value,
)
from bot.policy import calendar as policy_calendar

HEL = ZoneInfo("Europe/Helsinki")

# The default policy exactly as the product brief writes it.
SPEC_TOML = """
timezone = "Europe/Helsinki"
quiet_hours = { start = "21:00", end = "09:00" }
working_hours = { days = "mon-fri", start = "08:00", end = "16:00" }
invite_lifetime = "14d"
retention = "365d"          # closed clients' personal data deleted after this

[checkins]                      # cadence tapers after release
time = "10:00"
phases = [ { until_day = 14, every = "1d" }, { until_day = 60, every = "3d" }, { every = "7d" } ]
answer_within = "6h"
nudge_after = "3h"

[appointments]
remind_before = ["1d", "2h"]
confirm_by = "2h"               # still unconfirmed this long before: alert the worker

[deadlines]
remind_before = ["7d", "2d", "0d"]
morning = "09:00"               # local time of day a deadline reminder goes out

[escalation]
steps = [ { to = "assigned_worker", after = "0s" }, { to = "backup_worker", after = "4h" },
          { to = "team", after = "8h" }, { to = "admins", after = "24h" } ]
resurface_after = "24h"         # acknowledged but not resolved: back to whoever took it

[workers]
digest_time = "08:00"

[benefit_kinds]   # catalogue of deadline kinds
basic_assistance = { fi = "Kelan perustoimeentulotuki", sv = "Grundläggande utkomststöd från FPA", en = "Kela basic social assistance" }
housing_allowance = { fi = "Asumistuki", sv = "Bostadsbidrag", en = "Housing allowance" }
jobseeker = { fi = "Työnhakijaksi ilmoittautuminen", sv = "Anmälan som arbetssökande", en = "Registering as a job seeker" }
id_card = { fi = "Henkilökortti", sv = "Identitetskort", en = "ID card" }
other = { fi = "Muu asia", sv = "Annat ärende", en = "Something else" }
"""  # noqa: E501


def helsinki(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """An aware UTC datetime from a Helsinki wall-clock time (fold 0)."""
    return datetime(y, mo, d, h, mi, tzinfo=HEL).astimezone(UTC)


def keys(err: PolicyError) -> list[str]:
    """The dotted keys a PolicyError names."""
    return [key for key, _ in err.problems]


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("24h", 86_400),
        ("3d", 259_200),
        ("0s", 0),
        ("1w", 604_800),
        ("1h30m", 5_400),
        (" 2H ", 7_200),
        ("1h 30m", 5_400),
        ("2 hours", 7_200),
        ("1d12h", 129_600),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "  ", "-5m", "5", "5x", "m5", "1.5h", "1h1h", "abc", "5m-"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert str(info.value)  # a message people can read, never empty


def test_parse_duration_messages_are_specific() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_duration("-1d")
    with pytest.raises(ValueError, match="empty"):
        parse_duration(" ")
    with pytest.raises(ValueError, match="unknown time unit 'y'"):
        parse_duration("2y")
    with pytest.raises(ValueError, match="no unit"):
        parse_duration("15")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(86_400, "1d"), (5_400, "90m"), (90, "90s"), (0, "0s"), (7 * 86_400, "7d"), (3_600, "1h")],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(timedelta(seconds=seconds)) == text


def test_format_duration_refuses_negative() -> None:
    with pytest.raises(ValueError):
        format_duration(timedelta(seconds=-1))


@given(st.integers(min_value=0, max_value=10 * 365 * 86_400))
def test_duration_round_trip(seconds: int) -> None:
    td = timedelta(seconds=seconds)
    text = format_duration(td)
    assert parse_duration(text) == td
    assert parse_duration(text.upper()) == td


@given(
    st.integers(0, 30), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.booleans()
)
def test_combined_durations_parse(d: int, h: int, m: int, s: int, spaced: bool) -> None:
    sep = " " if spaced else ""
    text = sep.join(f"{n}{u}" for n, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")))
    assert parse_duration(text) == timedelta(days=d, hours=h, minutes=m, seconds=s)


class _Holder(BaseModel):
    any_length: Duration
    positive: PositiveDuration


def test_duration_type_in_pydantic() -> None:
    held = _Holder.model_validate({"any_length": "0s", "positive": "90m"})
    assert held.positive == timedelta(minutes=90)
    assert held.model_dump(mode="json") == {"any_length": "0s", "positive": "90m"}
    assert _Holder.model_validate(held.model_dump(mode="json")) == held
    with pytest.raises(ValueError):
        _Holder.model_validate({"any_length": "0s", "positive": "0s"})
    with pytest.raises(ValueError):
        _Holder.model_validate({"any_length": timedelta(seconds=-1), "positive": "1s"})


# --- defaults and TOML -----------------------------------------------------------------------


def test_defaults_match_the_brief() -> None:
    from_spec = policy_from_toml(SPEC_TOML)
    default = default_policy()
    # The defaults add ru/et/ar labels to the brief's catalogue; everything else is the brief's.
    assert from_spec.model_copy(update={"benefit_kinds": {}}) == default.model_copy(
        update={"benefit_kinds": {}}
    )
    for kind, labels in from_spec.benefit_kinds.items():
        assert {lang: default.benefit_kinds[kind][lang] for lang in labels} == labels
    p = default_policy()
    assert p.timezone == "Europe/Helsinki"
    assert p.quiet_hours.start == time(21, 0) and p.quiet_hours.end == time(9, 0)
    assert p.working_hours.days == frozenset({0, 1, 2, 3, 4})
    assert p.invite_lifetime == timedelta(days=14)
    assert p.retention == timedelta(days=365)
    assert [ph.until_day for ph in p.checkins.phases] == [14, 60, None]
    assert p.checkins.answer_within == timedelta(hours=6)
    assert p.escalation.steps[-1].after == timedelta(hours=24)
    assert p.deadlines.remind_before == [timedelta(days=7), timedelta(days=2), timedelta(0)]
    assert set(p.benefit_kinds) == {
        "basic_assistance",
        "housing_allowance",
        "jobseeker",
        "id_card",
        "other",
    }


def test_empty_toml_is_the_default() -> None:
    assert policy_from_toml("") == default_policy()


def test_toml_round_trip_default() -> None:
    p = default_policy()
    text = policy_to_toml(p)
    assert policy_from_toml(text) == p
    assert 'remind_before = ["7d", "2d", "0d"]' in text
    assert "[benefit_kinds]" in text
    assert "# closed clients' personal data deleted after this" in text


def test_toml_round_trip_changed_policy() -> None:
    p = default_policy()
    for key, value in [
        ("timezone", "America/New_York"),
        ("working_hours.days", "mon,tue,thu"),
        ("checkins.phases", "3:90s,10:1h,1d"),
        ("appointments.remind_before", "none"),
        ("escalation.steps", "team:0s,admins:90m"),
        ("benefit_kinds.rent", 'fi=Vuokra "A";sv=Hyra\\;en=Rent;ru=Аренда'),
    ]:
        p = set_policy_value(p, key, value)
    assert policy_from_toml(policy_to_toml(p)) == p
    assert policy_from_dict(policy_to_dict(p)) == p


def test_policy_dict_is_json_friendly() -> None:
    data = policy_to_dict(default_policy())
    assert data["checkins"]["answer_within"] == "6h"
    assert data["quiet_hours"] == {"start": "21:00", "end": "09:00"}
    assert data["working_hours"]["days"] == "mon-fri"
    assert policy_from_dict(data) == default_policy()


def test_models_are_frozen() -> None:
    p = default_policy()
    with pytest.raises(ValueError):
        p.timezone = "UTC"  # type: ignore[misc]


def test_toml_syntax_error_is_a_file_problem() -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_toml('timezone = "Europe/Helsinki\n')
    assert keys(info.value) == ["(file)"]


def test_every_problem_is_named() -> None:
    text = """
    timezone = "Mars/Olympus"
    color = "blue"
    [checkins]
    answer_within = "soon"
    phases = [ { every = "0s" }, { until_day = 3, every = "1d" } ]
    [quiet_hours]
    start = "25:00"
    end = "09:00"
    """
    with pytest.raises(PolicyError) as info:
        policy_from_toml(text)
    named = keys(info.value)
    assert set(named) == {
        "timezone",
        "color",
        "checkins.answer_within",
        "checkins.phases.0.every",
        "quiet_hours.start",
    }
    reasons = dict(info.value.problems)
    assert "unknown setting" in reasons["color"]
    assert "Mars/Olympus" in reasons["timezone"]
    assert "at least 1s" in reasons["checkins.phases.0.every"]
    assert "timezone" in str(info.value)


def test_unknown_nested_key_suggests() -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_toml("[checkins]\nanswer_witin = '6h'\n")
    key, reason = info.value.problems[0]
    assert key == "checkins.answer_witin"
    assert "checkins.answer_within" in reason


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[checkins]\nphases = [{ until_day = 14, every = '1d' }]", "checkins.phases.0.until_day"),
        (
            "[checkins]\nphases = [{ every = '1d' }, { every = '3d' }]",
            "checkins.phases.0.until_day",
        ),
        (
            "[checkins]\nphases = [{ until_day = 14, every = '1d' }, "
            "{ until_day = 14, every = '2d' }, { every = '3d' }]",
            "checkins.phases.1.until_day",
        ),
        ("[checkins]\nphases = []", "checkins.phases"),
        (
            "[checkins]\nphases = [{ until_day = 0, every = '1d' }, { every = '1d' }]",
            "checkins.phases.0.until_day",
        ),
        ("[checkins]\nnudge_after = '6h'", "checkins.nudge_after"),
        ("[appointments]\nremind_before = ['0s']", "appointments.remind_before.0"),
        ("[appointments]\nremind_before = ['1d', '1d']", "appointments.remind_before.1"),
        ("[deadlines]\nremind_before = ['36h']", "deadlines.remind_before.0"),
        ("[escalation]\nsteps = []", "escalation.steps"),
        (
            "[escalation]\nsteps = [{ to = 'team', after = '4h' }, "
            "{ to = 'admins', after = '1h' }]",
            "escalation.steps.1.after",
        ),
        (
            "[escalation]\nsteps = [{ to = 'team', after = '0s' }, { to = 'team', after = '1h' }]",
            "escalation.steps.1.to",
        ),
        (
            "[escalation]\nsteps = [{ to = 'team', after = '0s' }, "
            "{ to = 'admins', after = '0s' }]",
            "escalation.steps.1.after",
        ),
        ("[escalation]\nsteps = [{ to = 'boss', after = '0s' }]", "escalation.steps.0.to"),
        ("[escalation]\nresurface_after = '0s'", "escalation.resurface_after"),
        ("invite_lifetime = '0s'", "invite_lifetime"),
        (
            "working_hours = { days = 'mon-fri', start = '16:00', end = '08:00' }",
            "working_hours.end",
        ),
        ("working_hours = { days = 'funday' }", "working_hours.days"),
        (
            "[benefit_kinds]\nrent = { fi = 'Vuokra', sv = 'Hyra', en = 'Rent' }",
            "benefit_kinds.other",
        ),
        ("[benefit_kinds]\nother = { fi = 'Muu', sv = 'Annat' }", "benefit_kinds.other.en"),
        (
            "[benefit_kinds]\nother = { fi = 'Muu', sv = 'Annat', en = 'Other', de = 'Andere' }",
            "benefit_kinds.other.de",
        ),
        (
            "[benefit_kinds]\nRent-1 = { fi = 'V', sv = 'H', en = 'R' }\nother = "
            "{ fi = 'Muu', sv = 'Annat', en = 'Other' }",
            "benefit_kinds.Rent-1",
        ),
    ],
)
def test_rule_violations_name_the_key(toml: str, key: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_toml(toml)
    assert key in keys(info.value), info.value.problems


def test_zero_allowed_where_it_makes_sense() -> None:
    p = policy_from_toml(
        "[deadlines]\nremind_before = ['0d']\n[escalation]\nsteps = [{ to = 'team', after = '0s' }]"
    )
    assert p.deadlines.remind_before == [timedelta(0)]
    assert p.escalation.steps[0].after == timedelta(0)


def test_benefit_label_fallbacks() -> None:
    p = set_policy_value(default_policy(), "benefit_kinds.rent", "fi=Vuokra;sv=Hyra;en=Rent")
    p = set_policy_value(p, "benefit_kinds.rent.ru", "Аренда")
    assert p.benefit_label("housing_allowance", "sv") == "Bostadsbidrag"
    p = set_policy_value(p, "benefit_kinds.fee", "fi=Maksu;sv=Avgift;en=Fee")
    assert p.benefit_label("fee", "ru") == "Fee"
    assert p.benefit_label("housing_allowance", "ru") == "Пособие на жильё (asumistuki)"
    assert p.benefit_label("rent", "ru") == "Аренда"
    assert p.benefit_label("no_such_kind", "fi") == "Muu asia"


def test_benefit_label_falls_back_to_fi_without_en() -> None:
    p = default_policy()
    # Validation always demands en, so build an en-less catalogue directly to test the fallback.
    odd = p.model_copy(update={"benefit_kinds": {"other": {"fi": "Muu"}}})
    assert odd.benefit_label("other", "sv") == "Muu"


def test_zone_property() -> None:
    assert default_policy().zone == HEL


# --- set_policy_value ------------------------------------------------------------------------


def test_set_examples_from_the_brief() -> None:
    original = default_policy()
    p = set_policy_value(original, "checkins.answer_within", "4h")
    assert p.checkins.answer_within == timedelta(hours=4)
    assert original.checkins.answer_within == timedelta(hours=6)  # untouched
    p = set_policy_value(p, "quiet_hours.start", "22:00")
    assert p.quiet_hours.start == time(22, 0)
    p = set_policy_value(p, "appointments.remind_before", "1d,3h")
    assert p.appointments.remind_before == [timedelta(days=1), timedelta(hours=3)]
    p = set_policy_value(p, "appointments.remind_before", '["2d","2h"]')
    assert p.appointments.remind_before == [timedelta(days=2), timedelta(hours=2)]
    p = set_policy_value(
        p, "escalation.steps", "assigned_worker:0s,backup_worker:2h,team:8h,admins:24h"
    )
    assert [(s.to, s.after) for s in p.escalation.steps][1] == ("backup_worker", timedelta(hours=2))
    p = set_policy_value(p, "checkins.phases", "7:1d, 30:2d, 7d")
    assert format_phases(p.checkins.phases) == "7:1d, 30:2d, 7d"
    p = set_policy_value(p, "working_hours.days", "mon,tue,thu")
    assert p.working_hours.days == frozenset({0, 1, 3})
    p = set_policy_value(p, "benefit_kinds.kela_rent", "fi=Vuokra;sv=Hyra;en=Rent")
    assert p.benefit_label("kela_rent", "fi") == "Vuokra"
    p = set_policy_value(p, "benefit_kinds.kela_rent.fi", '"Vuokra-apu"')
    assert p.benefit_label("kela_rent", "fi") == "Vuokra-apu"
    p = set_policy_value(p, "benefit_kinds.kela_rent", "delete")
    assert "kela_rent" not in p.benefit_kinds


def test_set_list_split_on_spaces_too() -> None:
    p = set_policy_value(default_policy(), "appointments.remind_before", "1d 2h")
    assert p.appointments.remind_before == [timedelta(days=1), timedelta(hours=2)]
    p = set_policy_value(p, "deadlines.remind_before", "-")
    assert p.deadlines.remind_before == []


def test_set_unknown_key_suggests_close_matches() -> None:
    with pytest.raises(PolicyError) as info:
        set_policy_value(default_policy(), "checkins.answer_witin", "4h")
    key, reason = info.value.problems[0]
    assert key == "checkins.answer_witin"
    assert "unknown setting" in reason and "checkins.answer_within" in reason


def test_set_bad_value_names_exact_key() -> None:
    p = default_policy()
    with pytest.raises(PolicyError) as info:
        set_policy_value(p, "checkins.phases", "14:1d,60:0s,7d")
    assert keys(info.value) == ["checkins.phases.1.every"]
    with pytest.raises(PolicyError) as info:
        set_policy_value(p, "quiet_hours.end", "9:75")
    assert keys(info.value) == ["quiet_hours.end"]
    with pytest.raises(PolicyError) as info:
        set_policy_value(p, "checkins.nudge_after", "8h")
    assert keys(info.value) == ["checkins.nudge_after"]
    assert "answer_within" in info.value.problems[0][1]
    with pytest.raises(PolicyError) as info:
        set_policy_value(p, "escalation.steps", "team")
    assert keys(info.value) == ["escalation.steps.0"]
    with pytest.raises(PolicyError) as info:
        set_policy_value(p, "benefit_kinds.other", "-")
    assert keys(info.value) == ["benefit_kinds.other"]
    with pytest.raises(PolicyError) as info:
        set_policy_value(p, "appointments.remind_before", '["1d"')
    assert keys(info.value) == ["appointments.remind_before"]


def test_every_policy_key_is_described_and_settable_from_its_description() -> None:
    p = default_policy()
    rows = dict(describe_policy(p))
    for key in POLICY_KEYS:
        if key == "benefit_kinds.<kind>":
            continue
        assert key in rows
        assert set_policy_value(p, key, rows[key]) == p, key
    for slug in p.benefit_kinds:
        assert set_policy_value(p, f"benefit_kinds.{slug}", rows[f"benefit_kinds.{slug}"]) == p


def test_describe_policy_is_readable() -> None:
    rows = dict(describe_policy(default_policy()))
    assert rows["checkins.phases"] == "14:1d, 60:3d, 7d"
    assert rows["escalation.steps"] == "assigned_worker:0s, backup_worker:4h, team:8h, admins:1d"
    assert rows["deadlines.remind_before"] == "7d, 2d, 0d"
    assert rows["quiet_hours.start"] == "21:00"
    assert rows["working_hours.days"] == "mon-fri"


# --- parsing helpers -------------------------------------------------------------------------


def test_parse_phases() -> None:
    phases = parse_phases("14:1d,60:3d,7d")
    assert phases == default_policy().checkins.phases
    assert parse_phases('[{ until_day = 2, every = "1h" }, { every = "90s" }]') == [
        Phase(until_day=2, every=timedelta(hours=1)),
        Phase(every=timedelta(seconds=90)),
    ]
    with pytest.raises(PolicyError) as info:
        parse_phases("60:3d,14:1d,7d")
    assert keys(info.value) == ["phases.1.until_day"]
    with pytest.raises(PolicyError) as info:
        parse_phases("14:1d")
    assert keys(info.value) == ["phases.0.until_day"]
    with pytest.raises(PolicyError):
        parse_phases("")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,tue,thu", {0, 1, 3}),
        ("ma-pe", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Mon, Wed", {0, 2}),
    ],
)
def test_parse_days(text: str, days: set[int]) -> None:
    assert parse_days(text) == frozenset(days)
    assert parse_days(format_days(days)) == frozenset(days)


def test_format_days() -> None:
    assert format_days({0, 1, 2, 3, 4}) == "mon-fri"
    assert format_days({0, 1, 3}) == "mon,tue,thu"
    assert format_days({0, 1, 2, 4}) == "mon-wed,fri"


# --- local time and DST ----------------------------------------------------------------------


def test_local_to_utc_across_dst() -> None:
    assert local_to_utc(date(2026, 3, 28), time(10), HEL) == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert local_to_utc(date(2026, 3, 29), time(10), HEL) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert local_to_utc(date(2026, 10, 24), time(10), HEL) == datetime(2026, 10, 24, 7, tzinfo=UTC)
    assert local_to_utc(date(2026, 10, 25), time(10), HEL) == datetime(2026, 10, 25, 8, tzinfo=UTC)


def test_local_to_utc_gap_and_fold() -> None:
    # 03:30 does not exist on 2026-03-29: moved forward to 04:30 summer time.
    gap = local_to_utc(date(2026, 3, 29), time(3, 30), HEL)
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert gap.astimezone(HEL).hour == 4
    # 03:30 happens twice on 2026-10-25: the first one (summer time, +03:00).
    assert local_to_utc(date(2026, 10, 25), time(3, 30), HEL) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def reference_checkins(
    start: date, phases: list[Phase], at: time, zone: ZoneInfo, until: datetime
) -> list[datetime]:
    """Brute-force check-in instants for whole-day phases, straight from the definition."""
    out = []
    day = 0
    while True:
        when = datetime.combine(start + timedelta(days=day), at, tzinfo=zone).astimezone(UTC)
        if when > until:
            return out
        out.append(when)
        phase = next(ph for ph in phases if ph.until_day is None or day < ph.until_day)
        day += phase.every.days


def test_next_checkin_matches_brute_force() -> None:
    p = default_policy()
    start = date(2026, 1, 10)
    horizon = datetime(2027, 1, 1, tzinfo=UTC)
    expected = reference_checkins(start, p.checkins.phases, time(10), HEL, horizon)
    days = [(e.astimezone(HEL).date() - start).days for e in expected[:20]]
    assert days[:16] == [*range(14), 14, 17]
    got = []
    cursor = datetime(2026, 1, 1, tzinfo=UTC)
    while True:
        cursor = next_checkin_after(p, start, cursor)
        if cursor > horizon:
            break
        got.append(cursor)
    assert got == expected
    assert all(g.astimezone(HEL).time() == time(10) for g in got)


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=-3 * 86_400, max_value=400 * 86_400),
)
def test_next_checkin_is_the_first_after(start: date, offset_seconds: int) -> None:
    p = default_policy()
    after = local_to_utc(start, time(0), HEL) + timedelta(seconds=offset_seconds)
    expected = reference_checkins(
        start, p.checkins.phases, time(10), HEL, after + timedelta(days=8)
    )
    first = next(e for e in expected if e > after)
    assert next_checkin_after(p, start, after) == first


def test_next_checkin_across_spring_forward() -> None:
    p = default_policy()
    start = date(2026, 3, 20)
    friday = next_checkin_after(p, start, helsinki(2026, 3, 27, 10) - timedelta(seconds=1))
    saturday = next_checkin_after(p, start, friday)
    sunday = next_checkin_after(p, start, saturday)
    assert friday == datetime(2026, 3, 27, 8, tzinfo=UTC)
    assert saturday == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert sunday == datetime(2026, 3, 29, 7, tzinfo=UTC)  # 10:00 EEST
    assert sunday.astimezone(HEL).time() == time(10)


def test_next_checkin_across_fall_back() -> None:
    p = default_policy()
    start = date(2026, 10, 20)
    saturday = next_checkin_after(p, start, helsinki(2026, 10, 24, 9))
    sunday = next_checkin_after(p, start, saturday)
    assert saturday == datetime(2026, 10, 24, 7, tzinfo=UTC)  # 10:00 EEST
    assert sunday == datetime(2026, 10, 25, 8, tzinfo=UTC)  # 10:00 EET
    assert sunday.astimezone(HEL).time() == time(10)


def test_next_checkin_before_start_is_day_zero() -> None:
    p = default_policy()
    assert next_checkin_after(p, date(2026, 5, 4), datetime(2020, 1, 1, tzinfo=UTC)) == helsinki(
        2026, 5, 4, 10
    )


def test_next_checkin_per_client_phases() -> None:
    p = default_policy()
    weekly = parse_phases("7d")
    start = date(2026, 5, 4)
    assert next_checkin_after(p, start, helsinki(2026, 5, 4, 11), weekly) == helsinki(
        2026, 5, 11, 10
    )
    assert checkin_interval(p, 3, weekly) == timedelta(days=7)


def test_next_checkin_sub_day_for_testers() -> None:
    p = default_policy()
    start = date(2026, 5, 4)
    anchor = helsinki(2026, 5, 4, 10)
    phases = parse_phases("90s")
    assert next_checkin_after(p, start, anchor, phases) == anchor + timedelta(seconds=90)
    assert next_checkin_after(p, start, anchor + timedelta(seconds=100), phases) == anchor + (
        timedelta(seconds=180)
    )
    # Mixed: hourly on day 0, then every 6 hours (elapsed time).
    mixed = parse_phases("1:1h,6h")
    assert next_checkin_after(p, start, anchor + timedelta(hours=23, minutes=30), mixed) == (
        anchor + timedelta(hours=24)
    )
    assert next_checkin_after(p, start, anchor + timedelta(hours=24), mixed) == (
        anchor + timedelta(hours=30)
    )


def test_next_checkin_years_later_is_exact_and_skips_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    p = default_policy()
    start = date(2026, 1, 1)
    far = datetime(2031, 7, 1, 12, tzinfo=UTC)
    conversions = 0
    real_local_to_utc = policy_calendar.local_to_utc

    def counting(d: date, t: time, zone: ZoneInfo) -> datetime:
        nonlocal conversions
        conversions += 1
        return real_local_to_utc(d, t, zone)

    monkeypatch.setattr(policy_calendar, "local_to_utc", counting)
    daily = next_checkin_after(p, start, far)
    # Days 0-13 daily, then every 3 days from day 14 through day 59, so weekly from day 62.
    weekly_day = start + timedelta(days=62)
    while helsinki(weekly_day.year, weekly_day.month, weekly_day.day, 10) <= far:
        weekly_day += timedelta(days=7)
    assert daily == helsinki(weekly_day.year, weekly_day.month, weekly_day.day, 10)
    # About 290 weekly check-ins lie between: the search jumps, it does not walk them.
    assert conversions < 60

    quick = next_checkin_after(p, start, far, parse_phases("90s"))
    anchor = helsinki(2026, 1, 1, 10)
    # Strictly after: `far` itself falls on the 90-second grid here, so it is the next one.
    steps = (far - anchor) // timedelta(seconds=90) + 1
    assert quick == anchor + steps * timedelta(seconds=90)


def test_checkin_interval() -> None:
    p = default_policy()
    assert checkin_interval(p, 0) == timedelta(days=1)
    assert checkin_interval(p, 13) == timedelta(days=1)
    assert checkin_interval(p, 14) == timedelta(days=3)
    assert checkin_interval(p, 59) == timedelta(days=3)
    assert checkin_interval(p, 60) == timedelta(days=7)
    assert checkin_interval(p, 5000) == timedelta(days=7)


# --- quiet hours -----------------------------------------------------------------------------


def test_in_quiet_hours_edges() -> None:
    p = default_policy()
    assert not in_quiet_hours(p, helsinki(2026, 6, 1, 20, 59))
    assert in_quiet_hours(p, helsinki(2026, 6, 1, 21, 0))
    assert in_quiet_hours(p, helsinki(2026, 6, 2, 3, 0))
    assert in_quiet_hours(p, helsinki(2026, 6, 2, 8, 59))
    assert not in_quiet_hours(p, helsinki(2026, 6, 2, 9, 0))


def test_move_out_of_quiet_hours_forward() -> None:
    p = default_policy()
    assert move_out_of_quiet_hours(p, helsinki(2026, 6, 1, 23)) == helsinki(2026, 6, 2, 9)
    assert move_out_of_quiet_hours(p, helsinki(2026, 6, 2, 7)) == helsinki(2026, 6, 2, 9)
    outside = helsinki(2026, 6, 2, 12)
    assert move_out_of_quiet_hours(p, outside) == outside


def test_move_out_of_quiet_hours_backward_before_latest() -> None:
    p = default_policy()
    appointment = helsinki(2026, 6, 2, 8, 30)
    reminder = appointment - timedelta(hours=2)  # 06:30, quiet
    moved = move_out_of_quiet_hours(p, reminder, appointment)
    assert moved == helsinki(2026, 6, 1, 20, 59)
    assert not in_quiet_hours(p, moved)
    # Evening side: 22:00 reminder for a 09:30 appointment goes forward to 09:00.
    assert move_out_of_quiet_hours(
        p, helsinki(2026, 6, 1, 22), helsinki(2026, 6, 2, 9, 30)
    ) == helsinki(2026, 6, 2, 9)
    # An appointment at exactly 09:00 gets its reminder the evening before.
    assert move_out_of_quiet_hours(
        p, helsinki(2026, 6, 1, 22), helsinki(2026, 6, 2, 9)
    ) == helsinki(2026, 6, 1, 20, 59)


def test_move_out_of_quiet_hours_impossible_returns_original() -> None:
    p = default_policy()
    when = helsinki(2026, 6, 1, 23)
    # Neither 09:00 tomorrow nor 20:59 tonight is before a 20:30 limit.
    assert move_out_of_quiet_hours(p, when, helsinki(2026, 6, 1, 20, 30)) == when


def test_move_out_of_quiet_hours_tiny_waking_window() -> None:
    p = set_policy_value(default_policy(), "quiet_hours.start", "09:01")
    p = set_policy_value(p, "quiet_hours.end", "09:00")  # awake for one minute only
    moved = move_out_of_quiet_hours(p, helsinki(2026, 6, 1, 12), helsinki(2026, 6, 1, 13))
    assert moved == helsinki(2026, 6, 1, 9)
    assert not in_quiet_hours(p, moved)


def test_quiet_hours_not_wrapping_and_empty() -> None:
    p = set_policy_value(default_policy(), "quiet_hours.start", "12:00")
    p = set_policy_value(p, "quiet_hours.end", "13:00")
    assert in_quiet_hours(p, helsinki(2026, 6, 1, 12, 30))
    assert not in_quiet_hours(p, helsinki(2026, 6, 1, 23))
    assert move_out_of_quiet_hours(p, helsinki(2026, 6, 1, 12, 30)) == helsinki(2026, 6, 1, 13)
    empty = set_policy_value(p, "quiet_hours.start", "13:00")
    assert not in_quiet_hours(empty, helsinki(2026, 6, 1, 13))


def test_quiet_hours_across_dst() -> None:
    p = default_policy()
    # 07:00 EEST on the morning of spring-forward: quiet hours end at 09:00 EEST = 06:00 UTC.
    assert move_out_of_quiet_hours(p, helsinki(2026, 3, 29, 7)) == datetime(
        2026, 3, 29, 6, tzinfo=UTC
    )
    assert move_out_of_quiet_hours(p, helsinki(2026, 10, 25, 7)) == datetime(
        2026, 10, 25, 7, tzinfo=UTC
    )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        in_quiet_hours(default_policy(), datetime(2026, 6, 1, 12))


# --- working time ----------------------------------------------------------------------------


def test_finnish_holidays() -> None:
    assert is_finnish_holiday(date(2026, 1, 6))  # Epiphany, a Tuesday
    assert is_finnish_holiday(date(2026, 12, 24))
    assert not is_finnish_holiday(date(2026, 1, 7))


def test_working_time_on_a_weekday_holiday() -> None:
    p = default_policy()
    assert is_working_time(p, helsinki(2026, 1, 5, 10))
    assert not is_working_time(p, helsinki(2026, 1, 6, 10))  # Epiphany
    assert not is_working_time(p, helsinki(2026, 1, 5, 16))  # end is exclusive
    assert not is_working_time(p, helsinki(2026, 1, 5, 7, 59))
    assert next_working_time(p, helsinki(2026, 1, 5, 17)) == helsinki(2026, 1, 7, 8)


def test_next_working_time_over_christmas() -> None:
    p = default_policy()
    # Thu 24 (Christmas Eve), Fri 25, Sat 26, Sun 27: back on Monday 28 December.
    assert next_working_time(p, helsinki(2026, 12, 23, 16, 30)) == helsinki(2026, 12, 28, 8)


def test_next_working_time_simple_cases() -> None:
    p = default_policy()
    inside = helsinki(2026, 6, 10, 11, 15)
    assert next_working_time(p, inside) == inside
    assert next_working_time(p, helsinki(2026, 6, 10, 6)) == helsinki(2026, 6, 10, 8)
    assert next_working_time(p, helsinki(2026, 6, 12, 18)) == helsinki(2026, 6, 15, 8)  # Fri
    assert next_working_time(p, helsinki(2026, 6, 18, 18)) == helsinki(2026, 6, 22, 8)  # Midsummer
    custom = set_policy_value(p, "working_hours.days", "mon,tue,thu")
    assert next_working_time(custom, helsinki(2026, 6, 9, 17)) == helsinki(2026, 6, 11, 8)


def test_the_team_phone_is_a_dialable_number_or_nothing() -> None:
    p = default_policy()
    assert p.invites.team_phone == "" and p.invites.valid_after_release == timedelta(days=14)
    p = set_policy_value(p, "invites.team_phone", " +358  40 123 4567 ")
    assert p.invites.team_phone == "+358 40 123 4567"
    assert set_policy_value(p, "invites.team_phone", "-").invites.team_phone == ""
    with pytest.raises(PolicyError) as info:
        set_policy_value(p, "invites.team_phone", "call Maria")
    assert keys(info.value) == ["invites.team_phone"]
    with pytest.raises(PolicyError):
        set_policy_value(p, "invites.valid_after_release", "36h")
    assert policy_from_toml(policy_to_toml(p)) == p
