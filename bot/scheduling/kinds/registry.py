"""Every kind of outbox row, by name: the dispatcher's one way to learn what a row means."""

from __future__ import annotations

from aiosqlite import Connection

from bot.core import Core
from bot.scheduling.kinds.answers import DirectAnswer
from bot.scheduling.kinds.base import ClientMessage, Kind, Prepared, Skip
from bot.scheduling.kinds.client import (
    AppointmentReminder,
    Checkin,
    ClientNotice,
    DeadlineReminder,
    GuideTopic,
    MediaToClient,
    Nudge,
    PlanReminder,
    RelayToClient,
    ReleaseDay,
)
from bot.scheduling.kinds.partner import PartnerJoint, PartnerNotice, PartnerWeekly
from bot.scheduling.kinds.timers import (
    AlertResurface,
    AlertStep,
    AppointmentConfirmCheck,
    ContactDue,
    Daily,
    DeadlinePassed,
    PauseEnd,
)
from bot.scheduling.kinds.worker import (
    AlertCard,
    AlertEdit,
    AttendanceQuestion,
    Digest,
    MediaToWorker,
    RelayToWorker,
    WorkerNotice,
)
from storage.models import OutboxRow

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Checkin(),
        AppointmentReminder(),
        DeadlineReminder(),
        PlanReminder(),
        ReleaseDay(),
        Nudge(),
        ClientNotice(),
        RelayToClient(),
        MediaToClient(),
        GuideTopic(),
        AttendanceQuestion(),
        AlertCard(),
        AlertEdit(),
        RelayToWorker(),
        MediaToWorker(),
        WorkerNotice(),
        Digest(),
        PartnerNotice(),
        PartnerWeekly(),
        PartnerJoint(),
        DirectAnswer(),
        ContactDue(),
        AlertStep(),
        AlertResurface(),
        AppointmentConfirmCheck(),
        DeadlinePassed(),
        PauseEnd(),
        Daily(),
    )
}
CLIENT_KINDS = frozenset(name for name, kind in KINDS.items() if isinstance(kind, ClientMessage))


class Unknown(Kind):
    """A row of a kind this version does not know (written by a newer one): fail it, loudly."""

    name = "unknown"

    async def prepare(self, conn: Connection, core: Core, row: OutboxRow) -> Prepared:
        return Skip(f"unknown kind {row.kind}", state="failed")


_UNKNOWN = Unknown()


def kind_of(name: str) -> Kind:
    """The kind of a row; an unknown name fails its row instead of stopping the dispatcher."""
    return KINDS.get(name, _UNKNOWN)
