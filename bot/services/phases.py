"""A client's phase: before release, released (day N), or closed — one rule for every view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from storage.models import Client

PhaseName = Literal["before_release", "released", "closed"]


@dataclass(frozen=True)
class ClientPhase:
    """Where a client is; `days` counts to the release (before) or since it (released).

    `days` is None before release when the release date is not known yet.
    """

    name: PhaseName
    days: int | None = None
    release_date: date | None = None


def phase_of(client: Client, today: date, zone: ZoneInfo) -> ClientPhase:
    """The client's phase on local day `today`.

    Day 0 is the release date, else the day the client joined: the same day 0 the check-in
    cadence counts from (planner.checkin_start), so "day 3" here is day 3 there. A client with no
    release date who has not joined is still taken to be inside.
    """
    if client.status == "closed":
        return ClientPhase("closed", release_date=client.release_date)
    release = client.release_date
    if release is None:
        if client.joined_at is None:
            return ClientPhase("before_release")
        joined = client.joined_at.astimezone(zone).date()
        return ClientPhase("released", max(0, (today - joined).days))
    if release > today:
        return ClientPhase("before_release", (release - today).days, release)
    return ClientPhase("released", (today - release).days, release)
