"""Partners (the prison's re-entry workers), their links to clients, referrals and plan notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiosqlite import Connection

from storage.columns import set_columns
from storage.models import Client, Partner, PlanNote, Referral
from storage.times import utc_iso

# --- partners --------------------------------------------------------------------------------


async def add_partner(
    conn: Connection,
    *,
    name: str,
    organisation: str,
    language: str,
    team_id: int | None,
    invited_by: int | None,
    now: datetime,
) -> Partner:
    cur = await conn.execute(
        "INSERT INTO partners(name, organisation, language, team_id, invited_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        (name, organisation, language, team_id, invited_by, utc_iso(now)),
    )
    return Partner.from_row(await cur.fetchone())


async def get_partner(conn: Connection, partner_id: int) -> Partner | None:
    cur = await conn.execute("SELECT * FROM partners WHERE id = ?", (partner_id,))
    return Partner.from_row(await cur.fetchone())


async def partner_by_telegram(conn: Connection, telegram_id: int) -> Partner | None:
    cur = await conn.execute("SELECT * FROM partners WHERE telegram_id = ?", (telegram_id,))
    return Partner.from_row(await cur.fetchone())


async def update_partner(conn: Connection, partner_id: int, **fields: Any) -> Partner | None:
    await set_columns(conn, "partners", partner_id, fields)
    return await get_partner(conn, partner_id)


async def active_partners(conn: Connection) -> list[Partner]:
    cur = await conn.execute(
        "SELECT * FROM partners WHERE active AND telegram_id IS NOT NULL ORDER BY id"
    )
    return [Partner.from_row(r) for r in await cur.fetchall()]


async def all_partners(conn: Connection, invited_by: int | None = None) -> list[Partner]:
    """Every partner (ended ones too), or those one worker invited."""
    if invited_by is None:
        cur = await conn.execute("SELECT * FROM partners ORDER BY id")
    else:
        cur = await conn.execute(
            "SELECT * FROM partners WHERE invited_by = ? ORDER BY id", (invited_by,)
        )
    return [Partner.from_row(r) for r in await cur.fetchall()]


async def revoke_invites(conn: Connection, partner_id: int, now: datetime) -> int:
    """Void the partner's unused invites; returns how many."""
    cur = await conn.execute(
        "UPDATE invites SET revoked_at = ? "
        "WHERE partner_id = ? AND used_at IS NULL AND revoked_at IS NULL",
        (utc_iso(now), partner_id),
    )
    return cur.rowcount


# --- links -----------------------------------------------------------------------------------


async def link(conn: Connection, partner_id: int, client_id: int, now: datetime) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO partner_links(partner_id, client_id, created_at) VALUES (?, ?, ?)",
        (partner_id, client_id, utc_iso(now)),
    )


async def unlink(conn: Connection, partner_id: int, client_id: int) -> bool:
    cur = await conn.execute(
        "DELETE FROM partner_links WHERE partner_id = ? AND client_id = ?", (partner_id, client_id)
    )
    return cur.rowcount > 0


async def unlink_all(conn: Connection, partner_id: int) -> list[int]:
    """End every link of a partner; returns the client ids that were linked."""
    cur = await conn.execute(
        "DELETE FROM partner_links WHERE partner_id = ? RETURNING client_id", (partner_id,)
    )
    return sorted(r[0] for r in await cur.fetchall())


async def is_linked(conn: Connection, partner_id: int, client_id: int) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM partner_links WHERE partner_id = ? AND client_id = ?",
        (partner_id, client_id),
    )
    return await cur.fetchone() is not None


async def linked_clients(conn: Connection, partner_id: int) -> list[Client]:
    """The partner's clients that are not closed or purged."""
    cur = await conn.execute(
        "SELECT c.* FROM clients c JOIN partner_links l ON l.client_id = c.id "
        "WHERE l.partner_id = ? AND c.status != 'closed' AND c.purged_at IS NULL ORDER BY c.id",
        (partner_id,),
    )
    return [Client.from_row(r) for r in await cur.fetchall()]


async def partners_of(conn: Connection, client_id: int) -> list[Partner]:
    cur = await conn.execute(
        "SELECT p.* FROM partners p JOIN partner_links l ON l.partner_id = p.id "
        "WHERE l.client_id = ? ORDER BY p.id",
        (client_id,),
    )
    return [Partner.from_row(r) for r in await cur.fetchall()]


# --- referrals -------------------------------------------------------------------------------


async def add_referral(
    conn: Connection,
    *,
    partner_id: int,
    nickname: str,
    release_date: date | None,
    language: str | None,
    consent: str,
    reason: str,
    now: datetime,
) -> Referral:
    cur = await conn.execute(
        "INSERT INTO referrals(partner_id, nickname, release_date, language, consent, reason, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            partner_id,
            nickname,
            release_date.isoformat() if release_date else None,
            language,
            consent,
            reason,
            utc_iso(now),
        ),
    )
    return Referral.from_row(await cur.fetchone())


async def get_referral(conn: Connection, referral_id: int) -> Referral | None:
    cur = await conn.execute("SELECT * FROM referrals WHERE id = ?", (referral_id,))
    return Referral.from_row(await cur.fetchone())


async def update_referral(conn: Connection, referral_id: int, **fields: Any) -> Referral | None:
    await set_columns(conn, "referrals", referral_id, fields)
    return await get_referral(conn, referral_id)


async def referrals_of_client(conn: Connection, client_id: int) -> list[Referral]:
    cur = await conn.execute(
        "SELECT * FROM referrals WHERE client_id = ? ORDER BY id", (client_id,)
    )
    return [Referral.from_row(r) for r in await cur.fetchall()]


# --- plan notes ------------------------------------------------------------------------------


async def add_note(
    conn: Connection,
    *,
    item_id: int,
    client_id: int,
    author_kind: str,
    author_id: int,
    text: str,
    now: datetime,
) -> PlanNote:
    cur = await conn.execute(
        "INSERT INTO plan_notes(item_id, client_id, author_kind, author_id, text, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        (item_id, client_id, author_kind, author_id, text, utc_iso(now)),
    )
    return PlanNote.from_row(await cur.fetchone())


async def notes_of_client(conn: Connection, client_id: int) -> list[PlanNote]:
    cur = await conn.execute(
        "SELECT * FROM plan_notes WHERE client_id = ? ORDER BY created_at, id", (client_id,)
    )
    return [PlanNote.from_row(r) for r in await cur.fetchall()]


# --- retention -------------------------------------------------------------------------------


async def purge_client(conn: Connection, client_id: int) -> None:
    """What partners added about a client whose data is purged: notes and the referral's name."""
    await conn.execute("UPDATE plan_notes SET text = NULL WHERE client_id = ?", (client_id,))
    await conn.execute(
        "UPDATE referrals SET nickname = NULL, release_date = NULL WHERE client_id = ?",
        (client_id,),
    )
    await conn.execute("DELETE FROM partner_links WHERE client_id = ?", (client_id,))


async def export_client(conn: Connection, client_id: int) -> dict[str, Any]:
    """What partners added about one client, for a subject access request."""
    out: dict[str, Any] = {}
    for table, sql in (
        ("partner_links", "SELECT * FROM partner_links WHERE client_id = ? ORDER BY created_at"),
        ("referrals", "SELECT * FROM referrals WHERE client_id = ? ORDER BY id"),
        ("plan_notes", "SELECT * FROM plan_notes WHERE client_id = ? ORDER BY created_at, id"),
    ):
        cur = await conn.execute(sql, (client_id,))
        out[table] = [dict(r) for r in await cur.fetchall()]
    return out
