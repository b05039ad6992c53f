"""A joint meeting with the prison on video (issue 20 item 4): the worker gives a link instead of
a place; the partner and the client open it from a button, in the notice and the reminder."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from storage import items as items_repo
from tests.e2e.test_partners import card_of, taken
from tests.harness import Silta
from tests.worker_helpers import ask, joined_client, office, tap, tap_then

HEL = ZoneInfo("Europe/Helsinki")
TEAMS = "https://teams.example.fi/l/meetup-join/19%3Ameeting_42"
OPEN = "📹 Open the video call"


async def _book_joint(silta: Silta, chat, client: str, when: str):
    question = await ask(chat, f"/appointment {client}", contains="When is the appointment")
    await tap_then(silta, chat, question, "Joint meeting", contains="When is it")
    where = await ask(chat, when, contains="Where")
    assert "link" in (where.text or ""), "a joint meeting may be on video"
    return where


async def test_a_joint_meeting_on_video_gives_the_partner_its_link(silta: Silta) -> None:
    p, client = await taken(silta)
    o = p.office
    await _book_joint(silta, o.maria_chat, "Pete", "10.12. 13:00")
    refused = await ask(o.maria_chat, "javascript:alert(1)")
    assert "not a link the client can open" in (refused.text or "")
    summary = await ask(o.maria_chat, TEAMS, contains="Save it?")
    assert "👥 Joint meeting with the prison" in (summary.text or "")
    assert TEAMS in (summary.text or "")
    await tap(silta, o.maria_chat, summary, "Save")
    async with silta.core.db.read() as conn:
        [appt] = await items_repo.appointments_of(conn, client.id)
    assert (appt.kind, appt.place, appt.link) == ("joint", "", TEAMS)
    await silta.settle()
    booked = await p.liisa.next_message(contains="New joint meeting")
    assert (OPEN, TEAMS) in booked.buttons, "a URL button beside Confirm"
    assert any(label == "✅ Confirm" for label, _ in booked.buttons)
    await silta.advance_to(datetime(2026, 12, 9, 13, 1, tzinfo=HEL).astimezone(UTC))
    tomorrow = card_of(p.liisa, "Tomorrow: joint meeting")
    assert (OPEN, TEAMS) in tomorrow.buttons


async def test_a_joint_meeting_on_video_reaches_a_joined_client_with_its_link(
    silta: Silta,
) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await _book_joint(silta, o.maria_chat, "Pete", "3.12. 14:00")
    summary = await ask(o.maria_chat, TEAMS, contains="Save it?")
    await tap(silta, o.maria_chat, summary, "Save")
    await silta.settle()
    told = await user.next_message(contains="New meeting")
    assert "Joint meeting with Maria" in (told.text or "")
    assert "Place:" not in (told.text or "")
    assert told.buttons == [(OPEN, TEAMS)]
    await silta.advance_to(datetime(2026, 12, 2, 14, 5, tzinfo=HEL).astimezone(UTC))
    reminder = await user.next_message(contains="Reminder of a meeting")
    assert (OPEN, TEAMS) in reminder.buttons
    listing = await ask(o.maria_chat, f"/appointments {pete.id}")
    assert "👥 Joint meeting with the prison" in (listing.text or "")
