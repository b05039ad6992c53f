"""PTB's typed context for Silta: application data, per-user data and the context class."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.core import Core, People
from bot.scheduling.dispatcher import Dispatcher


class BotData:
    """What the application keeps for its lifetime (PTB's `bot_data`), typed.

    PTB makes it with no arguments before start-up, so the parts that start-up opens (the core,
    the dispatcher) are absent until then.
    """

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.clock: Clock | None = None
        self.people: People | None = None
        self.dispatcher: Dispatcher | None = None
        # Telegram's overall send rate the limiter keeps to (0: none); the dispatcher paces by it.
        self.send_rate: float = 0.0
        # The background task that sets every worker's menu after start-up.
        self.menus: asyncio.Task[int] | None = None
        self._core: Core | None = None

    @property
    def started(self) -> bool:
        return self._core is not None

    @property
    def core(self) -> Core:
        """The core, once start-up has opened it."""
        if self._core is None:
            raise RuntimeError("Silta has not started yet")
        return self._core

    @core.setter
    def core(self, core: Core) -> None:
        self._core = core


@dataclass
class Flow:
    """A worker's multi-step conversation (/newclient, /appointment, /deadline, …).

    Its buttons carry `token`, so a button of an ended or replaced conversation is stale.
    The fields below `step` are what the steps so far have gathered.
    """

    name: str
    step: str
    token: str
    client_id: int = 0
    label: str = ""
    nickname: str = ""
    language: str | None = None
    release: date | None = None
    at: datetime | None = None
    place: str = ""
    appt_kind: str = "in_person"  # bot.appointment_kinds.KINDS
    link: str = ""  # a video call's link
    # A partner contact being added: role, name, organisation, phone, email as typed.
    contact: dict[str, str] = field(default_factory=dict)
    appointment_id: int = 0
    item_id: int = 0
    kinds: list[str] = field(default_factory=list)
    kind: str = ""
    text: str | None = None
    due: date | None = None
    # A date typed without a year, read as its next one, waiting for "Did you mean …?" yes/no.
    guess: str = ""


@dataclass
class PendingWorker:
    """An admin's /addworker waiting for the team and language buttons."""

    name: str
    token: str


@dataclass
class UserData:
    """What Silta remembers about one Telegram user between updates (PTB's `user_data`)."""

    flow: Flow | None = None
    addworker: PendingWorker | None = None


class SiltaContext(CallbackContext[ExtBot[Any], UserData, dict[Any, Any], BotData]):
    """CallbackContext with Silta's typed application and user data."""

    @property
    def core(self) -> Core:
        return self.bot_data.core


def context_types() -> ContextTypes[SiltaContext, UserData, dict[Any, Any], BotData]:
    """ContextTypes for ApplicationBuilder."""
    return ContextTypes(context=SiltaContext, bot_data=BotData, user_data=UserData)
