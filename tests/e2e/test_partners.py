"""The prison's re-entry worker in the loop (issue 20): a partner invited by a worker, a referral
at the start of a sentence, a shared plan worked by both sides, an early release, and a partner
who sees nothing but the shared part of their linked clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Client
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import Silta
from tests.worker_helpers import Office, ask, audit_actions, office, tap, tap_then

HEL = ZoneInfo("Europe/Helsinki")
LIISA = 500
# Day 1 of a 60-day sentence: the harness starts on Tuesday 1 December 2026.
RELEASE = date(2027, 1, 30)
ORG = "Jyväskylä prison, re-entry team"


@dataclass
class Prison:
    office: Office
    liisa: FakeUser


async def invited_partner(silta: Silta) -> Prison:
    """Maria invites Liisa from the prison; Liisa opens the link."""
    o = await office(silta)
    invite = await ask(o.maria_chat, f"/addpartner Liisa Laine | {ORG} | en", contains="Partner")
    assert invite.photo is not None and invite.photo.startswith(b"\x89PNG")
    assert ORG in (invite.text or "")
    code = (invite.text or "").split("start=")[1].split()[0]
    liisa = silta.tg.user(LIISA, "Liisa", language_code="fi")
    await liisa.command("start", code)
    welcome = await liisa.next_message(contains="Welcome")
    assert "partner" in (welcome.text or "") and ORG in (welcome.text or "")
    menu = await silta.tg.wait_for(
        lambda: silta.tg.my_commands({"type": "chat", "chat_id": LIISA}), what="Liisa's menu"
    )
    assert [c["command"] for c in menu] == ["refer", "clients", "cancel", "help"]
    return Prison(o, liisa)


async def refer(silta: Silta, liisa: FakeUser, nickname: str = "Pete") -> None:
    """Liisa refers a person: nickname, release date, language, consent, reason."""
    await ask(liisa, "/refer", contains="Who is the referral for")
    await ask(liisa, nickname, contains="expected to be released")
    language = await ask(liisa, RELEASE.strftime("%d.%m.%Y"), contains="Which language")
    consent = await tap_then(silta, liisa, language, "English", contains="agree")
    reason = await tap_then(silta, liisa, consent, "Yes, the client agreed", contains="about")
    await tap_then(silta, liisa, reason, "housing", contains="Thank you")


def card_of(user: FakeUser, text: str) -> SentMessage:
    found = [m for m in user.messages() if text in (m.text or "")]
    assert found, f"no message with {text!r}"
    return found[-1]


async def the_client(silta: Silta, nickname: str) -> Client:
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT id FROM clients WHERE nickname = ?", (nickname,))
        row = await cur.fetchone()
        assert row is not None
        client = await people_repo.get_client(conn, row[0])
    assert client is not None
    return client


async def test_a_referral_climbs_the_ladder_until_a_worker_takes_it(silta: Silta) -> None:
    p = await invited_partner(silta)
    o = p.office
    await refer(silta, p.liisa)
    await silta.settle()
    card = card_of(o.maria_chat, "New referral from")
    assert f"New referral from {ORG}: release in 60 days" in (card.text or "")
    assert "housing" in (card.text or "") and "Pete" in (card.text or "")
    assert not [m for m in o.tuula_chat.messages() if "referral" in (m.text or "")]
    listed = await ask(o.maria_chat, "/alerts", contains="open alert")
    assert "new referral from the prison" in (listed.text or "")
    # Nobody takes it: by the afternoon (4 working hours) the team has it too.
    await silta.advance_to(datetime(2026, 12, 1, 15, 1, tzinfo=HEL).astimezone(UTC))
    team_card = card_of(o.tuula_chat, "New referral from")
    answer = await tap(silta, o.tuula_chat, team_card, "Take")
    assert answer is not None
    done = await o.tuula_chat.next_message(contains="is now your client")
    client = await the_client(silta, "Pete")
    assert client.worker_id == o.tuula.id and client.release_date == RELEASE
    assert client.status == "invited" and client.language == "en"
    assert "/invite" in (done.text or "")
    # The partner is linked and told who took it; the plan started from the templates.
    async with silta.core.db.read() as conn:
        assert await partners_repo.is_linked(conn, 1, client.id)
    told = await p.liisa.next_message(contains="took your referral")
    assert "Tuula Team" in (told.text or "")
    plan = await ask(o.tuula_chat, f"/plan {client.id}", contains="Release plan")
    assert "ID card" in (plan.text or "")
    # Maria's card now says who took it, and its buttons are gone.
    await silta.settle()
    await silta.tg.wait_for(
        lambda: "Taken by Tuula" in (card_of(o.maria_chat, "New referral").text or ""),
        what="Maria's card updated",
    )
    assert card_of(o.maria_chat, "New referral").buttons == []


async def test_an_identity_code_is_refused_in_a_referral(silta: Silta) -> None:
    p = await invited_partner(silta)
    await ask(p.liisa, "/refer", contains="Who is the referral for")
    refused = await ask(p.liisa, "131052-308T", contains="identity code")
    assert "nickname" in (refused.text or "")
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT count(*) FROM referrals")
        assert (await cur.fetchone())[0] == 0


async def test_the_team_declines_with_a_reason_the_partner_sees(silta: Silta) -> None:
    p = await invited_partner(silta)
    o = p.office
    await refer(silta, p.liisa, "Jussi")
    await silta.settle()
    card = card_of(o.maria_chat, "New referral from")
    why = await tap_then(silta, o.maria_chat, card, "Decline", contains="Why")
    await tap(silta, o.maria_chat, why, "not our area")
    told = await p.liisa.next_message(contains="declined")
    assert "Jussi" in (told.text or "") and "not our area" in (told.text or "")
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT count(*) FROM clients")
        assert (await cur.fetchone())[0] == 0


async def taken(silta: Silta) -> tuple[Prison, Client]:
    p = await invited_partner(silta)
    await refer(silta, p.liisa)
    await silta.settle()
    await tap(silta, p.office.maria_chat, card_of(p.office.maria_chat, "New referral"), "Take")
    await p.office.maria_chat.next_message(contains="is now your client")
    await p.liisa.next_message(contains="took your referral")
    return p, await the_client(silta, "Pete")


async def test_a_shared_plan_worked_by_both_sides(silta: Silta) -> None:
    p, client = await taken(silta)
    o = p.office
    listing = await ask(p.liisa, "/clients", contains="Your clients")
    view = await tap_then(silta, p.liisa, listing, "Pete", contains="Release date")
    text = view.text or ""
    # Only the prison's items, the release date and the worker's name.
    assert "ID card" in text and "Maria Virtanen" in text
    assert "Bank account" not in text and "Housing" not in text
    await tap(silta, p.liisa, view, "✅ ID card")
    await silta.tg.wait_for(lambda: "☑ ID card" in (p.liisa.last_message().text or ""))
    note = await tap_then(silta, p.liisa, p.liisa.last_message(), "📝 Note", contains="note")
    assert note is not None
    await ask(p.liisa, "Applied on Thursday, the card comes by post", contains="Saved")
    await silta.settle()
    told = await o.maria_chat.next_message(contains="added a note")
    assert "Liisa Laine" in (told.text or "")
    plan = await ask(o.maria_chat, f"/plan {client.id}", contains="Release plan")
    assert "ID card: ticked by Liisa Laine" in (plan.text or "")
    assert "Applied on Thursday" in (plan.text or "")
    # The worker answers on the same item; Liisa is told and sees it.
    await tap(silta, o.maria_chat, plan, "✏️")
    menu = await silta.with_button(o.maria_chat, "📝 Note for the prison")
    await tap_then(silta, o.maria_chat, menu, "Note for the prison", contains="note")
    await ask(o.maria_chat, "Thank you, I'll book the bank next", contains="Release plan")
    await silta.settle()
    await p.liisa.next_message(contains="added a note")
    again = await ask(p.liisa, "/clients", contains="Your clients")
    view = await tap_then(silta, p.liisa, again, "Pete", contains="Release date")
    assert "I'll book the bank next" in (view.text or "")
    kinds = {(e.actor_kind, e.action) for e in await audit_actions(silta)}
    assert {
        ("partner", "partner.view"),
        ("partner", "plan.done"),
        ("partner", "plan.note"),
    } <= kinds


async def test_an_early_release_from_the_prison_moves_the_plan(silta: Silta) -> None:
    p, client = await taken(silta)
    o = p.office
    listing = await ask(p.liisa, "/clients", contains="Your clients")
    view = await tap_then(silta, p.liisa, listing, "Pete", contains="Release date")
    assert "ID card — Sat, 9 Jan 2027" in (view.text or "")  # three weeks before 30.1.
    await tap_then(silta, p.liisa, view, "Release date", contains="new expected release date")
    moved = await ask(p.liisa, "15.12.2026", contains="Release date")
    assert "Tue 24 Nov" in (moved.text or "")
    await silta.settle()
    told = await o.maria_chat.next_message(contains="set the release date")
    assert "Tue 15 Dec" in (told.text or "")
    assert "Sat, 30 Jan 2027" in (told.text or "")
    assert (await silta.client(client.id)).release_date == date(2026, 12, 15)
    # The client joins on release day with the card the worker made.
    invite = await ask(o.maria_chat, f"/invite {client.id}", contains="invite")
    code = (invite.text or "").split("start=")[1].split()[0]
    await silta.advance_to(datetime(2026, 12, 15, 12, 0, tzinfo=HEL).astimezone(UTC))
    pete = silta.tg.user(3001, "Pete", language_code="en")
    await pete.command("start", code)
    offer = await pete.next_message(contains="Silta")
    await pete.press(offer, label="Yes")
    await silta.tg.wait_for(lambda: len(pete.messages()) >= 2)
    assert (await silta.client(client.id)).status == "active"


async def test_a_partner_is_refused_everything_outside_the_shared_view(silta: Silta) -> None:
    p, client = await taken(silta)
    o = p.office
    other = await silta.add_client(o.maria, "Anna", language="en")
    assert other.client is not None
    for command in ("/alerts", "/plan 1", "/reply 1 hello", "/newclient", "/stats", "/audit"):
        refused = await ask(p.liisa, command)
        assert "not available to you" in (refused.text or ""), command
    # Buttons of other roles, and of a client not linked to her, change nothing.
    listing = await ask(p.liisa, "/clients", contains="Your clients")
    assert "Anna" not in (listing.text or "") and all("Anna" not in b for b, _ in listing.buttons)
    for data in (
        f"v1:pc:{other.client.id}:view",
        f"v1:cl:{client.id}:card",
        "v1:al:1:ack",
        "v1:rf:1:take",
        "v1:ck:1:good",
    ):
        qid = await p.liisa.press(listing, callback_data=data, forge=True)
        answer = await silta.tg.wait_for_callback_answer(qid)
        assert "no longer active" in (answer.text or ""), data
    # Items that are not the prison's cannot be ticked by her.
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT id FROM plan_items WHERE client_id = ? AND owner != 'prison'", (client.id,)
        )
        not_hers = [r[0] for r in await cur.fetchall()]
    for item_id in not_hers[:2]:
        qid = await p.liisa.press(listing, callback_data=f"v1:pt:{item_id}:done", forge=True)
        answer = await silta.tg.wait_for_callback_answer(qid)
        assert "no longer active" in (answer.text or "")


async def test_the_weekly_list_names_overdue_prison_items(silta: Silta) -> None:
    p, client = await taken(silta)
    listing = await ask(p.liisa, "/clients", contains="Your clients")
    view = await tap_then(silta, p.liisa, listing, "Pete", contains="Release date")
    await tap_then(silta, p.liisa, view, "Release date", contains="new expected release date")
    await ask(p.liisa, "20.12.2026", contains="Release date")  # the ID card due 29.11.: overdue
    await silta.advance_to(datetime(2026, 12, 7, 12, 0, tzinfo=HEL).astimezone(UTC))
    weekly = card_of(p.liisa, "overdue")
    assert "1 prison item is overdue" in (weekly.text or "")
    assert "Pete" in (weekly.text or "") and "ID card" in (weekly.text or "")


async def test_export_and_purge_cover_what_partners_added(silta: Silta) -> None:
    from bot.services import retention
    from storage import retention as retention_repo

    p, client = await taken(silta)
    listing = await ask(p.liisa, "/clients", contains="Your clients")
    view = await tap_then(silta, p.liisa, listing, "Pete", contains="Release date")
    await tap_then(silta, p.liisa, view, "📝 Note", contains="note")
    await ask(p.liisa, "Card applied", contains="Saved")
    async with silta.core.db.read() as conn:
        export = await retention_repo.export_client(conn, client.id)
    assert export is not None
    assert [n["text"] for n in export["plan_notes"]] == ["Card applied"]
    assert export["referrals"][0]["reason"] == "housing"
    assert export["partner_links"][0]["partner_id"] == 1
    await ask(p.office.maria_chat, f"/close {client.id}")
    async with silta.core.db.tx() as conn:
        await people_repo.update_client(
            conn, client.id, status="closed", closed_at=silta.clock.now() - timedelta(days=400)
        )
    await retention.purge(silta.core)
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT text FROM plan_notes")
        assert [r[0] for r in await cur.fetchall()] == [None]
        cur = await conn.execute("SELECT nickname, release_date FROM referrals")
        assert [tuple(r) for r in await cur.fetchall()] == [(None, None)]
        assert await partners_repo.linked_clients(conn, 1) == []


async def test_a_joint_meeting_booked_reaches_the_partner_who_confirms_it(silta: Silta) -> None:
    p, client = await taken(silta)
    o = p.office
    question = await ask(o.maria_chat, "/appointment Pete", contains="When is the appointment")
    await tap_then(silta, o.maria_chat, question, "Joint meeting", contains="When is it")
    await ask(o.maria_chat, "10.12. 13:00", contains="Where")
    summary = await ask(o.maria_chat, "Meeting room 2", contains="Save it?")
    await tap(silta, o.maria_chat, summary, "Save")
    await silta.settle()
    booked = await p.liisa.next_message(contains="New joint meeting")
    text = booked.text or ""
    assert "Pete (#1)" in text and "Meeting room 2" in text and "Thu 10 Dec at 13:00" in text
    assert "not in Silta yet: please tell them" in text, "Pete has no phone inside"
    # Her shared view lists it too.
    listing = await ask(p.liisa, "/clients", contains="Your clients")
    view = await tap_then(silta, p.liisa, listing, "Pete", contains="Release date")
    assert "Joint meeting with the prison, Meeting room 2" in (view.text or "")
    answer = await tap(silta, p.liisa, booked, "Confirm")
    assert "confirmed" in (answer.text or "")
    await silta.settle()
    told = await o.maria_chat.next_message(contains="confirmed the joint meeting")
    assert "Liisa Laine" in (told.text or "")
    # The day before, at the same hour, she is reminded; she asks for another time.
    await silta.advance_to(datetime(2026, 12, 9, 13, 1, tzinfo=HEL).astimezone(UTC))
    tomorrow = card_of(p.liisa, "Tomorrow: joint meeting")
    assert "you confirmed" in (tomorrow.text or "")
    await tap(silta, p.liisa, tomorrow, "Another time")
    await silta.settle()
    asked = card_of(o.maria_chat, "asks for another time")
    assert "Pete" in (asked.text or "")
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT partner_answer FROM appointments")
        assert [r[0] for r in await cur.fetchall()] == ["reschedule"]
