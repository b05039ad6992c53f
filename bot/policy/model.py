"""The pydantic `Policy` and its parts, with the rules that tie their fields together."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.durations import Duration, PositiveDuration, format_duration
from bot.i18n import N_
from bot.policy.plan import PlanPolicy, PlanTemplate, check_template_slugs, default_plan_templates
from bot.policy.privacy import PrivacyPolicy
from bot.policy.ranges import LIST_LIMITS, UNTIL_DAY, hard_problem
from bot.policy.values import (
    LANGUAGES,
    REQUIRED_LANGUAGES,
    ClockTime,
    EscalationTarget,
    Weekdays,
    WholeDays,
)
from bot.reasons import Reason as R

__all__ = [
    "BENEFIT_KIND_KEY",
    "POLICY_KEYS",
    "AppointmentPolicy",
    "CheckinPolicy",
    "DeadlinePolicy",
    "DeliveryPolicy",
    "EscalationPolicy",
    "InvitesPolicy",
    "MessagesPolicy",
    "Phase",
    "Phases",
    "Policy",
    "RecordsPolicy",
    "Step",
    "TimeWindow",
    "WorkersPolicy",
    "WorkingHours",
    "default_policy",
    "settable_keys",
]

_SLUG = re.compile(r"[a-z_]+")
_MAX_LABEL = 100


def _ranged(key: str) -> AfterValidator:
    """A validator keeping a duration inside the hard range of `key` (bot.policy.ranges)."""

    def check(value: timedelta) -> timedelta:
        reason = hard_problem(key, value)
        if reason:
            raise ValueError(reason)
        return value

    return AfterValidator(check)


def _until_day(value: int | None) -> int | None:
    if value is not None and (reason := UNTIL_DAY.hard(value)):
        raise ValueError(reason)
    return value


def _rules(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """Pack several (relative key, reason) problems into one pydantic error."""
    # pydantic gives a model validator one location only; the problem list rides in ctx so
    # PolicyError can still name the exact key of each problem.
    summary = "; ".join(f"{k}: {r}" if k else r for k, r in problems)
    return PydanticCustomError(
        "policy_rules", "{summary}", {"summary": summary, "problems": problems}
    )


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
            raise _rules(
                [("end", R(N_("must be later than start ({start})"), start=f"{self.start:%H:%M}"))]
            )
        return self


class Phase(_Model):
    """One stage of the check-in cadence: every `every` while day < until_day (None: for good)."""

    until_day: Annotated[int | None, AfterValidator(_until_day)] = None
    every: Annotated[PositiveDuration, _ranged("checkins.phases.every")]


def _check_phases(phases: list[Phase]) -> list[Phase]:
    """Phases must end open-ended and their day limits must increase."""
    problems: list[tuple[str, str]] = []
    if not phases:
        raise _rules([("", R(N_("needs at least one phase, e.g. 14:1d,60:3d,7d")))])
    if len(phases) > LIST_LIMITS["checkins.phases"]:
        raise _rules([("", R(N_("at most {n} phases"), n=LIST_LIMITS["checkins.phases"]))])
    last = len(phases) - 1
    previous: int | None = None
    for i, phase in enumerate(phases):
        if i < last and phase.until_day is None:
            problems.append(
                (f"{i}.until_day", R(N_("only the last phase may leave out until_day")))
            )
        if i == last and phase.until_day is not None:
            problems.append(
                (
                    f"{i}.until_day",
                    R(N_("the last phase must not have until_day; it lasts from then on")),
                )
            )
        if phase.until_day is not None:
            if previous is not None and phase.until_day <= previous:
                problems.append(
                    (
                        f"{i}.until_day",
                        R(
                            N_("must be larger than the previous phase's ({previous})"),
                            previous=previous,
                        ),
                    )
                )
            previous = phase.until_day
    if problems:
        raise _rules(problems)
    return phases


Phases = Annotated[list[Phase], AfterValidator(_check_phases)]


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
    answer_within: Annotated[PositiveDuration, _ranged("checkins.answer_within")] = timedelta(
        hours=6
    )
    nudge_after: Annotated[PositiveDuration, _ranged("checkins.nudge_after")] = timedelta(hours=3)

    @model_validator(mode="after")
    def _nudge_before_deadline(self) -> CheckinPolicy:
        """A nudge after the answer window has closed would be pointless."""
        if self.nudge_after >= self.answer_within:
            limit = format_duration(self.answer_within)
            raise _rules(
                [
                    (
                        "nudge_after",
                        R(N_("must be shorter than answer_within ({limit})"), limit=limit),
                    )
                ]
            )
        return self


def _no_repeats(key: str, values: list[timedelta]) -> list[tuple[str, str]]:
    """Problems for values listed twice (a reminder would go out twice at once)."""
    seen: set[timedelta] = set()
    problems: list[tuple[str, str]] = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(
                (f"{key}.{i}", R(N_("{value} is listed twice"), value=format_duration(value)))
            )
        seen.add(value)
    return problems


class AppointmentPolicy(_Model):
    """Reminders before appointments and when to warn the worker about no confirmation."""

    remind_before: list[Annotated[PositiveDuration, _ranged("appointments.remind_before")]] = Field(
        default_factory=lambda: [timedelta(days=1), timedelta(hours=2)],
        max_length=LIST_LIMITS["appointments.remind_before"],
    )
    confirm_by: Annotated[PositiveDuration, _ranged("appointments.confirm_by")] = timedelta(hours=2)

    @model_validator(mode="after")
    def _distinct(self) -> AppointmentPolicy:
        """Each reminder offset once."""
        problems = _no_repeats("remind_before", self.remind_before)
        if problems:
            raise _rules(problems)
        return self


class DeadlinePolicy(_Model):
    """Reminders before benefit deadlines, sent on the morning of the given day."""

    remind_before: list[Annotated[WholeDays, _ranged("deadlines.remind_before")]] = Field(
        default_factory=lambda: [timedelta(days=7), timedelta(days=2), timedelta(0)],
        max_length=LIST_LIMITS["deadlines.remind_before"],
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
    after: Annotated[Duration, _ranged("escalation.steps.after")]


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
        return [("steps", R(N_("needs at least one step, e.g. assigned_worker:0s")))]
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, step in enumerate(steps):
        if step.to in seen:
            problems.append(
                (f"steps.{i}.to", R(N_("{target} already has an earlier step"), target=step.to))
            )
        seen.add(step.to)
        if i == 0:
            continue
        before = steps[i - 1].after
        if step.after < before:
            problems.append(
                (
                    f"steps.{i}.after",
                    R(
                        N_("must not be earlier than the step before ({before})"),
                        before=format_duration(before),
                    ),
                )
            )
        elif step.after < timedelta(seconds=1):
            problems.append((f"steps.{i}.after", R(N_("only the first step may be 0s"))))
    return problems


class EscalationPolicy(_Model):
    """Who hears about an unhandled alert, and when."""

    steps: list[Step] = Field(default_factory=_default_steps)
    resurface_after: Annotated[PositiveDuration, _ranged("escalation.resurface_after")] = timedelta(
        hours=24
    )
    # Non-urgent alerts: "working_time" reaches the first step when working time starts, and each
    # later step's delay counts only working time (holidays excluded) from when the step before
    # could act; "clock_time" counts hours on the clock from the raise.
    step_time: Literal["working_time", "clock_time"] = "working_time"
    # Urgent alerts ("not doing well", "please contact me"): "at_once" reaches the assigned worker
    # at once, day or night, and climbs on the clock; "working_time" treats them like the others.
    urgent: Literal["at_once", "working_time"] = "at_once"

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


class MessagesPolicy(_Model):
    """What clients and workers pass to each other through Silta (photos, voice, files)."""

    # Larger photos, voice messages, videos and documents are not passed on; the sender is told.
    max_media_mb: int = Field(default=20, ge=1, le=2000)


_PHONE = re.compile(r"\+?[0-9 ()\-]{5,30}")


def _team_phone(value: str) -> str:
    """A phone number people can dial from a printed card, or empty (then it is left out)."""
    text = " ".join(str(value).split())
    if text.lower() in ("", "-", "none"):
        return ""
    if not _PHONE.fullmatch(text) or sum(ch.isdigit() for ch in text) < 5:
        raise ValueError(
            f"{text!r} is not a phone number; write e.g. +358 40 123 4567, or - for none"
        )
    return text


class InvitesPolicy(_Model):
    """Client invites: how long one made before release lasts, and what the printed card shows."""

    # The phone is often in the prison's storage until the release day, and the first days out
    # are busy: an invite made during the sentence must outlive the release by this much.
    valid_after_release: Annotated[WholeDays, _ranged("invites.valid_after_release")] = timedelta(
        days=14
    )
    team_phone: Annotated[str, AfterValidator(_team_phone)] = ""


# --- records (summaries for the client record system) ---------------------------------------


class RecordsPolicy(_Model):
    """When the morning digest reminds a worker of events not yet in the client system."""

    remind_after_days: int = Field(default=7, ge=1, le=365)


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


# The default check-in spread (a module constant, read when a policy is made, so the test
# stories written for exact times can set it to zero).
CHECKIN_SPREAD = timedelta(minutes=30)


class DeliveryPolicy(_Model):
    """How the outbox shares Telegram's rate (issue 16)."""

    # Share of the send rate held back for urgent messages (a person asking for help, a relayed
    # message, the answer to a press); the rest carries check-ins and reminders.
    urgent_share: float = Field(default=1 / 3, gt=0, lt=1)
    # Check-ins due at the same time go out spread over this window, each client at a stable
    # moment inside it (0s: all at the set time). Reminders keep their exact times.
    checkin_spread: Duration = Field(default_factory=lambda: CHECKIN_SPREAD)

    @field_validator("checkin_spread")
    @classmethod
    def _spread_below_a_day(cls, value: timedelta) -> timedelta:
        if value < timedelta(0) or value > timedelta(hours=6):
            raise ValueError(R(N_("must be between {low} and {high}"), low="0s", high="6h"))
        return value


