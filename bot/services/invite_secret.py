"""The invite-hash secret: made once into the database, so every process hashes codes alike."""

from __future__ import annotations

from aiosqlite import Connection

from bot import invites as codes
from bot.config import Settings
from storage import admin as admin_repo
from storage.models import Invite

SECRET_NAME = "invite_pepper"


async def current_pepper(conn: Connection, settings: Settings) -> bytes:
    """The secret new codes are hashed with: SILTA_INVITE_PEPPER, else the stored one."""
    override = settings.pepper_override()
    if override is not None:
        return override
    stored = await admin_repo.secret(conn, SECRET_NAME)
    if stored is None:
        raise RuntimeError("the database has no invite secret; its migrations have not run")
    return stored.encode()


async def hash_new_code(conn: Connection, settings: Settings, code: str) -> str:
    return codes.hash_code(code, await current_pepper(conn, settings))


async def find_invite(conn: Connection, settings: Settings, code: str) -> Invite | None:
    """The invite for a normalised code, made before or after the stored secret existed."""
    invite = await admin_repo.invite_by_hash(conn, await hash_new_code(conn, settings, code))
    if invite is not None:
        return invite
    # Live codes of an installation upgraded from a token-derived secret keep working.
    for pepper in settings.legacy_peppers():
        invite = await admin_repo.invite_by_hash(conn, codes.hash_code(code, pepper), legacy=True)
        if invite is not None:
            return invite
    return None
