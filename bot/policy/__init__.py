"""The admin-set schedule policy: validated models, TOML/JSON round trips and scheduling helpers.

Layers, each importing only those above it: `values` (clock times, weekdays, vocabularies),
`ranges` (every setting's hard and usual range), `model` (the pydantic `Policy`), `validation`
(plain data to a Policy or a `PolicyError`), then `toml`, `editing` (what an admin types) and
`calendar` (local time for the scheduler).
"""

from __future__ import annotations

from bot.policy.calendar import (
    add_working_time,
    checkin_interval,
    in_quiet_hours,
    is_finnish_holiday,
    is_working_day,
    is_working_time,
    local_to_utc,
    move_out_of_quiet_hours,
    next_checkin_after,
    next_working_time,
)
from bot.policy.editing import (
    describe_policy,
    format_phases,
    format_steps,
    parse_phases,
    set_policy_value,
)
from bot.policy.model import (
    POLICY_KEYS,
    AppointmentPolicy,
    CheckinPolicy,
    DeadlinePolicy,
    EscalationPolicy,
    Phase,
    Policy,
    Step,
    TimeWindow,
    WorkersPolicy,
    WorkingHours,
    default_policy,
)
from bot.policy.toml import policy_from_toml, policy_to_toml
from bot.policy.validation import (
    NeedsForce,
    PolicyError,
    policy_from_dict,
    policy_to_dict,
    unusual_changes,
)
from bot.policy.values import (
    LANGUAGES,
    REQUIRED_LANGUAGES,
    EscalationTarget,
    format_days,
    parse_days,
)

__all__ = [
    "LANGUAGES",
    "POLICY_KEYS",
    "REQUIRED_LANGUAGES",
    "AppointmentPolicy",
    "CheckinPolicy",
    "DeadlinePolicy",
    "EscalationPolicy",
    "EscalationTarget",
    "NeedsForce",
    "Phase",
    "Policy",
    "PolicyError",
    "Step",
    "TimeWindow",
    "WorkersPolicy",
    "WorkingHours",
    "add_working_time",
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
    "unusual_changes",
]
