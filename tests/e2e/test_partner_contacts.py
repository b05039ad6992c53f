"""Partner contacts: the worker records the people around a client step by step; workers see
them on the card; the client sees only the ones the worker shares, under /help."""

from __future__ import annotations

from datetime import date

from bot.services import contacts as contact_service
from tests.harness import Silta
from tests.worker_helpers import ask, audit_actions, joined_client, office, tap, tap_then


async def test_the_prison_contact_is_added_step_by_step_and_shown_on_the_card(
    silta: Silta,
) -> None:
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="en", release_date=date(2026, 12, 31))
    listing = await ask(o.maria_chat, "/contacts Pete", contains="Contacts of Pete")
    assert "None yet." in listing.text
    role = await tap_then(silta, o.maria_chat, listing, "Add a contact", contains="Who is it?")
    name = await tap_then(silta, o.maria_chat, role, "Prison", contains="name")
    assert name.buttons[0][0] == "Skip"
    await ask(o.maria_chat, "Liisa Laine", contains="organisation")
    await ask(o.maria_chat, "Vantaan vankila", contains="phone number")
    wrong = await ask(o.maria_chat, "call the front desk")
    assert "not a phone number" in wrong.text
    await ask(o.maria_chat, "029 56 60400", contains="email")
    wrong = await ask(o.maria_chat, "liisa.laine@")
    assert "not an email address" in wrong.text
    summary = await ask(o.maria_chat, "liisa.laine@om.fi", contains="Save this contact?")
    line = "Prison: Liisa Laine, Vantaan vankila, ☎ 029 56 60400, ✉ liisa.laine@om.fi"
    assert line in summary.text
    await tap(silta, o.maria_chat, summary, "only workers see it")
    saved = await o.maria_chat.next_message(contains="Contacts of Pete")
    assert line in saved.text
    clients = await ask(o.maria_chat, "/clients", contains="Your clients")
    card = await tap_then(silta, o.maria_chat, clients, "Pete")
    assert "📇 " + line in card.text
    added = [e for e in await audit_actions(silta) if e.action == "contact.add"]
    assert [e.detail for e in added] == ["contact 1"], "audited, without the name or number"


async def test_an_identity_code_is_refused_and_a_name_or_organisation_is_needed(
    silta: Silta,
) -> None:
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="en")
    listing = await ask(o.maria_chat, "/contacts Pete", contains="Contacts of Pete")
    role = await tap_then(silta, o.maria_chat, listing, "Add a contact", contains="Who is it?")
    name = await tap_then(silta, o.maria_chat, role, "Housing", contains="name")
    refused = await ask(o.maria_chat, "Pete 131052-308T")
    assert "personal identity code" in refused.text
    org = await tap_then(silta, o.maria_chat, refused, "Skip", contains="organisation")
    again = await tap_then(silta, o.maria_chat, org, "Skip", contains="at least a name")
    assert "Skip" not in [label for label, _ in again.buttons]
    await ask(o.maria_chat, "Asuntotoimisto", contains="phone number")
    refused = await ask(o.maria_chat, "131052-308T")
    assert "personal identity code" in refused.text
    assert name is not None
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT count(*) FROM partner_contacts")
        assert (await cur.fetchone())[0] == 0, "nothing is stored before Save"


async def test_only_the_contacts_the_worker_shares_reach_the_client(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    core = silta.core
    await contact_service.add_contact(
        core, o.maria, pete.id, "housing", organisation="Asuntotoimisto", phone="09 310 13030"
    )
    await contact_service.add_contact(
        core, o.maria, pete.id, "probation", name="Pekka Valvoja", phone="029 56 88000"
    )
    await user.send("/help")
    help_before = await user.next_message(contains="/next")
    assert "Useful numbers" not in str(help_before.buttons), "nothing shared yet"
    listing = await ask(o.maria_chat, "/contacts Pete", contains="Contacts of Pete")
    answer = await tap(silta, o.maria_chat, listing, "Share Asuntotoimisto")
    assert "sees it under /help" in (answer.text or "")
    shown = await o.maria_chat.next_message(contains="Contacts of Pete")
    assert "🔓 Housing: Asuntotoimisto" in shown.text
    await user.send("/help")
    help_now = await user.next_message(contains="/next")
    numbers = await tap_then(silta, user, help_now, "Useful numbers")
    assert numbers.text.split("\n")[0] == "Useful numbers from your worker:"
    assert "Housing: Asuntotoimisto, ☎ 09 310 13030" in numbers.text
    assert "Pekka" not in numbers.text and "029 56 88000" not in numbers.text
    assert numbers.protect_content
    # Unshared again: the client no longer finds it.
    shown = await ask(o.maria_chat, "/contacts Pete", contains="Contacts of Pete")
    await tap(silta, o.maria_chat, shown, "Stop sharing Asuntotoimisto")
    again = await tap_then(silta, user, help_now, "Useful numbers")
    assert "Asuntotoimisto" not in again.text


async def test_removing_a_contact_asks_first(silta: Silta) -> None:
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="en")
    await contact_service.add_contact(silta.core, o.maria, 1, "health", organisation="Clinic X")
    listing = await ask(o.maria_chat, "/contacts Pete", contains="Contacts of Pete")
    confirm = await tap_then(silta, o.maria_chat, listing, "Remove Clinic X")
    await tap(silta, o.maria_chat, confirm, "No, keep it")
    assert (await contact_service.contacts(silta.core, o.maria, 1))[1]
    confirm = await tap_then(silta, o.maria_chat, listing, "Remove Clinic X")
    await tap(silta, o.maria_chat, confirm, "Yes, remove it")
    assert (await contact_service.contacts(silta.core, o.maria, 1))[1] == []
    assert "contact.remove" in [e.action for e in await audit_actions(silta)]


async def test_another_teams_worker_sees_no_contacts(silta: Silta) -> None:
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="en")
    await contact_service.add_contact(silta.core, o.maria, 1, "prison", name="Liisa Laine")
    denied = await ask(o.sam_chat, "/contacts 1")
    assert "No such client among yours" in denied.text and "Liisa" not in denied.text
    # A colleague in the same team does see them.
    shown = await ask(o.tuula_chat, "/contacts 1", contains="Contacts of Pete")
    assert "Prison: Liisa Laine" in shown.text
