"""Plain models the repositories return; services pass them around, never rows."""

from __future__ import annotations

import functools
import json
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class Model(BaseModel):
    """Base: built from sqlite rows; pydantic parses the stored ISO times as aware UTC."""

    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_row(cls, row: Any) -> Any:
        """Build from an aiosqlite.Row (or None)."""
        if row is None:
            return None
        # sqlite3.Row is not a mapping: iterating it yields values, keys() yields names.
        fields = _field_names(cls)
        return cls(**{k: row[k] for k in row.keys() if k in fields})  # noqa: SIM118

    @classmethod
    def from_rows(cls, rows: list[Any]) -> list[Any]:
        """Many rows of one query, for the hot paths (the dispatcher's claim and its clients).

        The values come from our own schema, written by our own code, so they are converted by
        each field's type once, without pydantic's validation (which cost more than the
        statement): the result equals what from_row builds. A class with a field type or
        validator this does not know is built by from_row.
        """
        if not rows:
            return []
        plan = _plan(cls, tuple(rows[0].keys()))
        if plan is None:
            return [cls.from_row(row) for row in rows]
        picks, defaults = plan
        fields_set = frozenset(name for _, name, _ in picks)
        new = cls.__new__
        built = []
        for row in rows:
            values = dict(defaults)
            for i, name, conv in picks:
                value = row[i]
                values[name] = value if conv is None else conv(value)
            obj = new(cls)
            # What pydantic's model_construct sets, without its per-call field walk.
            object.__setattr__(obj, "__dict__", values)
            object.__setattr__(obj, "__pydantic_fields_set__", fields_set)
            object.__setattr__(obj, "__pydantic_extra__", None)
            object.__setattr__(obj, "__pydantic_private__", None)
            built.append(obj)
        return built


def _json_payload(value: Any) -> Any:
    """A stored JSON payload; NULL (a wiped one) reads as empty."""
    if value is None:
        return {}
    return json.loads(value) if isinstance(value, str) else value


def _to_bool(value: Any) -> Any:
    return value if value is None else bool(value)