class Policy(_Model):
    """The whole schedule policy an admin sets for one installation."""

    timezone: str = "Europe/Helsinki"
    quiet_hours: TimeWindow = Field(
        default_factory=lambda: TimeWindow(start=time(21, 0), end=time(9, 0))
    )
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    invite_lifetime: Annotated[PositiveDuration, _ranged("invite_lifetime")] = timedelta(days=14)
    retention: Annotated[PositiveDuration, _ranged("retention")] = timedelta(days=365)
    checkins: CheckinPolicy = Field(default_factory=CheckinPolicy)
    appointments: AppointmentPolicy = Field(default_factory=AppointmentPolicy)
    deadlines: DeadlinePolicy = Field(default_factory=DeadlinePolicy)
    escalation: EscalationPolicy = Field(default_factory=EscalationPolicy)
    workers: WorkersPolicy = Field(default_factory=WorkersPolicy)
    messages: MessagesPolicy = Field(default_factory=MessagesPolicy)
    invites: InvitesPolicy = Field(default_factory=InvitesPolicy)
    records: RecordsPolicy = Field(default_factory=RecordsPolicy)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)
    privacy: PrivacyPolicy = Field(default_factory=PrivacyPolicy)
    benefit_kinds: dict[str, dict[str, str]] = Field(default_factory=_default_benefit_kinds)
    plan: PlanPolicy = Field(default_factory=PlanPolicy)
    plan_templates: Annotated[dict[str, PlanTemplate], AfterValidator(check_template_slugs)] = (
        Field(default_factory=default_plan_templates)
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Only real IANA zones, so DST is handled by the tz database rather than guessed."""
        name = value.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                R(
                    N_("unknown time zone {name}; use an IANA name like Europe/Helsinki"),
                    name=repr(name),
                )
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
                problems.append(
                    (slug, R(N_("kind names use only a-z and _, e.g. housing_allowance")))
                )
            for lang in REQUIRED_LANGUAGES:
                if not labels.get(lang, "").strip():
                    problems.append(
                        (f"{slug}.{lang}", R(N_("a label in {lang} is required"), lang=lang))
                    )
            for lang, label in labels.items():
                if lang not in LANGUAGES:
                    problems.append(
                        (
                            f"{slug}.{lang}",
                            R(
                                N_("unknown language; use {languages}"),
                                languages=", ".join(LANGUAGES),
                            ),
                        )
                    )
                elif len(label.strip()) > _MAX_LABEL:
                    problems.append(
                        (f"{slug}.{lang}", R(N_("at most {n} characters"), n=_MAX_LABEL))
                    )
            # Labels become button texts; stray spaces around them are never intended.
            cleaned[slug] = {lang: label.strip() for lang, label in labels.items() if label.strip()}
        if "other" not in kinds:
            problems.append(("other", R(N_("the catalogue must contain an 'other' kind"))))
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


# --- settable keys ---------------------------------------------------------------------------

# An admin sets one benefit kind at a time; this pattern stands for all of them.
BENEFIT_KIND_KEY = "benefit_kinds.<kind>"

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
    "escalation.step_time",
    "escalation.urgent",
    "workers.digest_time",
    "messages.max_media_mb",
    "invites.valid_after_release",
    "invites.team_phone",
    "records.remind_after_days",
    "delivery.urgent_share",
    "delivery.checkin_spread",
    "plan.remind_before",
    "privacy.controller",
    "privacy.contact",
    "privacy.sensitive_places",
    BENEFIT_KIND_KEY,
]


def settable_keys(p: Policy | None = None) -> list[str]:
    """Settable keys, with the kinds of `p` (or the defaults) spelled out, for suggestions."""
    kinds = (p or default_policy()).benefit_kinds
    return [k for k in POLICY_KEYS if k != BENEFIT_KIND_KEY] + [f"benefit_kinds.{k}" for k in kinds]
