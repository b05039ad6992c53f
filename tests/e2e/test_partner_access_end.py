"""Ending a prison partner's access (issue 20): an admin or the inviting worker ends it from
/partners with a confirmation; the partner is refused in words from then on, their links end,
their open invite stops working and the linked clients' workers are told. A worker can also
unlink one partner from one client on the client card."""

from __future__ import annotations

from storage import partners as partners_repo
from tests.e2e.test_partners import ORG, card_of, taken
from tests.harness import Silta
from tests.worker_helpers import ask, audit_actions, tap, tap_then

ADMIN = 4242


async def _links(silta: Silta) -> list[tuple[int, int]]:
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT partner_id, client_id FROM partner_links")
        return [tuple(r) for r in await cur.fetchall()]


async def test_an_admin_ends_a_partners_access_and_the_worker_is_told(silta: Silta) -> None:
    p, client = await taken(silta)
    o = p.office
    await silta.add_worker(ADMIN, "Anna Admin", admin=True, language="en")
    anna = silta.tg.user(ADMIN, "Anna", language_code="en")
    listing = await ask(anna, "/partners", contains="Prison partners (1)")
    assert f"Liisa Laine, {ORG} — active, 1 client" in (listing.text or "")
    assert "(invited by Maria Virtanen)" in (listing.text or "")
    await tap(silta, anna, listing, "Liisa Laine")
    await silta.tg.wait_for(lambda: "Pete" in (listing.text or ""))
    view = listing
    await tap(silta, anna, view, "End access")
    await silta.tg.wait_for(lambda: "End the access of Liisa Laine?" in (view.text or ""))
    await tap(silta, anna, view, "Yes, end access")
    await silta.tg.wait_for(lambda: "Access ended" in (view.text or ""))
    assert "1 client was unlinked" in (view.text or "")
    assert await _links(silta) == []
    await silta.settle()
    told = await o.maria_chat.next_message(contains="was ended")
    assert "Liisa Laine" in (told.text or "") and "Pete" in (told.text or "")
    # Liisa is refused in words, whatever she tries.
    refused = await ask(p.liisa, "/clients")
    assert "not active" in (refused.text or "")
    refused = await ask(p.liisa, "/refer")
    assert "not active" in (refused.text or "")
    actions = [(e.action, e.detail) for e in await audit_actions(silta)]
    assert ("partner.deactivate", "partner 1; 1 links; 0 invites") in actions
    # Ending twice changes nothing; the list keeps her, marked.
    listing = await ask(anna, "/partners", contains="Prison partners")
    assert "access ended" in (listing.text or "") and listing.buttons == []


async def test_the_inviting_worker_ends_an_unopened_invite_and_others_cannot(
    silta: Silta,
) -> None:
    p, _client = await taken(silta)
    o = p.office
    invite = await ask(o.maria_chat, f"/addpartner Olli Outo | {ORG} | fi", contains="Partner")
    code = (invite.text or "").split("start=")[1].split()[0]
    # Sam from another team sees none of Maria's partners and cannot end them.
    none = await ask(o.sam_chat, "/partners")
    assert "no prison partners" in (none.text or "")
    qid = await o.sam_chat.press(none, callback_data="v1:pp:2:endy", forge=True)
    answer = await silta.tg.wait_for_callback_answer(qid)
    assert "no longer active" in (answer.text or "")
    listing = await ask(o.maria_chat, "/partners", contains="Prison partners (2)")
    assert "Olli Outo" in (listing.text or "") and "invite not opened" in (listing.text or "")
    await tap(silta, o.maria_chat, listing, "Olli Outo")
    await silta.tg.wait_for(lambda: "End access" in str(listing.buttons))
    view = listing
    await tap(silta, o.maria_chat, view, "End access")
    await silta.tg.wait_for(lambda: "End the access" in (view.text or ""))
    await tap(silta, o.maria_chat, view, "Yes, end access")
    await silta.tg.wait_for(lambda: "Access ended" in (view.text or ""))
    # The invite no longer works.
    olli = silta.tg.user(600, "Olli", language_code="en")
    await olli.command("start", code)
    reply = await olli.next_message()
    assert "Welcome" not in (reply.text or "")
    async with silta.core.db.read() as conn:
        partner = await partners_repo.get_partner(conn, 2)
        cur = await conn.execute("SELECT revoked_at FROM invites WHERE partner_id = 2")
        [revoked] = [r[0] for r in await cur.fetchall()]
    assert partner is not None and partner.telegram_id is None and not partner.active
    assert revoked is not None
    # Liisa still works.
    assert (1, 1) in await _links(silta)


async def test_a_worker_unlinks_a_partner_from_one_client_on_the_card(silta: Silta) -> None:
    p, client = await taken(silta)
    o = p.office
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    card = await tap_then(silta, o.maria_chat, listing, "Pete", contains="Prison partner")
    assert f"Liisa Laine, {ORG}" in (card.text or "")
    ask_sure = await tap_then(silta, o.maria_chat, card, "Unlink Liisa Laine", contains="Unlink")
    # Tuula (same team) could have done it too; Sam (another team) cannot.
    qid = await o.sam_chat.press(
        o.sam_chat.last_message() or 999_999, callback_data=f"v1:pp:1:x{client.id}", forge=True
    )
    assert "no longer active" in ((await silta.tg.wait_for_callback_answer(qid)).text or "")
    assert await _links(silta) == [(1, client.id)]
    await tap(silta, o.maria_chat, ask_sure, "Yes, unlink")
    await silta.tg.wait_for(lambda: "Unlinked" in (ask_sure.text or ""))
    assert await _links(silta) == []
    # Liisa no longer sees Pete, but her account still works.
    mine = await ask(p.liisa, "/clients")
    assert "Pete" not in (mine.text or "") and "not active" not in (mine.text or "")
    actions = [(e.action, e.client_id) for e in await audit_actions(silta)]
    assert ("partner.unlink", client.id) in actions
    assert card_of(o.maria_chat, "Unlinked")
