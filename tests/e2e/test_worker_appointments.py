"""A worker books, moves and cancels appointments, and says afterwards whether the client came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.callbacks import encode
from storage import items as items_repo
from tests.harness import Silta
from tests.worker_helpers import (
    ask,
    audit_actions,
    joined_client,
    office,
    outbox_rows,
    tap,
    tap_then,
)

# Thursday 3 December 2026 10:00 in Helsinki.
THURSDAY_10 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


async def _appointments(silta: Silta, client_id: int):
    async with silta.core.db.read() as conn:
        return await items_repo.appointments_of(
            conn, client_id, statuses=("scheduled", "cancelled", "attended", "missed")
        )


async def _book(
    silta: Silta, chat, client_id: int, when: str = "3.12. 10:00", place: str = "Office, Main St 1"
):
    """Book through the conversation; returns the summary message (already saved)."""
    await ask(chat, f"/appointment {client_id}", contains="When is the appointment")
    await ask(chat, when, contains="Where")
    summary = await ask(chat, place, contains="Save it?")
    await tap(silta, chat, summary, "Save")
    return summary


async def test_booking_by_buttons_stores_tells_the_client_and_plans_reminders(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    pick = await ask(o.maria_chat, "/appointment")
    assert "Whom" in pick.text
    when = await tap_then(silta, o.maria_chat, pick, "Pete")
    assert "When is the appointment with Pete" in when.text
    assert "2.12. 10:00" in when.text, "an example the worker can copy"
    where = await ask(o.maria_chat, "huomenna klo 14")
    assert "Where" in where.text
    summary = await ask(o.maria_chat, "Kela office, Main Street 1")
    assert "Appointment with Pete (#1): tomorrow at 14:00, Kela office" in summary.text
    assert await _appointments(silta, pete.id) == [], "nothing is stored before Save"
    await tap(silta, o.maria_chat, summary, "Save")
    [appt] = await _appointments(silta, pete.id)
    assert appt.at == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert appt.place == "Kela office, Main Street 1"
    await silta.settle()
    told = await user.next_message(contains="New meeting")
    assert "Kela office" in told.text
    reminders = await outbox_rows(silta, "appt_reminder", pete.id)
    assert reminders and all(r.state == "pending" for r in reminders)
    assert "appointment.add" in [e.action for e in await audit_actions(silta)]


async def test_wrong_times_are_refused_with_an_example(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await ask(o.maria_chat, f"/appointment {pete.id}", contains="When")
    for typed, why in (
        ("next week sometime", "could not read"),
        ("31.2. 10:00", "does not exist"),
        ("1.12.2026 10:00", "already passed"),
        ("3.12. 25:00", "does not exist"),
    ):
        answer = await ask(o.maria_chat, typed)
        assert why in answer.text, typed
        assert "2.12. 10:00" in answer.text
    too_long = await ask(o.maria_chat, "3.12.2026 klo 10", contains="Where")
    assert too_long.buttons
    answer = await ask(o.maria_chat, "x" * 101)
    assert "at most 100" in answer.text
    assert await _appointments(silta, pete.id) == []


async def test_iso_and_finnish_forms_are_both_read(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await _book(silta, o.maria_chat, pete.id, when="2026-12-03 10:00")
    await _book(silta, o.maria_chat, pete.id, when="tomorrow 10")
    found = sorted(a.at for a in await _appointments(silta, pete.id))
    assert found == [datetime(2026, 12, 2, 8, 0, tzinfo=UTC), THURSDAY_10]


async def test_a_stale_save_button_changes_nothing(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await ask(o.maria_chat, f"/appointment {pete.id}", contains="When")
    await ask(o.maria_chat, "3.12. 10:00", contains="Where")
    summary = await ask(o.maria_chat, "Office", contains="Save it?")
    await ask(o.maria_chat, "/cancel", contains="Cancelled")
    answer = await tap(silta, o.maria_chat, summary, "Save")
    assert "no longer active" in (answer.text or "")
    assert await _appointments(silta, pete.id) == []


async def test_changing_the_time_tells_the_client_and_replans(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await _book(silta, o.maria_chat, pete.id)
    await silta.settle()
    listing = await ask(o.maria_chat, f"/appointments {pete.id}")
    assert "Office, Main St 1" in listing.text
    question = await tap_then(silta, o.maria_chat, listing, "Change")
    assert "new time" in question.text
    wrong = await ask(o.maria_chat, "30.2. 10:00")
    assert "does not exist" in wrong.text
    done = await ask(o.maria_chat, "4.12. 12:00")
    assert "Moved" in done.text
    [appt] = await _appointments(silta, pete.id)
    assert appt.at == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    await silta.settle()
    changed = await user.next_message(contains="has changed")
    assert "New time: Fri 4 Dec at 12:00." in changed.text
    keys = [
        r.key for r in await outbox_rows(silta, "appt_reminder", pete.id) if r.state == "pending"
    ]
    assert keys and all("2026-12-04" in k for k in keys)


async def test_cancelling_asks_first_then_tells_the_client(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await _book(silta, o.maria_chat, pete.id)
    await silta.settle()
    listing = await ask(o.maria_chat, "/appointments Pete")
    confirm = await tap_then(silta, o.maria_chat, listing, "Cancel")
    keep = await tap(silta, o.maria_chat, confirm, "No, keep")
    assert keep is not None
    assert [a.status for a in await _appointments(silta, pete.id)] == ["scheduled"]
    confirm = await tap_then(silta, o.maria_chat, listing, "Cancel")
    yes = confirm.data_for("Yes, cancel")
    await tap(silta, o.maria_chat, confirm, "Yes, cancel")
    assert [a.status for a in await _appointments(silta, pete.id)] == ["cancelled"]
    await silta.settle()
    await user.next_message(contains="is cancelled")
    assert not [
        r for r in await outbox_rows(silta, "appt_reminder", pete.id) if r.state == "pending"
    ]
    qid = await o.maria_chat.press(confirm, callback_data=yes, forge=True)
    again = await silta.tg.wait_for_callback_answer(qid)
    assert "no longer active" in (again.text or "")
    empty = await ask(o.maria_chat, f"/appointments {pete.id}")
    assert "no coming appointments" in empty.text


async def test_after_the_meeting_the_worker_says_whether_the_client_came(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await _book(silta, o.maria_chat, pete.id)
    await silta.advance_to(THURSDAY_10 + timedelta(hours=2))
    question = await silta.tg.wait_for_message(100, contains="Did Pete")
    answer = await tap(silta, o.maria_chat, question, "Attended")
    assert "recorded" in (answer.text or "")
    [appt] = await _appointments(silta, pete.id)
    assert appt.status == "attended"
    await silta.tg.wait_for(lambda: question.buttons == [])
    assert "Attended" in question.text
    again = await o.maria_chat.press(
        question, callback_data=encode("at", appt.id, "missed"), forge=True
    )
    stale = await silta.tg.wait_for_callback_answer(again)
    assert "no longer active" in (stale.text or "")
    assert (await _appointments(silta, pete.id))[0].status == "attended"
    assert "appointment.attended" in [e.action for e in await audit_actions(silta)]


async def test_another_teams_worker_cannot_touch_an_appointment(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await _book(silta, o.maria_chat, pete.id)
    [appt] = await _appointments(silta, pete.id)
    sam = o.sam_chat
    await sam.send("/help")
    help_message = await sam.next_message()
    for choice in (
        "move",
        "cancelok",
    ):
        qid = await sam.press(help_message, callback_data=encode("wa", appt.id, choice), forge=True)
        answer = await silta.tg.wait_for_callback_answer(qid)
        assert "no longer active" in (answer.text or ""), choice
    qid = await sam.press(help_message, callback_data=encode("at", appt.id, "missed"), forge=True)
    assert "no longer active" in ((await silta.tg.wait_for_callback_answer(qid)).text or "")
    assert [a.status for a in await _appointments(silta, pete.id)] == ["scheduled"]
    denied = await ask(sam, f"/appointments {pete.id}")
    assert "No such client among yours" in denied.text


async def test_a_place_naming_a_clinic_warns_and_may_be_reworded(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await ask(o.maria_chat, f"/appointment {pete.id}", contains="When is the appointment")
    await ask(o.maria_chat, "3.12. 14:00", contains="Where")
    summary = await ask(o.maria_chat, "A-klinikka, Main Street 1", contains="Save it?")
    assert "lock screen" in summary.text, "the worker is warned the place names a clinic"
    again = await tap_then(silta, o.maria_chat, summary, "neutral place")
    assert "Where" in again.text
    summary = await ask(o.maria_chat, "Main Street 1, 2nd floor", contains="Save it?")
    assert "lock screen" not in summary.text
    await tap(silta, o.maria_chat, summary, "Save")
    [appt] = await _appointments(silta, pete.id)
    assert appt.place == "Main Street 1, 2nd floor"
    await silta.settle()
    told = await user.next_message(contains="New meeting")
    assert "klinikka" not in told.text


async def test_a_plain_place_gets_no_warning(silta: Silta) -> None:
    o = await office(silta)
    pete, _user = await joined_client(silta, o.maria, "Pete")
    await ask(o.maria_chat, f"/appointment {pete.id}", contains="When is the appointment")
    await ask(o.maria_chat, "3.12. 14:00", contains="Where")
    summary = await ask(o.maria_chat, "Office, Main St 1", contains="Save it?")
    assert "lock screen" not in summary.text and "neutral" not in str(summary.reply_markup)