def _to_datetime(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _to_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


# Field types from_rows converts itself (NULL stays None); None here: the value as stored.
_CONVERT: dict[Any, Any] = {
    int: None,
    str: None,
    int | None: None,
    str | None: None,
    bool: _to_bool,
    bool | None: _to_bool,
    datetime: _to_datetime,
    datetime | None: _to_datetime,
    date: _to_date,
    date | None: _to_date,
}


@functools.cache
def _plan(cls: type[Model], columns: tuple[str, ...]) -> Any:
    """How from_rows builds `cls` from rows with these columns (in order), or None."""
    fields = cls.model_fields
    validated = {
        name
        for dec in cls.__pydantic_decorators__.field_validators.values()
        for name in dec.info.fields
    }
    if any(name in validated and fields[name].annotation != dict[str, Any] for name in fields):
        return None
    picks: list[tuple[int, str, Any]] = []
    for i, column in enumerate(columns):
        field = fields.get(column)
        if field is None:
            continue
        if field.annotation == dict[str, Any] and column in validated:
            conv: Any = _json_payload
        elif field.annotation in _CONVERT:
            conv = _CONVERT[field.annotation]
        else:
            return None
        picks.append((i, column, conv))
    missing = set(fields) - set(columns)
    if any(fields[name].is_required() for name in missing):
        return None
    defaults = {name: fields[name].get_default(call_default_factory=True) for name in missing}
    return picks, defaults


@functools.cache
def _field_names(cls: type[Model]) -> frozenset[str]:
    # Read once per class: pydantic builds `model_fields` anew on every class-level access,
    # which was a third of the cost of turning a row into a model.
    return frozenset(cls.model_fields)


class Team(Model):
    id: int
    name: str


class Worker(Model):
    id: int
    telegram_id: int | None
    name: str
    role: str
    team_id: int | None
    language: str
    active: bool
    unreachable: bool = False
    # Seeded from SILTA_ADMIN_IDS as "Admin": asked for a real name on first contact.
    needs_name: bool = False

    @property
    def first_name(self) -> str:
        """What clients see."""
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Client(Model):
    id: int
    nickname: str | None
    worker_id: int | None
    backup_worker_id: int | None
    language: str | None
    telegram_id: int | None
    status: str
    unreachable: bool
    release_date: date | None
    joined_at: datetime | None
    consent_at: datetime | None
    paused_until: datetime | None
    checkin_phases: str | None
    last_answer: str | None
    last_answer_at: datetime | None
    last_seen_at: datetime | None
    closed_at: datetime | None
    created_at: datetime

    @property
    def label(self) -> str:
        """How workers see the client: nickname with the id, which commands accept."""
        return f"{self.nickname or '—'} (#{self.id})"


class Invite(Model):
    id: int
    kind: str
    client_id: int | None
    worker_id: int | None
    created_by: int | None
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    partner_id: int | None = None


class Appointment(Model):
    id: int
    client_id: int
    at: datetime
    place: str
    status: str
    confirmation: str | None
    created_by: int | None
    kind: str = "in_person"  # bot.appointment_kinds.KINDS
    link: str | None = None  # a video call's link
    partner_answer: str | None = None  # a joint meeting: the prison partner's answer


class Deadline(Model):
    id: int
    client_id: int
    kind: str
    label: str | None
    due_date: date
    monthly: bool
    status: str
    snoozed_until: datetime | None
    done_at: datetime | None


class PlanItem(Model):
    id: int
    client_id: int
    position: int
    template: str | None
    title: str | None
    done_at: datetime | None
    done_by: str | None
    owner: str = "worker"
    due_offset: int | None = None
    due_date: date | None = None
    state: str = "open"
    state_by_kind: str | None = None
    state_by: int | None = None
    state_at: datetime | None = None
    state_by_partner: int | None = None

    def due(self, release_date: date | None) -> date | None:
        """The day it is due: its own date, or its offset from the release date (if known)."""
        if self.due_date is not None:
            return self.due_date
        if self.due_offset is None or release_date is None:
            return None
        return release_date + timedelta(days=self.due_offset)


class PartnerContact(Model):
    """Someone around a client: the prison's contact, housing, probation, …"""

    id: int
    client_id: int
    role: str  # bot.services.partners.ROLES
    name: str | None
    organisation: str | None
    phone: str | None
    email: str | None
    shareable: bool
    created_by: int | None


class OutboxRow(Model):
    id: int
    key: str
    kind: str
    client_id: int | None
    worker_id: int | None
    alert_id: int | None
    ref_id: int | None
    due_at: datetime
    state: str
    attempts: int
    payload: dict[str, Any]
    chat_id: int | None
    message_id: int | None
    sent_at: datetime | None
    reason: str | None
    priority: int = 2  # storage.outbox.ROUTINE; 0 urgent, 1 timely

    @field_validator("payload", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return _json_payload(value)


class Contact(Model):
    id: int
    client_id: int
    kind: str
    ref_id: int | None
    outbox_id: int | None
    opened_at: datetime
    answer_due_at: datetime
    nudged_at: datetime | None
    answered_at: datetime | None
    answer: str | None
    state: str


class Alert(Model):
    id: int
    client_id: int | None
    reason: str
    urgent: bool
    state: str
    contact_id: int | None
    ref_id: int | None
    ladder: list[dict[str, Any]]
    step: int
    raised_at: datetime
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    snoozed_until: datetime | None
    resolved_by: int | None
    resolved_at: datetime | None
    resolution: str | None = None
    matter: str | None = None
    count: int = 1
    last_at: datetime | None = None
    words: str | None = None
    replied_by: int | None = None
    replied_at: datetime | None = None
    step_at: datetime | None = None

    @field_validator("ladder", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


class AuditEntry(Model):
    id: int
    at: datetime
    actor_id: int | None
    actor_kind: str
    action: str
    client_id: int | None
    detail: str | None


class Partner(Model):
    """A prison's re-entry worker: sees only the shared part of their linked clients."""

    id: int
    telegram_id: int | None
    name: str
    organisation: str
    language: str
    team_id: int | None
    invited_by: int | None
    active: bool
    unreachable: bool = False
    ended_at: datetime | None = None


class Referral(Model):
    id: int
    partner_id: int
    nickname: str | None
    release_date: date | None
    language: str | None
    consent: str
    reason: str
    state: str
    alert_id: int | None
    client_id: int | None
    decided_by: int | None
    decided_at: datetime | None
    decline_reason: str | None
    created_at: datetime


class PlanNote(Model):
    id: int
    item_id: int
    client_id: int
    author_kind: str
    author_id: int
    text: str | None
    created_at: datetime
