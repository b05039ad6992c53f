"""The admin-set schedule policy: validated models, TOML/JSON round trips and scheduling helpers."""

from __future__ import annotations

import difflib
import functools
import math
import re
import tomllib
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.durations import Duration, PositiveDuration, format_duration

__all__ = [
    "LANGUAGES",
    "POLICY_KEYS",
    "REQUIRED_LANGUAGES",
    "AppointmentPolicy",
    "CheckinPolicy",
    "DeadlinePolicy",
    "EscalationPolicy",
    "EscalationTarget",
    "Phase",
    "Policy",
    "PolicyError",
    "Step",
    "TimeWindow",
    "WorkersPolicy",
    "WorkingHours",
    "checkin_interval",
    "default_policy",
    "describe_policy",
    "format_days",
    "format_phases",
    "format_steps",
    "in_quiet_hours",
    "is_finnish_holiday",
    "is_working_day",
    "is_working_time",
    "local_to_utc",
    "move_out_of_quiet_hours",
    "next_checkin_after",
    "next_working_time",
    "parse_days",
    "parse_phases",
    "policy_from_dict",
    "policy_from_toml",
    "policy_to_dict",
    "policy_to_toml",
    "set_policy_value",
]

DAY = timedelta(days=1)
_DAY_SECONDS = 86_400

EscalationTarget = Literal["assigned_worker", "backup_worker", "team", "admins"]
ESCALATION_TARGETS: tuple[str, ...] = ("assigned_worker", "backup_worker", "team", "admins")
REQUIRED_LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
LANGUAGES: tuple[str, ...] = ("fi", "sv", "en", "ru", "et", "ar")
_SLUG = re.compile(r"[a-z_]+")
_MAX_LABEL = 100


class PolicyError(Exception):
    """A policy could not be read or changed; `problems` lists every (dotted key, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        super().__init__("; ".join(f"{key}: {reason}" for key, reason in self.problems))


def _rules(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """Pack several (relative key, reason) problems into one pydantic error."""
    # pydantic gives a model validator one location only; the problem list rides in ctx so
    # PolicyError can still name the exact key of each problem.
    summary = "; ".join(f"{k}: {r}" if k else r for k, r in problems)
    return PydanticCustomError(
        "policy_rules", "{summary}", {"summary": summary, "problems": problems}
    )


# --- value types -----------------------------------------------------------------------------

_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?")


def _parse_clock(value: Any) -> Any:
    """Read a local time of day such as 21:00, 9.30 or 9; time objects pass through."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("a policy time is local (see timezone) and must not carry a zone")
        if value.second or value.microsecond:
            raise ValueError("times are whole minutes, like 21:00")
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a time of day like 21:00, got {value!r}")
    match = _CLOCK.fullmatch(value.strip())
    if not match:
        raise ValueError(f"cannot read {value.strip()!r} as a time of day; use HH:MM like 21:00")
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{value.strip()!r} is not a time of day; use 00:00 to 23:59")
    if second:
        raise ValueError("times are whole minutes, like 21:00")
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
            f"unknown weekday {token.strip()!r}; use mon, tue, wed, thu, fri, sat, sun"
        )
    return _DAY_NAMES[name]


def parse_days(value: str | Iterable[str | int]) -> frozenset[int]:
    """Parse weekdays like ``mon-fri`` or ``mon,tue,thu`` (or a list) into ints, Monday 0."""
    items: list[str | int]
    items = [p for p in re.split(r"[,\s]+", value) if p] if isinstance(value, str) else list(value)
    days: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"expected a weekday name, got {item!r}")
        if isinstance(item, int):
            if not 0 <= item <= 6:
                raise ValueError(f"weekday numbers are 0 (Monday) to 6 (Sunday), got {item}")
            days.add(item)
            continue
        if not isinstance(item, str):
            raise ValueError(f"expected a weekday name, got {item!r}")
        if "-" in item:
            first, _, last = item.partition("-")
            a, b = _day_number(first), _day_number(last)
            # A range may wrap over the weekend ("fri-mon"), as people write it.
            span = (b - a) % 7
            days.update((a + i) % 7 for i in range(span + 1))
        else:
            days.add(_day_number(item))
    if not days:
        raise ValueError("name at least one weekday, e.g. mon-fri")
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
        raise ValueError("must be whole days (the reminder goes out in the morning), e.g. 7d or 0d")
    return td


