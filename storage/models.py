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
        if value is None:
            return {}
        return json.loads(value) if isinstance(value, str) else value


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
