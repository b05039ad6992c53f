"""A client's partner contacts (prison, social worker, housing, …)."""

from __future__ import annotations

from datetime import datetime

from aiosqlite import Connection

from storage.models import PartnerContact
from storage.times import utc_iso


async def add_contact(
    conn: Connection,
    *,
    client_id: int,
    role: str,
    name: str | None,
    organisation: str | None,
    phone: str | None,
    email: str | None,
    shareable: bool,
    created_by: int | None,
    now: datetime,
) -> PartnerContact:
    cur = await conn.execute(
        "INSERT INTO partner_contacts(client_id, role, name, organisation, phone, email, "
        "shareable, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            client_id,
            role,
            name,
            organisation,
            phone,
            email,
            int(shareable),
            created_by,
            utc_iso(now),
        ),
    )
    return PartnerContact.from_row(await cur.fetchone())


async def get_contact(conn: Connection, contact_id: int) -> PartnerContact | None:
    cur = await conn.execute("SELECT * FROM partner_contacts WHERE id = ?", (contact_id,))
    return PartnerContact.from_row(await cur.fetchone())


async def contacts_of(
    conn: Connection, client_id: int, *, shareable_only: bool = False
) -> list[PartnerContact]:
    sql = "SELECT * FROM partner_contacts WHERE client_id = ?"
    if shareable_only:
        sql += " AND shareable = 1"
    cur = await conn.execute(sql + " ORDER BY id", (client_id,))
    return [PartnerContact.from_row(r) for r in await cur.fetchall()]


async def set_shareable(conn: Connection, contact_id: int, shareable: bool) -> None:
    await conn.execute(
        "UPDATE partner_contacts SET shareable = ? WHERE id = ?", (int(shareable), contact_id)
    )


async def delete_contact(conn: Connection, contact_id: int) -> None:
    await conn.execute("DELETE FROM partner_contacts WHERE id = ?", (contact_id,))
