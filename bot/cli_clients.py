"""CLI for workers' bulk work: clients, appointments, deadlines."""

from __future__ import annotations

from typing import Any


def register(sub: Any, worker_sub: Any) -> None:
    """Add the client, appointment and deadline commands."""
