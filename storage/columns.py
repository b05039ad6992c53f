"""Setting some columns of one row: the one place Python values become SQLite values for it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiosqlite import Connection

from storage.times import utc_iso


def sql_value(value: Any) -> Any:
    """A value as stored: datetimes as UTC strings, dates as ISO days, booleans as 0/1."""
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


async def set_columns(conn: Connection, table: str, row_id: int, fields: dict[str, Any]) -> None:
    """`UPDATE table SET ... WHERE id = row_id` for the given columns (nothing when none).

    `table` and the column names come from our own code, never from input.
    """
    if not fields:
        return
    cols = ", ".join(f"{k} = ?" for k in fields)
    values = [sql_value(v) for v in fields.values()]
    await conn.execute(f"UPDATE {table} SET {cols} WHERE id = ?", (*values, row_id))