# Written as days even when zero ("0d"), which reads better than the generic "0s".
WholeDays = Annotated[
    Duration,
    AfterValidator(_whole_days),
    PlainSerializer(lambda td: f"{td.days}d", return_type=str),
]


# --- models ----------------------------------------------------------------------------------


class _Model(BaseModel):
    """Base for policy parts: immutable, and unknown keys are errors rather than ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(_Model):
    """A daily local-time window [start, end); may wrap midnight; start == end means empty."""

    start: ClockTime
    end: ClockTime

    def contains(self, t: time) -> bool:
        """Whether local time-of-day `t` falls inside the window."""
        t = t.replace(tzinfo=None, fold=0)
        if self.start < self.end:
            return self.start <= t < self.end
        if self.start > self.end:
            return t >= self.start or t < self.end
        return False


class WorkingHours(_Model):
    """Office days and hours; escalation to people waits for these."""

    days: Weekdays = frozenset(range(5))
    start: ClockTime = time(8, 0)
    end: ClockTime = time(16, 0)

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        """Working hours do not span midnight, which keeps 'next working time' unambiguous."""
        if self.start >= self.end:
            raise _rules([("end", f"must be later than start ({self.start:%H:%M})")])
        return self


class Phase(_Model):
    """One stage of the check-in cadence: every `every` while day < until_day (None: for good)."""

    until_day: int | None = Field(default=None, ge=1)
    every: PositiveDuration


def _check_phases(phases: list[Phase]) -> list[Phase]:
    """Phases must end open-ended and their day limits must increase."""
    problems: list[tuple[str, str]] = []
    if not phases:
        raise _rules([("", "needs at least one phase, e.g. 14:1d,60:3d,7d")])
    last = len(phases) - 1
    previous: int | None = None
    for i, phase in enumerate(phases):
        if i < last and phase.until_day is None:
            problems.append((f"{i}.until_day", "only the last phase may leave out until_day"))
        if i == last and phase.until_day is not None:
            problems.append(
                (f"{i}.until_day", "the last phase must not have until_day; it lasts from then on")
            )
        if phase.until_day is not None:
            if previous is not None and phase.until_day <= previous:
                problems.append(
                    (f"{i}.until_day", f"must be larger than the previous phase's ({previous})")
                )
            previous = phase.until_day
    if problems:
        raise _rules(problems)
    return phases


Phases = Annotated[list[Phase], AfterValidator(_check_phases)]
_PHASES_ADAPTER: TypeAdapter[list[Phase]] = TypeAdapter(Phases)


def _default_phases() -> list[Phase]:
    """The default tapering cadence: daily for two weeks, every 3 days to day 60, then weekly."""
    return [
        Phase(until_day=14, every=timedelta(days=1)),
        Phase(until_day=60, every=timedelta(days=3)),
        Phase(every=timedelta(days=7)),
    ]


class CheckinPolicy(_Model):
    """When clients are asked how they are doing."""

    time: ClockTime = time(10, 0)
    phases: Phases = Field(default_factory=_default_phases)
    answer_within: PositiveDuration = timedelta(hours=6)
    nudge_after: PositiveDuration = timedelta(hours=3)

    @model_validator(mode="after")
    def _nudge_before_deadline(self) -> CheckinPolicy:
        """A nudge after the answer window has closed would be pointless."""
        if self.nudge_after >= self.answer_within:
            limit = format_duration(self.answer_within)
            raise _rules([("nudge_after", f"must be shorter than answer_within ({limit})")])
        return self


def _no_repeats(key: str, values: list[timedelta]) -> list[tuple[str, str]]:
    """Problems for values listed twice (a reminder would go out twice at once)."""
    seen: set[timedelta] = set()
    problems: list[tuple[str, str]] = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append((f"{key}.{i}", f"{format_duration(value)} is listed twice"))
        seen.add(value)
    return problems


class AppointmentPolicy(_Model):
    """Reminders before appointments and when to warn the worker about no confirmation."""

    remind_before: list[PositiveDuration] = Field(
        default_factory=lambda: [timedelta(days=1), timedelta(hours=2)]
    )
    confirm_by: PositiveDuration = timedelta(hours=2)

    @model_validator(mode="after")
    def _distinct(self) -> AppointmentPolicy:
        """Each reminder offset once."""
        problems = _no_repeats("remind_before", self.remind_before)
        if problems:
            raise _rules(problems)
        return self


class DeadlinePolicy(_Model):
    """Reminders before benefit deadlines, sent on the morning of the given day."""

    remind_before: list[WholeDays] = Field(
        default_factory=lambda: [timedelta(days=7), timedelta(days=2), timedelta(0)]
    )
    morning: ClockTime = time(9, 0)

    @model_validator(mode="after")
    def _distinct(self) -> DeadlinePolicy:
        """Each reminder offset once."""
        problems = _no_repeats("remind_before", self.remind_before)
        if problems:
            raise _rules(problems)
        return self


class Step(_Model):
    """One escalation step: hand an unanswered alert to `to` this long after it was raised."""

    to: EscalationTarget
    after: Duration


def _default_steps() -> list[Step]:
    """Default escalation ladder: assigned worker at once, backup 4h, team 8h, admins 24h."""
    return [
        Step(to="assigned_worker", after=timedelta(0)),
        Step(to="backup_worker", after=timedelta(hours=4)),
        Step(to="team", after=timedelta(hours=8)),
        Step(to="admins", after=timedelta(hours=24)),
    ]


def _check_steps(steps: list[Step]) -> list[tuple[str, str]]:
    """Problems with an escalation ladder (relative keys)."""
    if not steps:
        return [("steps", "needs at least one step, e.g. assigned_worker:0s")]
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, step in enumerate(steps):
        if step.to in seen:
            problems.append((f"steps.{i}.to", f"{step.to} already has an earlier step"))
        seen.add(step.to)
        if i == 0:
            continue
        before = steps[i - 1].after
        if step.after < before:
            problems.append(
                (
                    f"steps.{i}.after",
                    f"must not be earlier than the step before ({format_duration(before)})",
                )
            )
        elif step.after < timedelta(seconds=1):
            problems.append((f"steps.{i}.after", "only the first step may be 0s"))
    return problems


class EscalationPolicy(_Model):
    """Who hears about an unhandled alert, and when."""

    steps: list[Step] = Field(default_factory=_default_steps)
    resurface_after: PositiveDuration = timedelta(hours=24)

    @model_validator(mode="after")
    def _ladder(self) -> EscalationPolicy:
        """Steps climb in time and each target appears once."""
        problems = _check_steps(self.steps)
        if problems:
            raise _rules(problems)
        return self


class WorkersPolicy(_Model):
    """Settings for the workers' side."""

    digest_time: ClockTime = time(8, 0)


