"""Plain data in, a valid `Policy` out, or a `PolicyError` naming every bad key in plain English."""

from __future__ import annotations

import difflib
import string
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.i18n import N_
from bot.policy.model import Phase, Phases, Policy, settable_keys
from bot.policy.ranges import soft_problems
from bot.policy.values import ESCALATION_TARGETS
from bot.reasons import Reason

__all__ = [
    "NeedsForce",
    "PolicyError",
    "policy_from_dict",
    "policy_to_dict",
    "unusual_changes",
    "validate_phases",
]

_PHASES_ADAPTER: TypeAdapter[list[Phase]] = TypeAdapter(Phases)


class PolicyError(Exception):
    """A policy could not be read or changed; `problems` lists every (dotted key, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        super().__init__("; ".join(f"{key}: {reason}" for key, reason in self.problems))


class NeedsForce(PolicyError):
    """Values outside their usual range: stored only when the admin says `force`."""


def unusual_changes(old: Policy, new: Policy) -> list[tuple[str, str]]:
    """Values of `new` outside their usual range that `old` did not already have.

    A value forced in once does not need forcing again for every later, unrelated change.
    """
    before = set(soft_problems(old))
    return [problem for problem in soft_problems(new) if problem not in before]


def _is_location_noise(part: str | int) -> bool:
    """Whether a pydantic location part is an internal tag rather than a key the admin wrote."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


# Pydantic's own checks, said plainly and translatably; the limits come from the error context.
_PYDANTIC_REASONS: dict[str, str] = {
    "extra_forbidden": N_("unknown setting"),
    "missing": N_("required but missing"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "greater_than_equal": N_("must be at least {ge}"),
    "greater_than": N_("must be more than {gt}"),
    "less_than_equal": N_("must be at most {le}"),
    "less_than": N_("must be less than {lt}"),
    "string_type": N_("must be text"),
    "list_type": N_("must be a list"),
    "dict_type": N_("must be a table of values"),
    "model_type": N_("must be a table of values"),
}


def _plain_reason(error: Any) -> str:
    """Turn one pydantic error into a short plain reason (a translatable Reason when known)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    raised = ctx.get("error")
    if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], Reason):
        return raised.args[0]
    if kind == "literal_error":
        # pydantic's "expected" reads like "'a' or 'b'": the choices, without the quotes.
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return Reason(
            N_("must be one of {choices}"), choices=expected or ", ".join(ESCALATION_TARGETS)
        )
    args = {k: v for k, v in ctx.items() if k != "error"}
    # A context without the limit the text names falls back to pydantic's own words.
    if kind in _PYDANTIC_REASONS and _names_only(_PYDANTIC_REASONS[kind], args):
        return Reason(_PYDANTIC_REASONS[kind], **args)
    msg: str = error["msg"]
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
            close = difflib.get_close_matches(key, settable_keys(), n=3, cutoff=0.6)
            if close:
                reason = Reason(N_("unknown setting; did you mean {keys}?"), keys=" / ".join(close))
        problems.append((key, reason))
    return problems


def policy_to_dict(p: Policy) -> dict[str, Any]:
    """JSON-compatible dict (durations and times as text) for storage."""
    return p.model_dump(mode="json")


def policy_from_dict(data: dict[str, Any]) -> Policy:
    """Validate a dict (e.g. stored JSON or parsed TOML) into a Policy; raises PolicyError."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_problems(exc)) from None


def validate_phases(data: Any) -> list[Phase]:
    """Validate plain data into a check-in cadence; raises PolicyError keyed under `phases`."""
    try:
        return _PHASES_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise PolicyError(_problems(exc, ("phases",))) from None


def _names_only(msgid: str, args: dict[str, Any]) -> bool:
    """Whether every {field} of `msgid` has a value in `args`."""
    return all(name in args for _, name, _, _ in string.Formatter().parse(msgid) if name)
