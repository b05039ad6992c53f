"""The Bot API spec (tests/telegram-bot-api.json) as cached tables, and request validation."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .models import UploadedFile
from .tghtml import HtmlError, parse_html_cached, utf16_len

__all__ = ["SPEC_PATH", "MethodSpec", "Problem", "Spec", "load_spec"]

SPEC_PATH = Path(__file__).resolve().parent.parent / "telegram-bot-api.json"

# A parsed type: ("prim", "Integer") | ("ref", "Message") | ("array", <type>).
TypeExpr = tuple[Any, ...]
_PRIMS = frozenset({"Integer", "Float", "String", "Boolean", "InputFile"})
_INT_RE = re.compile(r"-?[0-9]+")
_DISCRIMINATOR_RE = re.compile(r'(?:always "([^"]+)"|must be ([a-z_]+))')
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_PARSE_MODES = frozenset({"HTML", "MarkdownV2", "Markdown"})
# Exactly one of these makes an inline button do something; Telegram refuses a button with none.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Length limits (UTF-16 units after entity parsing) of formatted text fields.
_TEXT_LIMITS = {"text": (1, 4096), "message_text": (1, 4096), "caption": (0, 1024)}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: where, why, and what Telegram would answer."""

    path: str
    reason: str
    description: str  # "Bad Request: ..." as Telegram words it


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a method or type, with its parsed types and how to decode form text."""

    name: str
    required: bool
    types: tuple[str, ...]
    exprs: tuple[TypeExpr, ...]
    decode: str  # "string" | "int_or_string" | "file_or_string" | "json"


@dataclass(frozen=True, slots=True)
class FormattedField:
    """A text field whose markup is chosen by a parse_mode field."""

    text: str
    parse_mode: str
    limits: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method: canonical name, fields, return types."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    returns: tuple[str, ...]
    formatted: tuple[FormattedField, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A Bot API type: fields, or the subtypes of a union and how to tell them apart."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    subtypes: tuple[str, ...]
    discriminator: tuple[str, str] | None  # (field, value) that marks this subtype
    formatted: tuple[FormattedField, ...]


def _parse_type(text: str) -> TypeExpr:
    if text.startswith("Array of "):
        return ("array", _parse_type(text[len("Array of ") :]))
    if text in _PRIMS:
        return ("prim", text)
    return ("ref", text)


def _field(raw: dict[str, Any]) -> FieldSpec:
    types = tuple(raw["types"])
    if types == ("String",):
        decode = "string"
    elif set(types) == {"Integer", "String"}:
        decode = "int_or_string"
    elif "InputFile" in types:
        decode = "file_or_string"
    else:
        decode = "json"
    exprs = tuple(_parse_type(t) for t in types)
    return FieldSpec(raw["name"], bool(raw.get("required")), types, exprs, decode)


def _formatted(fields: dict[str, FieldSpec]) -> tuple[FormattedField, ...]:
    found = []
    for name in fields:
        if name == "parse_mode":
            for text in ("text", "caption", "message_text"):
                if text in fields:
                    found.append(FormattedField(text, name, _TEXT_LIMITS[text]))
        elif name.endswith("_parse_mode") and name[: -len("_parse_mode")] in fields:
            found.append(FormattedField(name[: -len("_parse_mode")], name, None))
    return tuple(found)


class Spec:
    """Cached lookup tables built once from the spec JSON."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.types: dict[str, TypeSpec] = {}
        for name, raw in data["types"].items():
            fields = {f["name"]: _field(f) for f in raw.get("fields", [])}
            self.types[name] = TypeSpec(
                name=name,
                fields=fields,
                required=tuple(n for n, f in fields.items() if f.required),
                subtypes=tuple(raw.get("subtypes", ())),
                discriminator=_discriminator(raw) if raw.get("subtype_of") else None,
                formatted=_formatted(fields),
            )
        self.methods: dict[str, MethodSpec] = {}
        for name, raw in data["methods"].items():
            fields = {f["name"]: _field(f) for f in raw.get("fields", [])}
            # Telegram matches method names case-insensitively.
            self.methods[name.lower()] = MethodSpec(
                name=name,
                fields=fields,
                required=tuple(n for n, f in fields.items() if f.required),
                returns=tuple(raw.get("returns", ())),
                formatted=_formatted(fields),
            )
        # For each union: discriminator value -> candidate subtypes (several can share one value).
        self._union_index: dict[str, tuple[str | None, dict[str, list[str]], list[TypeExpr]]] = {}
        for name, spec in self.types.items():
            if spec.subtypes:
                self._union_index[name] = self._index_union(spec)

    def _index_union(
        self, spec: TypeSpec
    ) -> tuple[str | None, dict[str, list[str]], list[TypeExpr]]:
        disc_field: str | None = None
        by_value: dict[str, list[str]] = {}
        others: list[TypeExpr] = []
        for sub in spec.subtypes:
            sub_spec = self.types.get(sub)
            if sub_spec is None or sub_spec.discriminator is None:
                others.append(_parse_type(sub))
                continue
            disc_field, value = sub_spec.discriminator
            by_value.setdefault(value, []).append(sub)
        return disc_field, by_value, others

    def method(self, name: str) -> MethodSpec | None:
        """The method called `name` (any letter case), or None."""
        return self.methods.get(name.lower())

    # ---------------------------------------------------------------- decoding

    def decode(
        self, method: MethodSpec, raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Turn form text into typed values by each field's declared types."""
        params: dict[str, Any] = {}
        problems: list[Problem] = []
        fields = method.fields
        for key, value in raw.items():
            spec = fields.get(key)
            if spec is None:
                params[key] = value
                continue
            if isinstance(value, str):
                try:
                    value = _decode_text(value, spec, files)
                except ValueError as exc:
                    problems.append(
                        Problem(key, str(exc), f"Bad Request: can't parse {key}: {exc}")
                    )
                    continue
            params[key] = value
        for key, upload in files.items():
            if key in fields and key not in params:
                params[key] = upload
        return params, problems

    # -------------------------------------------------------------- validation

    def validate(
        self,
        method: MethodSpec,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        raw_text: str = "",
        skip_missing: set[str] | frozenset[str] = frozenset(),
    ) -> list[Problem]:
        """Everything wrong with a decoded request, checked against the spec and Telegram limits."""
        out: list[Problem] = []
        fields = method.fields
        for key, value in params.items():
            spec = fields.get(key)
            if spec is None:
                out.append(
                    Problem(key, "unknown parameter", f'Bad Request: unknown parameter "{key}"')
                )
                continue
            self._check(value, spec.exprs, key, out)
        for key in method.required:
            if key not in params and key not in skip_missing:
                out.append(
                    Problem(key, "required parameter is missing", f"Bad Request: {key} is empty")
                )
        for key in files:
            # A file part belongs to a field, or is referenced as attach://<name> from one.
            if key not in fields and f"attach://{key}" not in raw_text:
                out.append(
                    Problem(
                        key,
                        "file part matches no parameter",
                        f'Bad Request: unknown file part "{key}"',
                    )
                )
        self._check_formatted(params, method.formatted, "", out)
        hook = _METHOD_HOOKS.get(method.name)
        if hook is not None:
            hook(params, out)
        return out

    def check_object(self, value: Any, type_name: str, path: str = "") -> list[Problem]:
        """Everything wrong with `value` as an object of the named type."""
        out: list[Problem] = []
        self._check_object(value, type_name, path or type_name, out)
        return out

    def _check(
        self, value: Any, exprs: tuple[TypeExpr, ...], path: str, out: list[Problem]
    ) -> None:
        if len(exprs) == 1:
            self._check_one(value, exprs[0], path, out)
            return
        # Report the alternative the value was most likely meant to be: one whose required
        # fields are all there beats one with fewer errors (a bad inline keyboard is still one).
        best: list[Problem] = []
        best_score: tuple[int, int] | None = None
        for expr in exprs:
            errs: list[Problem] = []
            self._check_one(value, expr, path, errs)
            if not errs:
                return
            score = (0 if self._shape_matches(value, expr) else 1, len(errs))
            if best_score is None or score < best_score:
                best, best_score = errs, score
        out.extend(best)

    def _shape_matches(self, value: Any, expr: TypeExpr) -> bool:
        if expr[0] != "ref" or not isinstance(value, dict):
            return False
        spec = self.types.get(expr[1])
        if spec is None or spec.subtypes or not all(k in value for k in spec.required):
            return False
        return (
            spec.discriminator is None or value.get(spec.discriminator[0]) == spec.discriminator[1]
        )

    def _check_one(self, value: Any, expr: TypeExpr, path: str, out: list[Problem]) -> None:
        kind, arg = expr
        if kind == "prim":
            if not _prim_ok(value, arg):
                out.append(_type_problem(path, arg, value))
            return
        if kind == "array":
            if not isinstance(value, list):
                out.append(_type_problem(path, "Array", value))
                return
            for i, item in enumerate(value):
                self._check_one(item, arg, f"{path}[{i}]", out)
            return
        self._check_object(value, arg, path, out)

    def _check_object(self, value: Any, type_name: str, path: str, out: list[Problem]) -> None:
        spec = self.types.get(type_name)
        if spec is None:
            out.append(
                Problem(path, f"unknown type {type_name}", f"Bad Request: can't parse {path}")
            )
            return
        if spec.subtypes:
            self._check_union(value, spec, path, out)
            return
        if not isinstance(value, dict):
            out.append(_type_problem(path, type_name, value))
            return
        fields = spec.fields
        if not fields:  # empty marker objects such as CallbackGame
            return
        for key, item in value.items():
            field = fields.get(key)
            if field is None:
                out.append(
                    Problem(
                        f"{path}.{key}",
                        f"unknown field of {type_name}",
                        f'Bad Request: can\'t parse {type_name}: unknown field "{key}"',
                    )
                )
                continue
            self._check(item, field.exprs, f"{path}.{key}", out)
        for key in spec.required:
            if key not in value:
                out.append(
                    Problem(
                        f"{path}.{key}",
                        f"required field of {type_name} is missing",
                        f'Bad Request: can\'t parse {type_name}: field "{key}" is required',
                    )
                )
        if spec.discriminator is not None:
            disc_field, expected = spec.discriminator
            if value.get(disc_field) != expected:
                out.append(
                    Problem(
                        f"{path}.{disc_field}",
                        f"must be {expected!r} for {type_name}",
                        f"Bad Request: can't parse {type_name}: wrong {disc_field}",
                    )
                )
        if spec.formatted:
            self._check_formatted(value, spec.formatted, f"{path}.", out)
        hook = _TYPE_HOOKS.get(type_name)
        if hook is not None:
            hook(value, path, out)

    def _check_union(self, value: Any, spec: TypeSpec, path: str, out: list[Problem]) -> None:
        disc_field, by_value, others = self._union_index[spec.name]
        candidates: list[TypeExpr] = []
        if isinstance(value, dict) and disc_field is not None and disc_field in value:
            names = by_value.get(str(value[disc_field]))
            if names is None:
                out.append(
                    Problem(
                        f"{path}.{disc_field}",
                        f"{value[disc_field]!r} is not a known {spec.name} {disc_field}",
                        f"Bad Request: can't parse {spec.name}: unknown {disc_field}",
                    )
                )
                return
            candidates = [("ref", n) for n in names]
        else:
            candidates = [("ref", n) for names in by_value.values() for n in names] + others
        self._check(value, tuple(candidates), path, out)

    def _check_formatted(
        self,
        obj: dict[str, Any],
        formatted: tuple[FormattedField, ...],
        prefix: str,
        out: list[Problem],
    ) -> None:
        for spec in formatted:
            mode = obj.get(spec.parse_mode)
            text = obj.get(spec.text)
            if mode is not None and mode not in _PARSE_MODES:
                out.append(
                    Problem(
                        prefix + spec.parse_mode,
                        f"unsupported parse mode {mode!r}",
                        f"Bad Request: unsupported parse_mode {mode}",
                    )
                )
                continue
            if not isinstance(text, str):
                continue
            visible = text
            if mode == "HTML":
                try:
                    visible, _ = parse_html_cached(text)
                except HtmlError as exc:
                    out.append(
                        Problem(prefix + spec.text, str(exc), f"Bad Request: {_lower_first(exc)}")
                    )
                    continue
            if spec.limits is None:
                continue
            low, high = spec.limits
            size = utf16_len(visible)
            if size > high:
                what = "message caption" if spec.text == "caption" else "message"
                out.append(
                    Problem(
                        prefix + spec.text,
                        f"too long: {size} > {high} UTF-16 units after entity parsing",
                        f"Bad Request: {what} is too long",
                    )
                )
            elif low > 0 and not visible.strip():
                out.append(
                    Problem(
                        prefix + spec.text,
                        "empty after entity parsing",
                        "Bad Request: message text is empty",
                    )
                )


def _lower_first(exc: Exception) -> str:
    text = str(exc)
    return text[:1].lower() + text[1:]


def _decode_text(value: str, spec: FieldSpec, files: dict[str, UploadedFile]) -> Any:
    """Decode one form value the way Telegram reads it for the field's declared types."""
    mode = spec.decode
    if mode == "string":
        return value
    if mode == "int_or_string":
        return int(value) if _INT_RE.fullmatch(value) else value
    if mode == "file_or_string":
        if value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise ValueError(f"{value} names no uploaded file part")
            return upload
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None


def _prim_ok(value: Any, name: str) -> bool:
    if name == "String":
        return isinstance(value, str)
    if name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "Boolean":
        return isinstance(value, bool)
    if name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    # InputFile: an uploaded part, or a string (file_id, URL, attach://name inside JSON).
    return isinstance(value, UploadedFile | str)


def _type_problem(path: str, expected: str, value: Any) -> Problem:
    got = type(value).__name__
    return Problem(
        path,
        f"expected {expected}, got {got} {value!r:.40}",
        f"Bad Request: can't parse {path}: expected {expected}",
    )


def _discriminator(raw: dict[str, Any]) -> tuple[str, str] | None:
    """The (field, value) a union member is recognised by, read from its first field's text."""
    fields = raw.get("fields") or []
    if not fields or fields[0]["name"] not in ("type", "source", "status"):
        return None
    match = _DISCRIMINATOR_RE.search(fields[0].get("description", ""))
    if match is None:
        return None
    return fields[0]["name"], match.group(1) or match.group(2)


# ---------------------------------------------------------------------- hooks: Telegram's limits


def _inline_button(value: dict[str, Any], path: str, out: list[Problem]) -> None:
    if not str(value.get("text", "")).strip():
        out.append(
            Problem(f"{path}.text", "button text is empty", "Bad Request: BUTTON_TEXT_EMPTY")
        )
    data = value.get("callback_data")
    if isinstance(data, str):
        size = len(data.encode("utf-8"))
        if not 1 <= size <= 64:
            out.append(
                Problem(
                    f"{path}.callback_data",
                    f"callback_data must be 1-64 bytes, is {size}",
                    "Bad Request: BUTTON_DATA_INVALID",
                )
            )
    actions = [k for k in _BUTTON_ACTIONS if k in value]
    if len(actions) != 1:
        reason = "no action" if not actions else f"several actions {actions}"
        out.append(
            Problem(
                path,
                f"inline button needs exactly one action field, has {reason}",
                "Bad Request: can't parse inline keyboard button: Text buttons are unallowed "
                "in the inline keyboard",
            )
        )


def _keyboard_button(value: dict[str, Any], path: str, out: list[Problem]) -> None:
    if not str(value.get("text", "")).strip():
        out.append(
            Problem(f"{path}.text", "button text is empty", "Bad Request: BUTTON_TEXT_EMPTY")
        )


def _bot_command(value: dict[str, Any], path: str, out: list[Problem]) -> None:
    command = value.get("command")
    if isinstance(command, str) and not _COMMAND_RE.fullmatch(command):
        out.append(
            Problem(
                f"{path}.command",
                f"command {command!r} must be 1-32 characters of a-z, 0-9 and _",
                "Bad Request: BOT_COMMAND_INVALID",
            )
        )
    description = value.get("description")
    if isinstance(description, str) and not 1 <= len(description.strip()) <= 256:
        out.append(
            Problem(
                f"{path}.description",
                f"description must be 1-256 characters, is {len(description)}",
                "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
            )
        )


def _set_my_commands(params: dict[str, Any], out: list[Problem]) -> None:
    commands = params.get("commands")
    if isinstance(commands, list) and len(commands) > 100:
        out.append(
            Problem(
                "commands",
                f"at most 100 commands, got {len(commands)}",
                "Bad Request: too many commands",
            )
        )


def _answer_callback_query(params: dict[str, Any], out: list[Problem]) -> None:
    text = params.get("text")
    if isinstance(text, str) and utf16_len(text) > 200:
        out.append(
            Problem(
                "text",
                f"at most 200 characters, got {utf16_len(text)}",
                "Bad Request: MESSAGE_TOO_LONG",
            )
        )


def _send_chat_action(params: dict[str, Any], out: list[Problem]) -> None:
    action = params.get("action")
    if isinstance(action, str) and action not in _CHAT_ACTIONS:
        out.append(
            Problem(
                "action",
                f"unknown chat action {action!r}",
                "Bad Request: wrong parameter action in request",
            )
        )


_TYPE_HOOKS = {
    "InlineKeyboardButton": _inline_button,
    "KeyboardButton": _keyboard_button,
    "BotCommand": _bot_command,
}
_METHOD_HOOKS = {
    "setMyCommands": _set_my_commands,
    "answerCallbackQuery": _answer_callback_query,
    "sendChatAction": _send_chat_action,
}


@functools.cache
def load_spec(path: str | None = None) -> Spec:
    """The spec at `path` (default tests/telegram-bot-api.json), parsed once per process."""
    with open(path or SPEC_PATH, encoding="utf-8") as handle:
        return Spec(json.load(handle))