def _default_benefit_kinds() -> dict[str, dict[str, str]]:
    """Default catalogue of deadline kinds, labelled in every client language.

    The ru/et/ar labels keep the Finnish name in brackets: it is what the client will see on
    Kela's and the employment office's own forms.
    """
    return {
        "basic_assistance": {
            "fi": "Kelan perustoimeentulotuki",
            "sv": "Grundläggande utkomststöd från FPA",
            "en": "Kela basic social assistance",
            "ru": "Основное пособие Kela (perustoimeentulotuki)",
            "et": "Kela põhiline toimetulekutoetus (perustoimeentulotuki)",
            "ar": "المساعدة الاجتماعية الأساسية من Kela (perustoimeentulotuki)",
        },
        "housing_allowance": {
            "fi": "Asumistuki",
            "sv": "Bostadsbidrag",
            "en": "Housing allowance",
            "ru": "Пособие на жильё (asumistuki)",
            "et": "Eluasemetoetus (asumistuki)",
            "ar": "إعانة السكن (asumistuki)",
        },
        "jobseeker": {
            "fi": "Työnhakijaksi ilmoittautuminen",
            "sv": "Anmälan som arbetssökande",
            "en": "Registering as a job seeker",
            "ru": "Регистрация ищущим работу (työnhakijaksi ilmoittautuminen)",
            "et": "Tööotsijaks registreerumine (työnhakijaksi ilmoittautuminen)",
            "ar": "التسجيل كباحث عن عمل (työnhakijaksi ilmoittautuminen)",
        },
        "id_card": {
            "fi": "Henkilökortti",
            "sv": "Identitetskort",
            "en": "ID card",
            "ru": "Удостоверение личности (henkilökortti)",
            "et": "Isikutunnistus (henkilökortti)",
            "ar": "بطاقة الهوية (henkilökortti)",
        },
        "other": {
            "fi": "Muu asia",
            "sv": "Annat ärende",
            "en": "Something else",
            "ru": "Другое дело",
            "et": "Muu asi",
            "ar": "أمر آخر",
        },
    }


