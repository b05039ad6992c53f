"""A worker's reply in the clients' quiet hours: the worker is told when it arrives, can send it
at once when it is urgent, and a change of the quiet hours moves what waits for them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.e2e.test_admin_policy import english_admin
from tests.fake_telegram import FakeUser
from tests.harness import Silta
from tests.worker_helpers import ask, audit_actions, joined_client, office, outbox_rows

HEL = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


def got(user: FakeUser, text: str) -> int:
    return sum(text in (m.text or "") for m in user.messages())


async def _night(silta: Silta) -> tuple[FakeUser, FakeUser]:
    """Maria and her client Pete, at 23:00 on a Tuesday: the clients' quiet hours (21-09)."""
    o = await office(silta)
    _, pete = await joined_client(silta, o.maria, "Pete")
    await silta.advance_to(local(2026, 12, 1, 23, 0))
    return o.maria_chat, pete


async def test_a_reply_in_quiet_hours_says_when_the_client_gets_it(silta: Silta) -> None:
    maria, pete = await _night(silta)
    told = await ask(maria, "/reply Pete See you tomorrow")
    assert "Sent" not in told.text, "not sent yet: it waits for the morning"
    assert "Pete (#1) gets this tomorrow at 09:00, after the quiet hours" in told.text
    assert [label for label, _ in told.buttons] == ["Send now anyway"]
    await silta.advance_to(local(2026, 12, 2, 8, 59))
    assert got(pete, "See you tomorrow") == 0
    await silta.advance_to(local(2026, 12, 2, 9, 0))
    assert got(pete, "See you tomorrow") == 1


async def test_a_reply_to_a_relayed_message_at_night_says_so_too(silta: Silta) -> None:
    maria, pete = await _night(silta)
    await pete.send("Can't sleep, worried about Friday")
    await silta.advance_to(local(2026, 12, 2, 8, 0))  # Maria's working day begins at 8
    card = await maria.next_message(contains="worried about Friday")
    await maria.send("We'll talk in the morning.", reply_to=card)
    told = await maria.next_message()
    # Read at 8:00 the same morning: the client gets it "today", not "tomorrow".
    assert "Pete (#1) gets this today at 09:00, after the quiet hours" in told.text
    await silta.settle()
    assert got(pete, "We'll talk in the morning.") == 0


async def test_send_now_anyway_releases_that_one_reply_at_once_and_is_audited(
    silta: Silta,
) -> None:
    maria, pete = await _night(silta)
    urgent = await ask(maria, "/reply Pete Your door code changed: 4321")
    later = await ask(maria, "/reply Pete Good night")
    qid = await maria.press(urgent, label="Send now anyway")
    await silta.tg.wait_for_callback_answer(qid)
    await silta.settle()
    assert got(pete, "Your door code changed: 4321") == 1, "sent in the quiet hours on purpose"
    assert got(pete, "Good night") == 0, "only the one pressed"
    await silta.tg.wait_for(lambda: "Sent to Pete" in (urgent.text or ""))
    assert urgent.buttons == []
    actions = [e.action for e in await audit_actions(silta)]
    assert actions.count("client.reply.now") == 1
    # In the morning the other one has gone out: its button sends nothing twice.
    await silta.advance_to(local(2026, 12, 2, 9, 0))
    assert got(pete, "Good night") == 1
    qid = await maria.press(later, label="Send now anyway")
    answer = await silta.tg.wait_for_callback_answer(qid)
    assert "already been sent" in (answer.text or "")
    await silta.settle()
    assert got(pete, "Good night") == 1
    assert [e.action for e in await audit_actions(silta)].count("client.reply.now") == 1


async def test_shorter_quiet_hours_release_a_waiting_reply_at_once(silta: Silta) -> None:
    maria, pete = await _night(silta)
    await ask(maria, "/reply Pete See you tomorrow")
    await silta.settle()
    admin = await english_admin(silta)
    await ask(admin, "/policy set quiet_hours.start 23:30", contains="Policy changed")
    await silta.settle()
    assert got(pete, "See you tomorrow") == 1, "23:00 is no longer quiet: sent now"


async def test_an_earlier_end_of_the_quiet_hours_brings_a_waiting_reply_forward(
    silta: Silta,
) -> None:
    maria, pete = await _night(silta)
    await ask(maria, "/reply Pete See you tomorrow")
    await silta.settle()
    admin = await english_admin(silta)
    await ask(admin, "/policy set quiet_hours.end 07:00", contains="Policy changed")
    await silta.settle()
    assert got(pete, "See you tomorrow") == 0, "still quiet at 23:00"
    (row,) = await outbox_rows(silta, "relay_to_client")
    assert row.due_at == local(2026, 12, 2, 7, 0)
    await silta.advance_to(local(2026, 12, 2, 7, 0))
    assert got(pete, "See you tomorrow") == 1
