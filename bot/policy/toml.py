"""The policy as commented TOML that doubles as its own reference, and reading it back."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from bot.i18n import N_
from bot.policy.model import Policy
from bot.policy.validation import PolicyError, policy_from_dict, policy_to_dict
from bot.reasons import Reason as R

__all__ = ["policy_from_toml", "policy_to_toml"]

_SECTIONS = (
    "checkins",
    "appointments",
    "deadlines",
    "escalation",
    "workers",
    "messages",
    "invites",
    "records",
    "privacy",
    "benefit_kinds",
    "plan",
    "plan_templates",
)
_COMMENTS: dict[str, str] = {
    "quiet_hours": "no messages to clients in this window (may span midnight)",
    "retention": "closed clients' personal data deleted after this",
    "checkins": "cadence tapers after release",
    "checkins.phases": "until_day counts from the release day (day 0)",
    "checkins.nudge_after": "a gentle reminder if not answered yet",
    "appointments.confirm_by": "still unconfirmed this long before: alert the worker",
    "deadlines.morning": "local time of day a deadline reminder goes out",
    "records.remind_after_days": "digest lists clients with events not recorded for this many days",
    "escalation.resurface_after": "acknowledged but not resolved: back to whoever took it",
    "escalation.step_time": (
        "working_time: first step when working time starts, each delay counts working time "
        "only; or clock_time"
    ),
    "escalation.urgent": "at_once: urgent alerts go day or night and climb on the clock",
    "messages.max_media_mb": "larger photos, voice messages and files are not passed on (MB)",
    "invites.valid_after_release": "an invite made before release works this long after it",
    "invites.team_phone": "printed on invite cards; empty: left out",
    "plan.remind_before": "worker told of open plan items this many days before they are due",
    "plan_templates": (
        "release-plan templates: owner (client, worker, prison, other), due_days from the "
        "release date (-14 = two weeks before), a label per language (fi, sv, en required)"
    ),
    "privacy.controller": "who keeps clients' data, shown by /privacy (e.g. the county's name)",
    "privacy.contact": "data-protection contact shown by /privacy",
    "privacy.sensitive_places": "a place with one of these words warns the worker (lock screens)",
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


def policy_from_toml(text: str, *, refuse_empty: bool = False) -> Policy:
    """Read and validate a TOML policy; missing keys take defaults; raises PolicyError.

    With `refuse_empty`, a file that sets nothing (empty, or comments only) is refused: applied,
    it would silently reset every setting to its default.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([("(file)", R(N_("not valid TOML: {error}"), error=exc))]) from None
    if refuse_empty and not data:
        raise PolicyError(
            [
                (
                    "(file)",
                    R(N_("sets nothing (empty or only comments); `silta policy show` prints one")),
                )
            ]
        )
    return policy_from_dict(data)