class Policy(_Model):
    """The whole schedule policy an admin sets for one installation."""

    timezone: str = "Europe/Helsinki"
    quiet_hours: TimeWindow = Field(
        default_factory=lambda: TimeWindow(start=time(21, 0), end=time(9, 0))
    )
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    invite_lifetime: PositiveDuration = timedelta(days=14)
    retention: PositiveDuration = timedelta(days=365)
    checkins: CheckinPolicy = Field(default_factory=CheckinPolicy)
    appointments: AppointmentPolicy = Field(default_factory=AppointmentPolicy)
    deadlines: DeadlinePolicy = Field(default_factory=DeadlinePolicy)
    escalation: EscalationPolicy = Field(default_factory=EscalationPolicy)
    workers: WorkersPolicy = Field(default_factory=WorkersPolicy)
    benefit_kinds: dict[str, dict[str, str]] = Field(default_factory=_default_benefit_kinds)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Only real IANA zones, so DST is handled by the tz database rather than guessed."""
        name = value.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {name!r}; use an IANA name like Europe/Helsinki"
            ) from None
        return name

    @field_validator("benefit_kinds")
    @classmethod
    def _catalogue(cls, kinds: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """Slugs are simple, an 'other' kind exists, and every kind reads in fi, sv and en."""
        problems: list[tuple[str, str]] = []
        cleaned: dict[str, dict[str, str]] = {}
        for slug, labels in kinds.items():
            if not _SLUG.fullmatch(slug):
                problems.append((slug, "kind names use only a-z and _, e.g. housing_allowance"))
            for lang in REQUIRED_LANGUAGES:
                if not labels.get(lang, "").strip():
                    problems.append((f"{slug}.{lang}", f"a label in {lang} is required"))
            for lang, label in labels.items():
                if lang not in LANGUAGES:
                    problems.append(
                        (f"{slug}.{lang}", f"unknown language; use {', '.join(LANGUAGES)}")
                    )
                elif len(label.strip()) > _MAX_LABEL:
                    problems.append((f"{slug}.{lang}", f"at most {_MAX_LABEL} characters"))
            # Labels become button texts; stray spaces around them are never intended.
            cleaned[slug] = {lang: label.strip() for lang, label in labels.items() if label.strip()}
        if "other" not in kinds:
            problems.append(("other", "the catalogue must contain an 'other' kind"))
        if problems:
            raise _rules(problems)
        return cleaned

    @property
    def zone(self) -> ZoneInfo:
        """The policy's time zone."""
        return ZoneInfo(self.timezone)

    def benefit_label(self, kind: str, lang: str) -> str:
        """Label of kind `kind` in `lang` (fallback en, then fi); unknown kinds read as 'other'."""
        labels = self.benefit_kinds.get(kind) or self.benefit_kinds["other"]
        return labels.get(lang) or labels.get("en") or labels["fi"]


def default_policy() -> Policy:
    """The policy a fresh installation starts with."""
    return Policy()


# --- errors ----------------------------------------------------------------------------------


