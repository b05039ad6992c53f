"""Appointments of different kinds: a phone call, a video call with its link, a home visit and a
joint meeting with the prison. The worker picks the kind with a button; the client reads it in
plain words below a neutral first line; the worker sees it wherever appointments are listed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from storage import items as items_repo
from tests.harness import Silta
from tests.worker_helpers import ask, joined_client, office, tap, tap_then

HEL = ZoneInfo("Europe/Helsinki")
LINK = "https://meet.example.fi/r/abc-123?pwd=k9"


def helsinki(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HEL).astimezone(UTC)


async def _appointments(silta: Silta, client_id: int):
    async with silta.core.db.read() as conn:
        return await items_repo.appointments_of(conn, client_id)


async def _book_kind(silta: Silta, chat, client: str, kind: str, when: str):
    """Open /appointment, tap the kind, write the time; returns the bot's next question."""
    question = await ask(chat, f"/appointment {client}", contains="When is the appointment")
    assert "in person" in question.text, "the default kind is said, the others are buttons"
    await tap_then(silta, chat, question, kind, contains="When is it")
    return await ask(chat, when)


async def test_a_phone_call_tells_the_client_who_will_call(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    summary = await _book_kind(silta, o.maria_chat, "Pete", "Phone call", "3.12. 14:00")
    assert "Save it?" in summary.text, "a phone call has no place to ask for"
    assert "📞 Phone call" in summary.text
    await tap(silta, o.maria_chat, summary, "Save")
    [appt] = await _appointments(silta, pete.id)
    assert (appt.kind, appt.place, appt.link) == ("phone", "", None)
    await silta.settle()
    told = await user.next_message(contains="New meeting")
    first, second = told.text.split("\n")[:2]
    assert first == "New meeting: Thu 3 Dec at 14:00." and second == "Maria will call you."
    # The day before: no travel plan to make, and the question fits a call.
    await silta.advance_to(helsinki(12, 2, 14, 5))
    reminder = await user.next_message(contains="Reminder of a meeting")
    assert "Maria will call you." in reminder.text
    assert "Can you answer the phone then?" in reminder.text
    assert "get there" not in reminder.text
    listing = await ask(o.maria_chat, f"/appointments {pete.id}")
    assert "📞 Phone call" in listing.text


async def test_a_video_call_link_is_checked_and_opens_from_a_button(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    ask_link = await _book_kind(silta, o.maria_chat, "Pete", "Video call", "3.12. 14:00")
    assert "link" in ask_link.text
    for wrong in ("javascript:alert(1)", "meet.example.fi/r/abc", "ftp://files.example.fi/x"):
        refused = await ask(o.maria_chat, wrong)
        assert "not a link the client can open" in refused.text, wrong
    refused = await ask(o.maria_chat, "https://meet.example.fi/" + "x" * 500)
    assert "at most 500 characters" in refused.text
    summary = await ask(o.maria_chat, LINK, contains="Save it?")
    assert "📹 Video call" in summary.text and LINK in summary.text
    await tap(silta, o.maria_chat, summary, "Save")
    [appt] = await _appointments(silta, pete.id)
    assert (appt.kind, appt.link) == ("video", LINK)
    await silta.settle()
    told = await user.next_message(contains="New meeting")
    assert "Video call: open the link." in told.text
    assert told.buttons == [("📹 Open the video call", LINK)], "a URL button, not a callback"
    await silta.advance_to(helsinki(12, 2, 14, 5))
    reminder = await user.next_message(contains="Reminder of a meeting")
    assert "Can you join the call then?" in reminder.text
    assert ("📹 Open the video call", LINK) in reminder.buttons
    # Answering takes the answer buttons away but leaves the link to open the call.
    qid = await user.press(reminder, label="I'll be there")
    await silta.tg.wait_for_callback_answer(qid)
    await silta.tg.wait_for(lambda: "Your answer" in (reminder.text or ""))
    assert reminder.buttons == [("📹 Open the video call", LINK)]
    await user.send("/next")
    coming = await user.next_message(contains="Coming up")
    assert "Video call: open the link." in coming.text
    assert [link for _label, link in coming.buttons] == [LINK]


async def test_a_home_visit_is_in_the_digest_and_the_client_hears_of_it(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    summary = await _book_kind(silta, o.maria_chat, "Pete", "Home visit", "3.12. 13:00")
    assert "🏠 Home visit" in summary.text
    await tap(silta, o.maria_chat, summary, "Save")
    await silta.settle()
    told = await user.next_message(contains="New meeting")
    assert "Maria will visit you at home." in told.text
    # The worker sees the kind on the card and in Thursday's morning digest.
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    assert "Next appointment:" in card.text and "🏠 Home visit" in card.text
    await silta.advance_to(helsinki(12, 3, 8, 30))
    digest = [m for m in o.maria_chat.messages() if "Good morning" in (m.text or "")][-1]
    assert "Appointments today: 1" in digest.text
    assert "Pete (#1), 🏠 Home visit" in digest.text
    reminder = await user.next_message(contains="Reminder of a meeting")
    assert "Will you be at home then?" in reminder.text


async def test_a_joint_meeting_with_the_prison_is_set_before_release(silta: Silta) -> None:
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="en", release_date=date(2026, 12, 31))
    where = await _book_kind(
        silta, o.maria_chat, "Pete", "Joint meeting with the prison", "10.12. 13:00"
    )
    assert "Where" in where.text
    summary = await ask(o.maria_chat, "Meeting room 2", contains="Save it?")
    assert "👥 Joint meeting with the prison, Meeting room 2" in summary.text
    await tap(silta, o.maria_chat, summary, "Save")
    [appt] = await _appointments(silta, 1)
    assert (appt.kind, appt.place) == ("joint", "Meeting room 2")
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    assert "release in 30 days" in listing.text
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    assert "👥 Joint meeting with the prison, Meeting room 2" in card.text
    # Afterwards the worker is asked whether it took place, with the kind named.
    await silta.advance_to(helsinki(12, 10, 15, 0))
    question = await silta.tg.wait_for_message(100, contains="Did Pete")
    assert "👥 Joint meeting with the prison" in question.text
