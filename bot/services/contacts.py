"""A client's partner contacts: who they are, checked, and who may see and change them.

`actor` None means the command line (trusted, audited as 'cli'). A worker sees and changes only
the contacts of clients they may see. The client sees only those marked shareable. Audit details
hold ids, never names or numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import Core
from bot.identity import looks_like_personal_identity_code
from bot.services.access import open_client, visible_client
from bot.services.audit import audit_by
from bot.services.items import clean_text
from storage import contacts as contacts_repo
from storage import people as people_repo
from storage.models import Client, PartnerContact, Worker

ROLES = ("prison", "social_worker", "housing", "substance_use", "health", "probation", "other")
MAX_NAME = 80
MAX_ORGANISATION = 100
MAX_PHONE = 30
MAX_EMAIL = 254
# Digits with the usual separators, an optional leading +; 5 to 15 digits (E.164's longest).
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/.-]*$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class ContactResult:
    """What a change did: status ok, not_found, closed, invalid, empty, identity_code,
    bad_phone or bad_email."""

    status: str
    client: Client | None = None
    contact: PartnerContact | None = None


def clean_name(text: str | None, limit: int) -> str | bool | None:
    """A tidied name or organisation, None when left empty, False when too long."""
    if text is None or not text.strip():
        return None
    return clean_text(text, limit) or False


def clean_phone(text: str | None) -> str | bool | None:
    """A phone number as written (spaces tidied), None when empty, False when it is not one."""
    if text is None or not text.strip():
        return None
    phone = " ".join(text.split())
    digits = sum(ch.isdigit() for ch in phone)
    if len(phone) > MAX_PHONE or not _PHONE.match(phone) or not 5 <= digits <= 15:
        return False
    return phone


def clean_email(text: str | None) -> str | bool | None:
    """An email address, None when empty, False when it is not one."""
    if text is None or not text.strip():
        return None
    email = text.strip()
    return email if len(email) <= MAX_EMAIL and _EMAIL.match(email) else False


def check_fields(
    role: str, name: str | None, organisation: str | None, phone: str | None, email: str | None
) -> tuple[str, dict[str, str | None]]:
    """('ok', the cleaned fields) or (the first problem, {}). An identity code is refused
    wherever it is written: a contact card is no place for one."""
    if role not in ROLES:
        return "invalid", {}
    if any(looks_like_personal_identity_code(v or "") for v in (name, organisation, phone, email)):
        return "identity_code", {}
    fields = {
        "name": clean_name(name, MAX_NAME),
        "organisation": clean_name(organisation, MAX_ORGANISATION),
        "phone": clean_phone(phone),
        "email": clean_email(email),
    }
    if fields["name"] is False or fields["organisation"] is False:
        return "invalid", {}
    if fields["phone"] is False:
        return "bad_phone", {}
    if fields["email"] is False:
        return "bad_email", {}
    if fields["name"] is None and fields["organisation"] is None:
        return "empty", {}
    return "ok", {k: v for k, v in fields.items() if isinstance(v, str | None)}


async def add_contact(
    core: Core,
    actor: Worker | None,
    client_id: int,
    role: str,
    *,
    name: str | None = None,
    organisation: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    shareable: bool = False,
) -> ContactResult:
    """A new contact of a client, checked; audited without its content."""
    status, fields = check_fields(role, name, organisation, phone, email)
    if status != "ok":
        return ContactResult(status)
    now = core.now()
    async with core.db.tx() as conn:
        found, client = await open_client(conn, actor, client_id)
        if found != "ok" or client is None:
            return ContactResult(found, client)
        contact = await contacts_repo.add_contact(
            conn,
            client_id=client.id,
            role=role,
            shareable=shareable,
            created_by=actor.id if actor else None,
            now=now,
            **fields,
        )
        await audit_by(
            conn, now, actor, "contact.add", client_id=client.id, detail=f"contact {contact.id}"
        )
    return ContactResult("ok", client, contact)


async def contacts(
    core: Core, actor: Worker | None, client_id: int
) -> tuple[Client | None, list[PartnerContact]]:
    """A client's contacts (None when the client is not the actor's to see); the look is
    audited, as for the card."""
    async with core.db.tx() as conn:
        client = await visible_client(conn, actor, client_id)
        if client is None:
            return None, []
        found = await contacts_repo.contacts_of(conn, client.id)
        await audit_by(
            conn, core.now(), actor, "client.view", client_id=client.id, detail="contacts"
        )
    return client, found


async def contact_for(core: Core, actor: Worker | None, contact_id: int) -> PartnerContact | None:
    """A contact, if the actor may see its client."""
    async with core.db.read() as conn:
        contact = await contacts_repo.get_contact(conn, contact_id)
        if contact is None or await visible_client(conn, actor, contact.client_id) is None:
            return None
        return contact


async def _change(
    core: Core, actor: Worker | None, contact_id: int, action: str, shareable: bool | None
) -> ContactResult:
    now = core.now()
    async with core.db.tx() as conn:
        contact = await contacts_repo.get_contact(conn, contact_id)
        client = (
            await visible_client(conn, actor, contact.client_id) if contact is not None else None
        )
        if contact is None or client is None:
            return ContactResult("not_found")
        if client.status == "closed":
            return ContactResult("closed", client, contact)
        if shareable is None:
            await contacts_repo.delete_contact(conn, contact.id)
        else:
            await contacts_repo.set_shareable(conn, contact.id, shareable)
            contact = await contacts_repo.get_contact(conn, contact.id)
        await audit_by(
            conn, now, actor, action, client_id=client.id, detail=f"contact {contact_id}"
        )
    return ContactResult("ok", client, contact)


async def remove_contact(core: Core, actor: Worker | None, contact_id: int) -> ContactResult:
    """Delete a contact (it is gone, not hidden)."""
    return await _change(core, actor, contact_id, "contact.remove", None)


async def share_contact(
    core: Core, actor: Worker | None, contact_id: int, shareable: bool
) -> ContactResult:
    """Show a contact to the client, or stop showing it."""
    action = "contact.share" if shareable else "contact.unshare"
    return await _change(core, actor, contact_id, action, shareable)


async def shared_with_client(core: Core, telegram_id: int) -> list[PartnerContact]:
    """The contacts a client may see: only those their worker marked shareable."""
    async with core.db.read() as conn:
        client = await people_repo.client_by_telegram(conn, telegram_id)
        if client is None or client.status == "closed":
            return []
        return await contacts_repo.contacts_of(conn, client.id, shareable_only=True)