def _is_location_noise(part: str | int) -> bool:
    """Whether a pydantic location part is an internal tag rather than a key the admin wrote."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _plain_reason(error: Any) -> str:
    """Turn one pydantic error into a short plain-English reason."""
    kind = error["type"]
    msg: str = error["msg"]
    if kind == "extra_forbidden":
        return "unknown setting"
    if kind == "missing":
        return "required but missing"
    if kind == "literal_error":
        return f"must be one of {', '.join(ESCALATION_TARGETS)}"
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    msg = msg.replace("Input should be", "should be")
    return msg[:1].lower() + msg[1:]


def _problems(exc: ValidationError, prefix: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every problem of a ValidationError as (dotted key, reason)."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        loc = [str(p) for p in (*prefix, *error["loc"]) if not _is_location_noise(p)]
        ctx = error.get("ctx") or {}
        if error["type"] == "policy_rules":
            for sub, reason in ctx["problems"]:
                problems.append((".".join([*loc, *([sub] if sub else [])]) or "(policy)", reason))
            continue
        key = ".".join(loc) or "(policy)"
        reason = _plain_reason(error)
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(key, _all_keys(), n=3, cutoff=0.6)
            if close:
                reason += f"; did you mean {' or '.join(close)}?"
        problems.append((key, reason))
    return problems


def _validate(data: Any) -> Policy:
    """Validate plain data into a Policy, naming every problem."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_problems(exc)) from None


# --- dict / JSON ------------------------------------------------------------------------------


def policy_to_dict(p: Policy) -> dict[str, Any]:
    """JSON-compatible dict (durations and times as text) for storage."""
    return p.model_dump(mode="json")


def policy_from_dict(data: dict[str, Any]) -> Policy:
    """Validate a dict (e.g. stored JSON) into a Policy; raises PolicyError."""
    return _validate(data)


# --- TOML ------------------------------------------------------------------------------------

