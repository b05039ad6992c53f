"""Versions of the service guide (JSON bodies; the newest is in force)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiosqlite import Connection

from storage.times import utc_iso


async def latest_guide(conn: Connection) -> tuple[int, dict[str, Any]] | None:
    """(version, body) of the newest guide, or None when none was applied."""
    cur = await conn.execute("SELECT id, body FROM guide_versions ORDER BY id DESC LIMIT 1")
    row = await cur.fetchone()
    return (int(row[0]), json.loads(row[1])) if row else None


async def add_guide(
    conn: Connection, body: dict[str, Any], created_by: int | None, now: datetime
) -> int:
    """Store a new guide version; returns its number."""
    cur = await conn.execute(
        "INSERT INTO guide_versions(body, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
        (json.dumps(body, ensure_ascii=False), created_by, utc_iso(now)),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])
