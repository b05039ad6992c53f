"""A date typed without a year is the nearest such date: a release date that just passed stays
in the past, an appointment is asked back, and "yesterday" is said to be in the past."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storage import items as items_repo
from storage import people as people_repo
from tests.harness import Silta
from tests.worker_helpers import ask, joined_client, office, pending, tap, tap_then

# The harness starts on Tuesday 1 December 2026, 11:00 in Helsinki.


async def _next_checkin(silta: Silta, client_id: int) -> datetime:
    [row] = [r for r in await pending(silta, client_id) if r.kind == "checkin"]
    return row.due_at


async def test_a_release_date_without_a_year_that_just_passed_stays_this_year(
    silta: Silta,
) -> None:
    o = await office(silta)
    language = await ask(o.maria_chat, "/newclient Pete")
    release = await tap_then(silta, o.maria_chat, language, "English")
    assert "A date that has passed is fine" in release.text
    backup = await ask(o.maria_chat, "30.11.")
    await tap_then(silta, o.maria_chat, backup, "No backup")
    async with silta.core.db.read() as conn:
        [pete] = await people_repo.clients_of(conn, [o.maria.id])
    assert pete.release_date == date(2026, 11, 30), "yesterday, not next November"


async def test_an_appointment_date_that_just_passed_is_asked_back(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await ask(o.maria_chat, f"/appointment {pete.id}", contains="When")
    question = await ask(o.maria_chat, "30.11. 10:00")
    assert "Did you mean" in question.text and "2027" in question.text
    where = await tap_then(silta, o.maria_chat, question, "Yes")
    assert "Where" in where.text
    summary = await ask(o.maria_chat, "Kela office")
    await tap(silta, o.maria_chat, summary, "Save")
    async with silta.core.db.read() as conn:
        [appt] = await items_repo.appointments_of(conn, pete.id, statuses=("scheduled",))
    assert appt.at == datetime(2027, 11, 30, 8, 0, tzinfo=UTC)


async def test_no_to_the_guess_asks_for_the_year_and_yesterday_is_in_the_past(
    silta: Silta,
) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await ask(o.maria_chat, f"/appointment {pete.id}", contains="When")
    question = await ask(o.maria_chat, "30.11. 10:00")
    again = await tap_then(silta, o.maria_chat, question, "No")
    assert "with the year" in again.text
    for typed in ("yesterday at 10", "eilen klo 10"):
        answer = await ask(o.maria_chat, typed)
        assert "already passed" in answer.text, typed
    where = await ask(o.maria_chat, "3.12.2026 10:00")
    assert "Where" in where.text


async def test_the_release_date_is_corrected_from_the_card_and_check_ins_follow(
    silta: Silta,
) -> None:
    o = await office(silta)
    # Stored a year late, as the old reading of "30.11." did: check-ins wait a year.
    pete, _ = await joined_client(silta, o.maria, "Pete", release_date=date(2027, 11, 30))
    assert await _next_checkin(silta, pete.id) > silta.clock.now() + timedelta(days=300)
    listing = await ask(o.maria_chat, "/clients")
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    asked = await tap_then(silta, o.maria_chat, card, "Release date")
    assert "released" in asked.text
    done = await ask(o.maria_chat, "30.11.")
    assert "Mon 30 Nov." in done.text and "2027" not in done.text, "this year, so no year"
    assert (await silta.client(pete.id)).release_date == date(2026, 11, 30)
    assert await _next_checkin(silta, pete.id) < silta.clock.now() + timedelta(days=2)
