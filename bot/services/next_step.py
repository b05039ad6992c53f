"""What really happens next to something a client sends: who sees it first, and when.

Clients are told this instead of a promise ("will contact you soon") that a Friday night or a
public holiday would break. It follows the same rules the alert ladder does (`alerts.notify_step`
climbs past steps with nobody reachable at once; a worker sees an alert in working time), so the
answer and what happens cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from aiosqlite import Connection

from bot.core import Core
from bot.policy import Policy, is_working_time, next_working_time
from bot.services.alerts import step_recipients
from storage.models import Client

Reader = Literal["assigned_worker", "backup_worker", "team", "admins", "nobody"]


@dataclass(frozen=True)
class NextStep:
    """Who sees a client's message or request first, and when."""

    who: Reader
    # The first name of the assigned or backup worker ("" for a team, the admins or nobody).
    name: str = ""
    # None: within working hours, so it is seen now; else the next start of working time (UTC).
    at: datetime | None = None
    # The client asked for help or is not OK and nobody sees it now: show the crisis numbers.
    crisis: bool = False


def seen_at(policy: Policy, now: datetime) -> datetime | None:
    """None within working hours; else when working time next starts (holidays excluded)."""
    # Urgent cards reach a phone at once, day or night, but a worker is not on duty then: the
    # honest promise is the working time, not the delivery.
    if is_working_time(policy, now):
        return None
    return next_working_time(policy, now)


async def first_reader(conn: Connection, core: Core, client: Client | None) -> tuple[Reader, str]:
    """The first step of the live ladder that reaches somebody for this client, with the name
    clients know them by when it is one worker."""
    for step in core.policy.escalation.steps:
        found = [w for w in await step_recipients(conn, client, step.to) if not w.unreachable]
        if not found:
            continue  # the ladder climbs past an empty or unreachable step at once
        if step.to in ("assigned_worker", "backup_worker"):
            return (step.to, found[0].first_name)
        return (step.to, "")
    return ("nobody", "")


async def next_step(
    conn: Connection, core: Core, client: Client | None, *, help_asked: bool = False
) -> NextStep:
    """Who sees what the client just sent and when; `help_asked` when they asked for help or
    said they are not OK (then the crisis numbers go with any answer that is not "now")."""
    who, name = await first_reader(conn, core, client)
    at = seen_at(core.policy, core.now())
    crisis = help_asked and (at is not None or who == "nobody")
    return NextStep(who, name, None if who == "nobody" else at, crisis)
