"""CLI for admins: policy, audit, statistics, data protection, backup."""

from __future__ import annotations

from typing import Any


def register(sub: Any, worker_sub: Any) -> None:
    """Add the policy, audit, stats, purge, export and backup commands."""