_SECTIONS = ("checkins", "appointments", "deadlines", "escalation", "workers", "benefit_kinds")
_COMMENTS: dict[str, str] = {
    "quiet_hours": "no messages to clients in this window (may span midnight)",
    "retention": "closed clients' personal data deleted after this",
    "checkins": "cadence tapers after release",
    "checkins.phases": "until_day counts from the release day (day 0)",
    "checkins.nudge_after": "a gentle reminder if not answered yet",
    "appointments.confirm_by": "still unconfirmed this long before: alert the worker",
    "deadlines.morning": "local time of day a deadline reminder goes out",
    "escalation.resurface_after": "acknowledged but not resolved: back to whoever took it",
    "benefit_kinds": (
        "catalogue of deadline kinds; a label per language "
        "(fi, sv, en required; ru, et, ar optional)"
    ),
}
_HEADER = (
    "# Silta schedule policy.\n"
    "# Durations are written like 90s, 15m, 24h or 3d; times of day are local, like 21:00.\n"
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b"}
_TOML_WIDTH = 100


def _toml_key(key: str) -> str:
    """A TOML key, quoted only when it must be."""
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    """A TOML basic string."""
    out = []
    for ch in text:
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    """A TOML value on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dict):
        # TOML has no null: a None field is left out and comes back as its default.
        items = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_line(key: str, value: Any, comment_key: str) -> str:
    """One `key = value` line (arrays too long for a line get one item a line), with comment."""
    line = f"{_toml_key(key)} = {_toml_value(value)}"
    if len(line) > _TOML_WIDTH and isinstance(value, list) and value:
        items = "".join(f"    {_toml_value(v)},\n" for v in value)
        line = f"{_toml_key(key)} = [\n{items}]"
    return _with_comment(line, _COMMENTS.get(comment_key))


def _with_comment(line: str, comment: str | None) -> str:
    """Append a comment at column 33, or put it above when the line is multi-line or too long."""
    if not comment:
        return line
    inline = line + " " * max(1, 32 - len(line)) + "# " + comment
    if "\n" in line or len(inline) > _TOML_WIDTH:
        return f"# {comment}\n{line}"
    return inline


def policy_to_toml(p: Policy) -> str:
    """Readable TOML for a policy; policy_from_toml(policy_to_toml(p)) == p."""
    data = policy_to_dict(p)
    lines = [_HEADER]
    for key, value in data.items():
        if key not in _SECTIONS and value is not None:
            lines.append(_toml_line(key, value, key))
    for section in _SECTIONS:
        lines.extend(["", _with_comment(f"[{section}]", _COMMENTS.get(section))])
        for key, value in data[section].items():
            if value is not None:
                lines.append(_toml_line(key, value, f"{section}.{key}"))
    return "\n".join(lines) + "\n"


def policy_from_toml(text: str) -> Policy:
    """Read and validate a TOML policy; missing keys take defaults; raises PolicyError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([("(file)", f"not valid TOML: {exc}")]) from None
    return _validate(data)


# --- one-key edits ---------------------------------------------------------------------------

_SCALAR_KEYS = (
    "timezone",
    "quiet_hours.start",
    "quiet_hours.end",
    "working_hours.days",
    "working_hours.start",
    "working_hours.end",
    "invite_lifetime",
    "retention",
    "checkins.time",
    "checkins.answer_within",
    "checkins.nudge_after",
    "appointments.confirm_by",
    "deadlines.morning",
    "escalation.resurface_after",
    "workers.digest_time",
)
_LIST_KEYS = ("appointments.remind_before", "deadlines.remind_before")
_BENEFIT_PATTERN = "benefit_kinds.<kind>"

POLICY_KEYS: list[str] = [
    "timezone",
    "quiet_hours.start",
    "quiet_hours.end",
    "working_hours.days",
    "working_hours.start",
    "working_hours.end",
    "invite_lifetime",
    "retention",
    "checkins.time",
    "checkins.phases",
    "checkins.answer_within",
    "checkins.nudge_after",
    "appointments.remind_before",
    "appointments.confirm_by",
    "deadlines.remind_before",
    "deadlines.morning",
    "escalation.steps",
    "escalation.resurface_after",
    "workers.digest_time",
    _BENEFIT_PATTERN,
]
_BENEFIT_KEY = re.compile(r"benefit_kinds\.([^.\s]+)(?:\.([^.\s]+))?")


def _all_keys(p: Policy | None = None) -> list[str]:
    """Settable keys, with the kinds of `p` (or the defaults) spelled out, for suggestions."""
    kinds = (p or default_policy()).benefit_kinds
    return [k for k in POLICY_KEYS if k != _BENEFIT_PATTERN] + [f"benefit_kinds.{k}" for k in kinds]


def _maybe_toml(raw: str, key: str) -> tuple[bool, Any]:
    """Read `raw` as a TOML value if it looks like one (quoted, array or inline table)."""
    if raw[:1] not in ('"', "'", "[", "{"):
        return False, None
    try:
        return True, tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([(key, f"cannot read {raw!r}: {exc}")]) from None


def _split_items(raw: str, separators: str = ",;") -> list[str]:
    """Split a typed list on the given separators, dropping empty items."""
    return [item.strip() for item in re.split(f"[{re.escape(separators)}]", raw) if item.strip()]


def _phase_items(raw: str) -> list[dict[str, str]]:
    """``14:1d,60:3d,7d`` as phase dicts (validation comes later, with exact keys)."""
    items = []
    for item in _split_items(raw):
        compact = "".join(item.split())
        if ":" in compact:
            day, _, every = compact.partition(":")
            items.append({"until_day": day, "every": every})
        else:
            items.append({"every": compact})
    return items


def _step_items(raw: str, key: str) -> list[dict[str, str]]:
    """``assigned_worker:0s,team:8h`` as step dicts."""
    items = []
    for i, item in enumerate(_split_items(raw)):
        compact = "".join(item.split())
        if ":" not in compact:
            raise PolicyError([(f"{key}.{i}", f"write who:after, e.g. team:8h (got {item!r})")])
        to, _, after = compact.partition(":")
        items.append({"to": to.lower(), "after": after})
    return items


def _label_items(raw: str, key: str) -> dict[str, str]:
    """``fi=Vuokra;sv=Hyra;en=Rent`` as a label dict."""
    labels: dict[str, str] = {}
    for item in _split_items(raw, ";"):
        lang, sep, label = item.partition("=")
        if not sep:
            raise PolicyError([(key, f"write labels as fi=...;sv=...;en=... (got {item!r})")])
        labels[lang.strip().lower()] = label.strip()
    return labels


def _typed_value(key: str, raw: str) -> Any:
    """Turn the admin's typed text into plain data for `key`."""
    is_toml, value = _maybe_toml(raw, key)
    if is_toml:
        return value
    if key in _LIST_KEYS:
        if raw.lower() in ("", "-", "none"):
            return []
        # Spaces separate items too, so "1d 2h" means two reminders, not one at 26h.
        return _split_items(raw, ", ;")
    if key == "checkins.phases":
        return _phase_items(raw)
    if key == "escalation.steps":
        return _step_items(raw, key)
    return raw


def set_policy_value(p: Policy, key: str, value: str) -> Policy:
    """A new validated policy with one dotted key changed; raises PolicyError naming the key."""
    key = key.strip().lower()
    raw = value.strip()
    data = policy_to_dict(p)
    benefit = _BENEFIT_KEY.fullmatch(key)
    if benefit:
        slug, lang = benefit.groups()
        kinds = data["benefit_kinds"]
        if lang is not None:
            is_toml, parsed = _maybe_toml(raw, key)
            kinds.setdefault(slug, {})[lang] = parsed if is_toml else raw
        elif raw.lower() in ("-", "delete", "remove"):
            if slug not in kinds:
                raise PolicyError([(key, f"there is no kind {slug!r} to remove")])
            del kinds[slug]
        else:
            is_toml, parsed = _maybe_toml(raw, key)
            kinds[slug] = parsed if is_toml else _label_items(raw, key)
        return _validate(data)
    if key not in POLICY_KEYS:
        close = difflib.get_close_matches(key, _all_keys(p), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise PolicyError([(key or "(key)", f"unknown setting{hint}")])
    section, _, leaf = key.rpartition(".")
    target = data[section] if section else data
    target[leaf] = _typed_value(key, raw)
    return _validate(data)


def parse_phases(text: str) -> list[Phase]:
    """Parse a check-in cadence like ``14:1d,60:3d,7d`` (or TOML); raises PolicyError."""
    raw = text.strip()
    is_toml, value = _maybe_toml(raw, "phases")
    try:
        return _PHASES_ADAPTER.validate_python(value if is_toml else _phase_items(raw))
    except ValidationError as exc:
        raise PolicyError(_problems(exc, ("phases",))) from None


def format_phases(phases: Iterable[Phase]) -> str:
    """Cadence in the same syntax parse_phases reads: ``14:1d, 60:3d, 7d``."""
    return ", ".join(
        format_duration(ph.every)
        if ph.until_day is None
        else f"{ph.until_day}:{format_duration(ph.every)}"
        for ph in phases
    )


def format_steps(steps: Iterable[Step]) -> str:
    """Escalation ladder in the syntax set_policy_value reads: ``assigned_worker:0s, team:8h``."""
    return ", ".join(f"{s.to}:{format_duration(s.after)}" for s in steps)


def describe_policy(p: Policy) -> list[tuple[str, str]]:
    """(dotted key, readable value) rows, in POLICY_KEYS order, one row per benefit kind."""
    data = policy_to_dict(p)
    rows: list[tuple[str, str]] = []
    for key in POLICY_KEYS:
        if key == _BENEFIT_PATTERN:
            for slug, labels in p.benefit_kinds.items():
                text = "; ".join(f"{lang}={label}" for lang, label in labels.items())
                rows.append((f"benefit_kinds.{slug}", text))
        elif key == "checkins.phases":
            rows.append((key, format_phases(p.checkins.phases)))
        elif key == "escalation.steps":
            rows.append((key, format_steps(p.escalation.steps)))
        else:
            # The JSON dump already spells every value the way an admin types it.
            value: Any = data
            for part in key.split("."):
                value = value[part]
            if isinstance(value, list):
                value = ", ".join(value) if value else "none"
            rows.append((key, str(value)))
    return rows


# --- time helpers for the scheduler -----------------------------------------------------------


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
