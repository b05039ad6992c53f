"""What an admin types: one-key edits, the short list syntaxes, and the readable key/value table."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from typing import Any

from bot.durations import format_duration
from bot.i18n import N_
from bot.policy.model import BENEFIT_KIND_KEY, POLICY_KEYS, Phase, Policy, Step, settable_keys
from bot.policy.validation import PolicyError, policy_from_dict, policy_to_dict, validate_phases
from bot.reasons import Reason as R

__all__ = [
    "describe_policy",
    "format_phases",
    "format_steps",
    "parse_phases",
    "set_policy_value",
]

_LIST_KEYS = (
    "appointments.remind_before",
    "deadlines.remind_before",
    "plan.remind_before",
    "privacy.sensitive_places",
)
_BENEFIT_KEY = re.compile(r"benefit_kinds\.([^.\s]+)(?:\.([^.\s]+))?")


def _maybe_toml(raw: str, key: str) -> tuple[bool, Any]:
    """Read `raw` as a TOML value if it looks like one (quoted, array or inline table)."""
    if raw[:1] not in ('"', "'", "[", "{"):
        return False, None
    try:
        return True, tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            [(key, R(N_("cannot read {value}: {error}"), value=repr(raw), error=exc))]
        ) from None


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
            raise PolicyError(
                [
                    (
                        f"{key}.{i}",
                        R(N_("write who:after, e.g. team:8h (not {value})"), value=repr(item)),
                    )
                ]
            )
        to, _, after = compact.partition(":")
        items.append({"to": to.lower(), "after": after})
    return items


def _label_items(raw: str, key: str) -> dict[str, str]:
    """``fi=Vuokra;sv=Hyra;en=Rent`` as a label dict."""
    labels: dict[str, str] = {}
    for item in _split_items(raw, ";"):
        lang, sep, label = item.partition("=")
        if not sep:
            raise PolicyError(
                [
                    (
                        key,
                        R(
                            N_("write labels as fi=...;sv=...;en=... (not {value})"),
                            value=repr(item),
                        ),
                    )
                ]
            )
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
                raise PolicyError(
                    [(key, R(N_("there is no kind {kind} to remove"), kind=repr(slug)))]
                )
            del kinds[slug]
        else:
            is_toml, parsed = _maybe_toml(raw, key)
            kinds[slug] = parsed if is_toml else _label_items(raw, key)
        return policy_from_dict(data)
    if key not in POLICY_KEYS:
        close = difflib.get_close_matches(key, settable_keys(p), n=3, cutoff=0.5)
        reason = (
            R(N_("unknown setting; did you mean {keys}?"), keys=" / ".join(close))
            if close
            else R(N_("unknown setting"))
        )
        raise PolicyError([(key or "(key)", reason)])
    section, _, leaf = key.rpartition(".")
    target = data[section] if section else data
    target[leaf] = _typed_value(key, raw)
    return policy_from_dict(data)


def parse_phases(text: str) -> list[Phase]:
    """Parse a check-in cadence like ``14:1d,60:3d,7d`` (or TOML); raises PolicyError."""
    raw = text.strip()
    is_toml, value = _maybe_toml(raw, "phases")
    return validate_phases(value if is_toml else _phase_items(raw))


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
        if key == BENEFIT_KIND_KEY:
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
