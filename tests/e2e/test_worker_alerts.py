"""Alerts as a worker sees them, talking to a client, the morning digest, alerts that move."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.services import alerts as alert_service
from bot.services import items as item_service
from storage import engine as engine_repo
from tests.harness import Silta
from tests.worker_helpers import MARIA, TUULA, ask, audit_actions, joined_client, office, tap


async def _raise(silta: Silta, client, reason: str = "contact_me", ref_id: int = 1):
    async with silta.core.db.tx() as conn:
        alert = await alert_service.raise_alert(conn, silta.core, client, reason, ref_id=ref_id)
    await silta.settle()
    return alert


async def _open_from_summary(silta: Silta, chat, label: str):
    """/alerts, then the summary's button whose label contains `label`: the alert's card."""
    summary = await ask(chat, "/alerts", contains="open alert")
    await chat.press(summary, label=label)
    return await chat.next_message(contains=label)


async def test_alerts_lists_the_open_ones_with_their_buttons(silta: Silta) -> None:
    o = await office(silta)
    nothing = await ask(o.maria_chat, "/alerts")
    assert "No open alerts" in nothing.text
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await _raise(silta, pete, "no_answer")
    await _raise(silta, pete, "contact_me")
    summary = await ask(o.maria_chat, "/alerts", contains="open alert")
    assert summary.text.startswith("2 open alerts"), "one message first"
    assert "has not answered: 1" in summary.text and "asks you to get in touch: 1" in summary.text
    labels = [label for label, _ in summary.buttons]
    assert "get in touch" in labels[0], "urgent first"
    assert "has not answered" in labels[1]
    await o.maria_chat.press(summary, label="get in touch")
    card = await o.maria_chat.next_message(contains="asks you to get in touch")
    assert any("handle" in label for label, _ in card.buttons)
    answer = await tap(silta, o.maria_chat, card, "handle")
    assert "yours" in (answer.text or "")
    await silta.tg.wait_for(lambda: "Taken by Maria Virtanen" in (card.text or ""))
    team = await ask(o.tuula_chat, "/alerts")
    assert "Pete" in str(team.buttons), "the team sees them too"
    other = await ask(o.sam_chat, "/alerts")
    assert "No open alerts" in other.text


async def test_more_than_ten_alerts_are_counted(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    for n in range(12):  # twelve matters: one alert each (one per client and matter)
        await _raise(silta, pete, "appointment_help", ref_id=n)
    before = len(o.maria_chat.messages())
    summary = await ask(o.maria_chat, "/alerts", contains="open alerts")
    assert summary.text.startswith("12 open alerts")
    assert "needs help with an appointment: 12" in summary.text
    assert "first 10" in summary.text and len(summary.buttons) == 10
    assert len(o.maria_chat.messages()) - before == 1


async def test_two_workers_taking_one_alert_at_once(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    alert = await _raise(silta, pete, "contact_me")
    card_m = await _open_from_summary(silta, o.maria_chat, "get in touch")
    card_t = await _open_from_summary(silta, o.tuula_chat, "get in touch")
    q1, q2 = await asyncio.gather(
        o.maria_chat.press(card_m, label="handle"), o.tuula_chat.press(card_t, label="handle")
    )
    answers = [await silta.tg.wait_for_callback_answer(q) for q in (q1, q2)]
    texts = [a.text or "" for a in answers]
    assert sum("yours" in t for t in texts) == 1
    [told] = [a for a in answers if "already took" in (a.text or "")]
    assert told.show_alert
    taker = "Maria Virtanen" if "yours" in texts[0] else "Tuula Team"
    assert taker in (told.text or "")
    async with silta.core.db.read() as conn:
        fresh = await engine_repo.get_alert(conn, alert.id)
    assert fresh is not None and fresh.state == "acknowledged"
    assert [e.action for e in await audit_actions(silta)].count("alert.taken") == 1


async def test_snooze_and_done_from_a_card(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    alert = await _raise(silta, pete, "no_answer")
    card = await silta.tg.wait_for_message(MARIA, contains="has not answered")
    answer = await tap(silta, o.maria_chat, card, "Snooze 1 h")
    assert "Snoozed" in (answer.text or "")
    await silta.tg.wait_for(lambda: "Snoozed by Maria Virtanen" in (card.text or ""))
    answer = await tap(silta, o.maria_chat, card, "Done")
    assert "done" in (answer.text or "").lower()
    await silta.tg.wait_for(lambda: card.buttons == [])
    async with silta.core.db.read() as conn:
        fresh = await engine_repo.get_alert(conn, alert.id)
    assert fresh is not None and fresh.state == "resolved"
    nothing = await ask(o.maria_chat, "/alerts")
    assert "No open alerts" in nothing.text


async def test_replying_to_a_clients_message_reaches_the_client(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await user.send("Can we meet on Friday?")
    await silta.settle()
    card = await silta.tg.wait_for_message(MARIA, contains="Can we meet")
    await o.maria_chat.send("Yes, at 10 in the office.", reply_to=card)
    sent = await o.maria_chat.next_message()
    assert "Sent to Pete" in sent.text
    await silta.settle()
    got = await user.next_message(contains="Message from Maria")
    assert "Yes, at 10 in the office." in got.text and "Virtanen" not in got.text
    assert got.protect_content
    assert "client.reply" in [e.action for e in await audit_actions(silta)]


async def test_reply_command_and_replies_to_cards(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete K")
    sent = await ask(o.maria_chat, "/reply Pete K See you tomorrow!")
    assert "Sent to Pete K" in sent.text
    await silta.settle()
    got = await user.next_message(contains="See you tomorrow!")
    assert "Pete K" not in got.text.replace("See you tomorrow!", "")
    usage = await ask(o.maria_chat, "/reply")
    assert "/reply CLIENT TEXT" in usage.text
    unknown = await ask(o.maria_chat, "/reply Nobody hello")
    assert "No such client" in unknown.text
    # A reply to the client's card from /clients goes to the client as well.
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    await o.maria_chat.press(listing, label="Pete K")
    card = await o.maria_chat.next_message(contains="Worker:")
    await o.maria_chat.send("Remember your ID.", reply_to=card)
    assert "Sent to" in (await o.maria_chat.next_message()).text
    await silta.settle()
    await user.next_message(contains="Remember your ID.")
    # Not joined: said plainly.
    await silta.add_client(o.maria, "Anna", language="en")
    cannot = await ask(o.maria_chat, "/reply Anna hello")
    assert "cannot get messages" in cannot.text


async def test_one_morning_digest_on_a_working_day(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await silta.add_client(o.maria, "Anna", language="en")
    await _raise(silta, pete, "no_answer")
    # Wednesday 2 December, 14:00 Helsinki.
    await item_service.add_appointment(
        silta.core, o.maria, pete.id, datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "Office"
    )
    await silta.advance_to(datetime(2026, 12, 2, 6, 30, tzinfo=UTC))  # 08:30 on Wednesday
    digests = [m for m in o.maria_chat.messages() if "Good morning" in (m.text or "")]
    assert len(digests) == 1
    text = digests[0].text
    assert "Open alerts: 1" in text and "Appointments today: 1" in text
    assert "Not joined yet: 1" in text and "Anna" in text
    assert not [m for m in o.sam_chat.messages() if "Good morning" in (m.text or "")], (
        "a worker with no clients gets no digest"
    )
    # Saturday is not a working day.
    await silta.advance_to(datetime(2026, 12, 5, 7, 0, tzinfo=UTC))
    digests = [m for m in o.maria_chat.messages() if "Good morning" in (m.text or "")]
    assert len(digests) == 3, "Wednesday, Thursday and Friday only"


async def test_a_handed_over_client_takes_open_alerts_along(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    alert = await _raise(silta, pete, "contact_me")
    await ask(o.maria_chat, f"/handover {pete.id} Tuula", contains="now with")
    await silta.settle()
    card = await silta.tg.wait_for_message(TUULA, contains="asks you to get in touch")
    answer = await tap(silta, o.tuula_chat, card, "handle")
    assert "yours" in (answer.text or "")
    async with silta.core.db.read() as conn:
        fresh = await engine_repo.get_alert(conn, alert.id)
    assert fresh is not None and fresh.acknowledged_by == o.tuula.id


async def test_closing_a_client_closes_the_alerts(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete", release_date=date(2026, 12, 3))
    await _raise(silta, pete, "no_answer")
    confirm = await ask(o.maria_chat, f"/close {pete.id}")
    await tap(silta, o.maria_chat, confirm, "Yes, close")
    async with silta.core.db.read() as conn:
        assert await engine_repo.open_alerts(conn, client_id=pete.id) == []
    silta.clock.set(silta.clock.now() + timedelta(hours=1))
    nothing = await ask(o.maria_chat, "/alerts")
    assert "No open alerts" in nothing.text
